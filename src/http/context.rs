//! What every request carries: the signed-in principal (if any), its CSRF token, the client
//! address and a one-shot flash message. Loaded once per request by `load`.
use super::AppState;
use super::access::Access;
use crate::crypto::{constant_time_eq, hex, random_token};
use crate::domain::clock::now_epoch;
use crate::domain::policy::{Actor, Grant};
use crate::domain::rate::{self, Action, Limiter, Who};
use crate::error::AppError;
use crate::store::{audit, notifications, sessions, users};
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub const SESSION_COOKIE: &str = "dj_session";
const ANON_COOKIE: &str = "dj_anon";
const FLASH_COOKIE: &str = "dj_flash";
/// Form bodies larger than this are refused before parsing.
const FORM_LIMIT: usize = 1 << 20;

#[derive(Debug, Clone)]
pub struct Principal {
    pub actor: Actor,
    pub name: String,
    pub token_hash: String,
    pub large_font: bool,
    pub must_change_password: bool,
    /// An administrator or officer without a second factor where the county requires one:
    /// they may only enrol (or leave).
    pub must_enrol_second_factor: bool,
    pub branch_id: Option<i64>,
    /// Unread notifications, for the bell.
    pub unread: i64,
    /// 党建新鲜事 waiting for this administrator's review, for the menu.
    pub pending_reviews: i64,
}

#[derive(Debug, Clone)]
pub struct Ctx {
    pub principal: Option<Principal>,
    pub csrf: String,
    pub ip: String,
    pub flash: Option<String>,
    /// The server's counts of tries (`domain::rate`).
    pub limiter: Arc<Mutex<Limiter>>,
}

impl Ctx {
    /// Counts one `action` by this client's address and by the account (`account`, else the
    /// signed-in one); refused when either has used up its tries. The machine's own address
    /// is not limited: behind a proxy not configured as trusted, every member would share it.
    pub fn limit(&self, action: Action, account: Option<String>) -> Result<(), AppError> {
        let now = now_epoch();
        let account =
            account.or_else(|| self.principal.as_ref().map(|p| p.actor.user_id.to_string()));
        let local = self
            .ip
            .parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.is_loopback());
        let mut limiter = self.limiter.lock().expect("not poisoned");
        let whom = (!local)
            .then(|| Who::Address(self.ip.clone()))
            .into_iter()
            .chain(account.map(Who::Account));
        for who in whom {
            limiter
                .hit(action, who, now)
                .map_err(|wait| AppError::TooOften(rate::message(action, wait), wait))?;
        }
        Ok(())
    }

    pub fn principal(&self) -> Result<&Principal, AppError> {
        self.principal.as_ref().ok_or(AppError::SignIn)
    }

    pub fn actor(&self) -> Result<&Actor, AppError> {
        Ok(&self.principal()?.actor)
    }

    /// The audit log's view of who is acting.
    pub fn audit_actor(&self) -> audit::Actor {
        audit::Actor {
            user_id: self.principal.as_ref().map(|p| p.actor.user_id),
            name: self
                .principal
                .as_ref()
                .map(|p| p.name.clone())
                .unwrap_or_else(|| "（未登录）".into()),
            ip: self.ip.clone(),
        }
    }
}

impl Ctx {
    /// Records a change this request made, in the audit log, inside its transaction.
    /// Records a look (a read of personal data, or the 审计管理员 reading the log) in its
    /// own transaction, which changes no figure.
    pub async fn audit_read(
        &self,
        db: &crate::store::Db,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<(), AppError> {
        let mut tx = db.begin().await?;
        self.audit(&mut tx, action, target, detail).await?;
        tx.commit_record_of_a_read().await
    }

    pub async fn audit(
        &self,
        tx: &mut crate::store::WriteTx,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<(), AppError> {
        audit::append(
            tx.conn(),
            &self.audit_actor(),
            action,
            target,
            audit::OK,
            detail,
        )
        .await
    }

    /// What the page layout needs to know.
    pub fn page(&self, title: impl Into<String>) -> Page {
        let p = self.principal.as_ref();
        // The menu offers what the route table's access admits, by the same check.
        let may = |access: Access| access.admits(p);
        Page {
            title: title.into(),
            user_name: p.map(|p| p.name.clone()).unwrap_or_default(),
            signed_in: p.is_some(),
            csrf: self.csrf.clone(),
            large_font: p.is_some_and(|p| p.large_font),
            flash: self.flash.clone().unwrap_or_default(),
            is_member: may(Access::Member),
            is_applicant: may(Access::Applicant),
            is_admin: may(Access::Admin),
            is_editor: may(Access::Editor),
            is_system_admin: may(Access::SystemAdmin),
            is_security_admin: may(Access::SecurityAdmin),
            is_audit_admin: may(Access::AuditAdmin),
            is_county_admin: p.is_some_and(|p| p.actor.administers_county()),
            is_county_editor: p.is_some_and(|p| p.actor.edits_county()),
            branch_id: p.and_then(|p| p.branch_id).unwrap_or(0),
            member_id: p.and_then(|p| p.actor.member_id).unwrap_or(0),
            unread: p.map(|p| p.unread).unwrap_or(0),
            pending_reviews: p.map(|p| p.pending_reviews).unwrap_or(0),
            refresh_seconds: 0,
        }
    }
}

/// The layout's view of the request.
#[derive(Debug, Clone)]
pub struct Page {
    pub title: String,
    pub user_name: String,
    pub signed_in: bool,
    pub csrf: String,
    pub large_font: bool,
    pub flash: String,
    pub is_member: bool,
    /// On the 发展党员 path, with their own page.
    pub is_applicant: bool,
    pub is_admin: bool,
    pub is_editor: bool,
    pub is_system_admin: bool,
    pub is_security_admin: bool,
    pub is_audit_admin: bool,
    /// Sets the county's rules (积分规则 and the like).
    pub is_county_admin: bool,
    /// Keeps the county's question bank and reviews 党史上的今天.
    pub is_county_editor: bool,
    pub branch_id: i64,
    pub member_id: i64,
    pub unread: i64,
    pub pending_reviews: i64,
    /// Seconds after which the page reloads itself (a running import); 0: never.
    pub refresh_seconds: u32,
}

impl Page {
    pub fn is_console(&self) -> bool {
        self.is_admin
            || self.is_editor
            || self.is_system_admin
            || self.is_security_admin
            || self.is_audit_admin
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::internal("request context missing"))
    }
}

/// A cookie's name as sent: over TLS with the `__Host-` prefix, which browsers keep only when
/// it came over https for this host and path `/` (no other subdomain can plant or read it).
fn cookie_name(state: &AppState, name: &str) -> String {
    if state.config.secure_cookies {
        format!("__Host-{name}")
    } else {
        name.to_string()
    }
}

pub fn cookie<'a>(state: &AppState, headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let name = cookie_name(state, name);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name.as_str())
        .map(|(_, v)| v)
}

pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    let name = cookie_name(state, name);
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{age}")
}

pub fn csrf_for(state: &AppState, token: &str) -> String {
    hex(&state.keys.mac(&[b"csrf", token.as_bytes()])[..16])
}

/// Whether a form's token is `csrf_for` the cookie, under any key of the ring (a form a key
/// rotation overtook still counts).
fn csrf_genuine(state: &AppState, cookie: &str, provided: &str) -> bool {
    state.keys.any_mac(&[b"csrf", cookie.as_bytes()], |mac| {
        constant_time_eq(provided.as_bytes(), hex(&mac[..16]).as_bytes())
    })
}

/// A redirect that shows `message` once on the next page.
pub fn flash_redirect(state: &AppState, to: &str, message: &str) -> Response {
    let value: String = url::form_urlencoded::byte_serialize(message.as_bytes()).collect();
    (
        [
            (header::LOCATION, to.to_string()),
            (
                header::SET_COOKIE,
                set_cookie(state, FLASH_COOKIE, &value, Some(60)),
            ),
        ],
        axum::http::StatusCode::SEE_OTHER,
    )
        .into_response()
}

/// The client's address: the peer's, or what a trusted proxy says of it.
fn client_ip(state: &AppState, req: &Request) -> String {
    let Some(peer) = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
    else {
        return String::new();
    };
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    crate::domain::proxy::client_address(peer, forwarded, &state.config.trusted_proxies).to_string()
}

/// Whether the request came over TLS, by a trusted proxy's word.
pub fn over_tls(state: &AppState, req: &Request) -> bool {
    let Some(peer) = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
    else {
        return false;
    };
    let proto = req
        .headers()
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok());
    crate::domain::proxy::came_over_tls(peer, proto, &state.config.trusted_proxies)
}

async fn principal_for(state: &AppState, token: &str) -> Result<Option<Principal>, AppError> {
    let token_hash = sessions::hash_token(token);
    let Some(u) = users::by_session(&state.db, &token_hash).await? else {
        return Ok(None);
    };
    let now = now_epoch();
    let idle = state.security().await.idle_timeout_minutes * 60;
    if u.disabled != 0 || now - u.last_seen_at > idle {
        let mut tx = state.db.begin().await?;
        sessions::delete(tx.conn(), &token_hash).await?;
        tx.commit().await?;
        return Ok(None);
    }
    if now - u.last_seen_at >= 30 {
        sessions::touch(&state.db, &token_hash, now).await?;
    }
    let grants = match u.has_grants {
        0 => Vec::new(),
        _ => users::grants(&state.db, u.user_id).await?,
    };
    let grants = grants
        .into_iter()
        .filter_map(|g| {
            Some(Grant {
                role: g.role()?,
                org_path: g.org_path.clone(),
                org_type: g
                    .org_kind
                    .as_deref()
                    .and_then(crate::domain::org::OrgType::from_code),
            })
        })
        .collect();
    let actor = Actor {
        user_id: u.user_id,
        member_id: u.member_id,
        branch_path: u.branch_path,
        grants,
        applicant_id: u.applicant_id,
    };
    let must_enrol_second_factor =
        state.config.second_factor_required && u.second_factor == 0 && !actor.grants.is_empty();
    let pending_reviews =
        crate::store::posts::pending_count_below(&state.db, &actor.admin_roots()).await?;
    Ok(Some(Principal {
        actor,
        name: u.name,
        token_hash,
        large_font: u.large_font != 0,
        must_change_password: u.must_change_password != 0,
        must_enrol_second_factor,
        branch_id: u.branch_id,
        unread: u.unread,
        pending_reviews,
    }))
}

/// A form's body, at most `FORM_LIMIT`. A bigger one is read to its end (up to the largest
/// upload) before it is refused, so that the sender hears the refusal instead of a
/// connection cut while it was still sending.
async fn form_body(body: Body) -> Result<axum::body::Bytes, AppError> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut read = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| AppError::BadRequest("提交的内容不完整，请重试".into()))?;
        read += chunk.len();
        if read > super::UPLOAD_BODY_LIMIT {
            break;
        }
        if read <= FORM_LIMIT {
            kept.extend_from_slice(&chunk);
        }
    }
    if read > FORM_LIMIT {
        return Err(AppError::TooLarge);
    }
    Ok(kept.into())
}

/// A stream that keeps a copy of every chunk it passes on, so that what was read to find
/// the token can be handed on to the handler in front of the rest.
struct Tee {
    inner: axum::body::BodyDataStream,
    seen: Vec<axum::body::Bytes>,
}

impl futures_util::Stream for Tee {
    type Item = Result<axum::body::Bytes, axum::Error>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let next = std::pin::Pin::new(&mut self.inner).poll_next(cx);
        if let std::task::Poll::Ready(Some(Ok(chunk))) = &next {
            self.seen.push(chunk.clone());
        }
        next
    }
}

/// The token of an upload form: its first field (the pages put it first), read without
/// reading the files behind it. The body comes back whole for the handler. Tokens never
/// travel in the address, where they would show in the address bar and the logs.
async fn multipart_token(content_type: &str, body: Body) -> (Option<String>, Body) {
    let mut tee = Tee {
        inner: body.into_data_stream(),
        seen: Vec::new(),
    };
    let token = match multer::parse_boundary(content_type) {
        Ok(boundary) => {
            let limits = multer::Constraints::new()
                .size_limit(multer::SizeLimit::new().for_field("csrf", 256));
            let mut form = multer::Multipart::with_constraints(&mut tee, boundary, limits);
            match form.next_field().await {
                Ok(Some(field)) if field.name() == Some("csrf") => field.text().await.ok(),
                _ => None,
            }
        }
        Err(_) => None,
    };
    let Tee { inner, seen } = tee;
    let replay = futures_util::stream::iter(seen.into_iter().map(Ok::<_, axum::Error>));
    (
        token,
        Body::from_stream(futures_util::StreamExt::chain(replay, inner)),
    )
}

fn provided_token(parts: &Parts, form: Option<&[u8]>) -> Option<String> {
    if let Some(h) = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return Some(h.to_string());
    }
    url::form_urlencoded::parse(form?)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned())
}

/// Loads the context, then refuses state-changing requests without the right CSRF token.
pub async fn load(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut set_cookies = Vec::new();
    let mut principal = match cookie(&state, req.headers(), SESSION_COOKIE) {
        Some(token) => match principal_for(&state, token).await {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        },
        None => None,
    };
    // Opening the page a notification leads to reads it, however the page was reached.
    if let Some(p) = principal.as_mut()
        && p.unread > 0
        && req.method() == Method::GET
    {
        let uri = req.uri();
        let full = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
        match notifications::mark_opened(&state.db, p.actor.user_id, uri.path(), full, now_epoch())
            .await
        {
            Ok(n) => p.unread -= n,
            Err(e) => return e.into_response(),
        }
    }
    // The forms' token is a MAC of the session (or the anonymous browser's) cookie.
    let csrf_of = match (&principal, cookie(&state, req.headers(), ANON_COOKIE)) {
        (Some(_), _) => cookie(&state, req.headers(), SESSION_COOKIE)
            .unwrap_or("")
            .to_string(),
        (None, Some(anon)) if anon.len() == 64 => anon.to_string(),
        (None, _) => {
            let anon = random_token();
            set_cookies.push(set_cookie(&state, ANON_COOKIE, &anon, None));
            anon
        }
    };
    let csrf = csrf_for(&state, &csrf_of);
    let flash = cookie(&state, req.headers(), FLASH_COOKIE).map(|v| {
        url::form_urlencoded::parse(format!("m={v}").as_bytes())
            .next()
            .map(|(_, m)| m.into_owned())
            .unwrap_or_default()
    });
    if flash.is_some() {
        set_cookies.push(set_cookie(&state, FLASH_COOKIE, "", Some(0)));
    }
    // Over TLS (by a trusted proxy's word, or as configured), browsers are told to keep to it.
    let tls = state.config.secure_cookies || over_tls(&state, &req);
    let ctx = Ctx {
        principal,
        csrf: csrf.clone(),
        ip: client_ip(&state, &req),
        flash,
        limiter: state.limiter.clone(),
    };
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(ctx);
    let req = if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        Request::from_parts(parts, body)
    } else {
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let (body, token) = if content_type.starts_with("application/x-www-form-urlencoded") {
            match form_body(body).await {
                Ok(b) => (Body::from(b.clone()), provided_token(&parts, Some(&b))),
                Err(e) => return e.into_response(),
            }
        } else if content_type.starts_with("multipart/form-data")
            && !parts.headers.contains_key("x-csrf-token")
        {
            let (token, body) = multipart_token(&content_type, body).await;
            (body, token)
        } else {
            (body, provided_token(&parts, None))
        };
        let ok = token.is_some_and(|t| csrf_genuine(&state, &csrf_of, &t));
        if !ok {
            tracing::warn!("request refused: missing or wrong CSRF token");
            return AppError::Csrf.into_response();
        }
        Request::from_parts(parts, body)
    };
    let mut res = next.run(req).await;
    // A response that leaves a new flash keeps it: clearing the one read must not undo it.
    let new_flash = format!("{}=", cookie_name(&state, FLASH_COOKIE));
    if res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.starts_with(&new_flash)))
    {
        set_cookies.retain(|c| !c.starts_with(&new_flash));
    }
    for c in set_cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    let h = res.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    if tls {
        h.insert(
            "strict-transport-security",
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    );
    res
}

/// One span per request, with method, route and outcome.
pub async fn trace(req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let span = tracing::info_span!("request", %method, %path);
    let res =
        tracing::Instrument::instrument(crate::store::Db::scoped(next.run(req)), span.clone())
            .await;
    span.in_scope(|| {
        tracing::info!(
            status = res.status().as_u16(),
            micros = started.elapsed().as_micros() as u64,
            "done"
        );
    });
    res
}
