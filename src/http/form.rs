//! Form helpers: the form and query extractors, field errors, ids from URLs, option lists
//! and rendering.
use crate::error::AppError;
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use serde::de::DeserializeOwned;

/// What a user reads when a form or an address could not be read at all (a field's own
/// problems are said at the field, by the domain's parsers).
const NOT_UNDERSTOOD: &str = "提交的内容无法识别，请返回页面检查后重新提交。";

/// A form body. A field that may repeat (checkboxes) is a `Vec` and reads the same whether
/// it comes 0, 1 or many times (serde_html_form; a plain `axum::Form` reads one ticked box
/// as a string and refuses it). What cannot be read is a 400 in Chinese, never a parser's
/// message.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest("提交的内容过大或不完整，请返回重试。".into()))?;
        serde_html_form::from_bytes(&bytes).map(Form).map_err(|e| {
            tracing::info!(error = %e, "form not understood");
            AppError::BadRequest(NOT_UNDERSTOOD.into())
        })
    }
}

/// A query string, read like a form (see `Form`).
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        serde_html_form::from_str(parts.uri.query().unwrap_or(""))
            .map(Query)
            .map_err(|e| {
                tracing::info!(error = %e, "query not understood");
                AppError::BadRequest(NOT_UNDERSTOOD.into())
            })
    }
}

pub use crate::domain::text::FieldErrors;

/// A numeric id from the URL; anything else is a clear "not found".
pub struct Id(pub i64);

fn positive_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or(AppError::NotFound)
}

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw): Path<String> = Path::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        positive_id(&raw).map(Id)
    }
}

/// A record's id and a number within it (a part's id, a photo's place from 0) from the URL,
/// else "not found".
pub struct IdPair(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for IdPair {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path((a, b)): Path<(String, String)> = Path::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        let within = b.parse::<i64>().ok().filter(|v| *v >= 0);
        Ok(IdPair(positive_id(&a)?, within.ok_or(AppError::NotFound)?))
    }
}

/// A name from the URL (a file, a token); one that cannot be read is "not found".
pub struct PathText(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathText {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw): Path<String> = Path::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        Ok(PathText(raw))
    }
}

/// An `<option>` for selects.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub fn choices<'a>(
    items: impl IntoIterator<Item = (&'a str, &'a str)>,
    selected: &str,
) -> Vec<Choice> {
    items
        .into_iter()
        .map(|(v, l)| Choice {
            value: v.to_string(),
            label: l.to_string(),
            selected: v == selected,
        })
        .collect()
}

/// Records a select offers by id and name (members, categories).
pub fn id_choices(items: &[(i64, String)], selected: &str) -> Vec<Choice> {
    items
        .iter()
        .map(|(id, name)| Choice {
            value: id.to_string(),
            label: name.clone(),
            selected: selected == id.to_string(),
        })
        .collect()
}

/// The organizations a form offers (where to post, publish or offer a prize).
pub fn org_choices(orgs: &[crate::store::orgs::Org], selected: &str) -> Vec<Choice> {
    orgs.iter()
        .map(|o| Choice {
            value: o.id.to_string(),
            label: o.name.clone(),
            selected: selected == o.id.to_string(),
        })
        .collect()
}

pub fn render(t: &impl Template) -> Result<Response, AppError> {
    Ok(Html(t.render()?).into_response())
}

/// Re-renders a form with its messages: 422, values kept.
pub fn render_invalid(t: &impl Template) -> Result<Response, AppError> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
}

/// A search box's `?q=`.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SearchQuery {
    q: String,
}

impl SearchQuery {
    /// What was typed, trimmed, at most as long as a search box takes.
    pub fn text(&self) -> String {
        crate::domain::text::search(&self.q)
    }
}

/// A form whose fields repeat (checkboxes) or come in numbered rows.
#[derive(Debug, Default)]
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// The first value sent under `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    /// Every value sent under `name`, in order (rows of a form).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    /// Every value sent under `name`, parsed as ids (others are left out).
    pub fn ids(&self, name: &str) -> Vec<i64> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .filter_map(|(_, v)| v.trim().parse().ok())
            .collect()
    }
}

/// The review buttons' form: `decision` is approve or return, with a reason to return.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ReviewForm {
    pub decision: String,
    pub reason: String,
}

/// A page that says what was done, with a secret to hand over once (a first password).
#[derive(Template)]
#[template(path = "notice.html")]
pub struct NoticePage {
    pub page: super::context::Page,
    pub message: String,
    pub secret: String,
    pub link: String,
    pub link_label: String,
}
