//! Behind a reverse proxy: whose word to take for the client's address and scheme. Only a
//! peer the county configured as its proxy may speak for the client, and of the addresses
//! `X-Forwarded-For` lists, the client is the last one not itself a trusted proxy — what a
//! client wrote into the header before it reached the proxy cannot put a made-up address
//! into the audit log.
use ipnet::IpNet;
use std::net::IpAddr;

/// The client's address: the peer's, unless the peer is a trusted proxy and the header names
/// someone beyond it.
pub fn client_address(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let Some(list) = forwarded_for else {
        return peer;
    };
    let mut last = peer;
    for hop in list.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => last = ip,
            Ok(ip) => return ip,
            // Garbage in the header: stop at the last address vouched for.
            Err(_) => return last,
        }
    }
    last
}

/// Whether the request reached the proxy over TLS: only a trusted proxy's
/// `X-Forwarded-Proto` is believed.
pub fn came_over_tls(peer: IpAddr, forwarded_proto: Option<&str>, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|n| n.contains(&peer))
        && forwarded_proto.is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

/// Networks as a county writes them: `10.0.0.5`, `10.0.0.0/8`, `::1`; comma-separated.
pub fn parse_networks(list: &[String]) -> Result<Vec<IpNet>, String> {
    list.iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("“{s}” is not an address or a network like 10.0.0.0/8"))
        })
        .collect()
}

/// The proxy on the same machine (`trust_proxy = true`, as before).
pub fn loopback() -> Vec<IpNet> {
    parse_networks(&["127.0.0.0/8".into(), "::1".into()]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_a_trusted_proxy_speaks_for_the_client() {
        let trusted = parse_networks(&["10.0.0.0/8, 127.0.0.1".into()]).unwrap();
        // Straight from the internet: the header is the client's own word, ignored.
        assert_eq!(
            client_address(ip("198.51.100.7"), Some("1.2.3.4"), &trusted),
            ip("198.51.100.7")
        );
        // Through the proxy: the client is the last address not a proxy, whatever the
        // client wrote before it.
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("1.2.3.4, 198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), Some("198.51.100.7, 10.0.0.3"), &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), None, &trusted),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("<script>, 10.0.0.9"), &trusted),
            ip("10.0.0.9"),
            "garbage stops the walk at the last proxy"
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("2001:db8::1"), &trusted),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn tls_is_the_proxys_word_only() {
        let trusted = loopback();
        assert!(came_over_tls(ip("127.0.0.1"), Some("https"), &trusted));
        assert!(came_over_tls(ip("::1"), Some("HTTPS"), &trusted));
        assert!(!came_over_tls(ip("198.51.100.7"), Some("https"), &trusted));
        assert!(!came_over_tls(ip("127.0.0.1"), Some("http"), &trusted));
        assert!(!came_over_tls(ip("127.0.0.1"), None, &trusted));
    }

    #[test]
    fn networks_are_read_as_written_and_nonsense_is_named() {
        let n = parse_networks(&["10.0.0.5".into(), " 192.168.0.0/16 ,::1".into()]).unwrap();
        assert_eq!(n.len(), 3);
        assert!(n[0].contains(&ip("10.0.0.5")) && !n[0].contains(&ip("10.0.0.6")));
        assert!(
            parse_networks(&["10.0.0.0/33".into()])
                .unwrap_err()
                .contains("10.0.0.0/33")
        );
    }
}
