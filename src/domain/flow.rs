//! 流动党员: a member working away from home six months or more stays on their branch's
//! roster, registered as flowing out (where, since when, how to reach them, the party
//! organization there); a member from elsewhere may be registered as flowing into a branch to
//! take part in its organizational life without joining its roster.
use super::text::{FieldErrors, PERSON_NAME_MAX_CHARS, optional, past_date, phone, required};
use time::Date;

labelled_enum!(Direction {
    Out => "out", "流出";
    In => "in", "流入";
});

/// Longest place or organization name.
pub const PLACE_MAX_CHARS: usize = 100;

/// A flow as its form says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub direction: Direction,
    /// Out: the member (one of the branch's); in: none.
    pub member_id: Option<i64>,
    /// In: the person's name (out: the member's, filled by the caller).
    pub name: String,
    pub phone: Option<String>,
    /// Out: where they work (流入地); in: unused.
    pub place: String,
    /// Out: the party organization where they work, if any; in: their own organization.
    pub other_org: String,
    pub since: Date,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct FlowEntry<'a> {
    pub direction: &'a str,
    pub member: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
    pub place: &'a str,
    pub other_org: &'a str,
    pub since: &'a str,
}

/// Checks a flow: out names one of `members` and where they went; in names the person and
/// their own organization; both a start not in the future and a phone to reach them.
pub fn parse_flow(e: &FlowEntry, members: &[i64], today: Date) -> Result<Flow, FieldErrors> {
    let mut errors = FieldErrors::default();
    let direction = Direction::from_code(e.direction);
    if direction.is_none() {
        errors.add("direction", "请选择流出或流入");
    }
    let since = errors.check(
        "since",
        past_date(e.since, "开始时间", None, today).map(Some),
    );
    let phone = match e.phone.trim() {
        "" => {
            errors.add("phone", "请填写联系电话");
            None
        }
        p => errors.check("phone", phone(p).map(Some)),
    };
    let (mut member_id, mut name, mut place, mut other_org) =
        (None, String::new(), String::new(), String::new());
    match direction {
        Some(Direction::Out) => {
            member_id = e
                .member
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|m| members.contains(m));
            if member_id.is_none() {
                errors.add("member", "请选择本支部的党员");
            }
            place = errors.check(
                "place",
                required(e.place, PLACE_MAX_CHARS).map_err(|m| format!("外出地点：{m}")),
            );
            other_org = errors.check(
                "other_org",
                optional(e.other_org, PLACE_MAX_CHARS).map_err(|m| format!("当地党组织：{m}")),
            );
        }
        Some(Direction::In) => {
            name = errors.check(
                "name",
                required(e.name, PERSON_NAME_MAX_CHARS).map_err(|m| format!("姓名：{m}")),
            );
            other_org = errors.check(
                "other_org",
                required(e.other_org, PLACE_MAX_CHARS)
                    .map_err(|m| format!("组织关系所在党组织：{m}")),
            );
        }
        None => {}
    }
    match (direction, since, errors.is_empty()) {
        (Some(direction), Some(since), true) => Ok(Flow {
            direction,
            member_id,
            name,
            phone,
            place,
            other_org,
            since,
        }),
        _ => Err(errors),
    }
}

/// The day a flow ends (返回 / 离开): not before it began, not in the future.
pub fn parse_end(on: &str, since: Date, today: Date) -> Result<Date, String> {
    past_date(on, "结束时间", Some((since, "开始时间")), today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 07);

    #[test]
    fn a_member_flows_out_with_where_and_since() {
        let e = FlowEntry {
            direction: "out",
            member: "7",
            phone: "13912345678",
            place: "浙江省宁波市北仑区",
            other_org: "",
            since: "2026-03-01",
            ..Default::default()
        };
        let f = parse_flow(&e, &[7], TODAY).unwrap();
        assert_eq!((f.member_id, f.since), (Some(7), date!(2026 - 03 - 01)));
        let stranger = parse_flow(&FlowEntry { member: "8", ..e }, &[7], TODAY).unwrap_err();
        assert_eq!(stranger.get("member"), "请选择本支部的党员");
        let bad = parse_flow(
            &FlowEntry {
                place: "",
                since: "2026-12-08",
                phone: "12345",
                ..e
            },
            &[7],
            TODAY,
        )
        .unwrap_err();
        assert!(bad.has("place") && bad.has("since") && bad.has("phone"));
    }

    #[test]
    fn a_member_from_elsewhere_flows_in_with_their_own_organization() {
        let e = FlowEntry {
            direction: "in",
            name: "韩流入",
            phone: "13912345678",
            other_org: "中共临江县河口镇党委",
            since: "2026-05-01",
            ..Default::default()
        };
        let f = parse_flow(&e, &[], TODAY).unwrap();
        assert_eq!((f.name.as_str(), f.member_id), ("韩流入", None));
        let bad = parse_flow(
            &FlowEntry {
                other_org: "",
                name: "",
                ..e
            },
            &[],
            TODAY,
        )
        .unwrap_err();
        assert!(bad.has("other_org") && bad.has("name"));
        assert!(
            parse_flow(&FlowEntry::default(), &[], TODAY)
                .unwrap_err()
                .has("direction")
        );
    }

    #[test]
    fn a_flow_ends_between_its_start_and_today() {
        let since = date!(2026 - 03 - 01);
        assert_eq!(
            parse_end("2026-11-30", since, TODAY),
            Ok(date!(2026 - 11 - 30))
        );
        assert!(parse_end("2026-02-28", since, TODAY).is_err());
        assert!(parse_end("2026-12-08", since, TODAY).is_err());
    }
}
