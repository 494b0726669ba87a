//! Form helpers: field errors, ids from URLs, option lists and rendering.
use crate::error::AppError;
use askama::Template;
use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};

pub use crate::domain::text::FieldErrors;

/// A numeric id from the URL; anything else is a clear "not found".
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw): Path<String> = Path::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        raw.parse::<i64>()
            .ok()
            .filter(|v| *v > 0)
            .map(Id)
            .ok_or(AppError::NotFound)
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
