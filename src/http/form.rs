//! Form helpers: field errors, ids from URLs, option lists and rendering.
use crate::error::AppError;
use askama::Template;
use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use std::collections::BTreeMap;

/// Messages keyed by field name, shown beside the field.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(BTreeMap<&'static str, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }
    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map(String::as_str).unwrap_or("")
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Keeps the value when valid; records the message and returns a default when not.
    pub fn check<T: Default, E: Into<String>>(
        &mut self,
        field: &'static str,
        r: Result<T, E>,
    ) -> T {
        match r {
            Ok(v) => v,
            Err(e) => {
                self.add(field, e);
                T::default()
            }
        }
    }
}

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
    /// What was typed, trimmed to at most `max_chars` characters.
    pub fn text(&self, max_chars: usize) -> String {
        self.q.trim().chars().take(max_chars).collect()
    }
}

/// The review buttons' form: `decision` is approve or return.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ReviewForm {
    decision: String,
    reason: String,
}

/// A reviewer's decision on a submission: publish it, or return it with a reason.
pub struct Review {
    pub approve: bool,
    pub reason: String,
}

impl Review {
    /// `Ok(None)` when returning without a reason (the page asks for one).
    pub fn parse(form: &ReviewForm) -> Result<Option<Self>, AppError> {
        let (decision, reason) = (form.decision.as_str(), form.reason.as_str());
        let approve = match decision {
            "approve" => true,
            "return" => false,
            _ => return Err(AppError::BadRequest("请选择通过或退回".into())),
        };
        let reason: String = reason.trim().chars().take(200).collect();
        if !approve && reason.is_empty() {
            return Ok(None);
        }
        Ok(Some(Self { approve, reason }))
    }

    pub fn status(&self) -> &'static str {
        if self.approve { "approved" } else { "returned" }
    }

    /// Records the decision on a pending submission in `table` (posts, history entries);
    /// `false` when it was no longer pending (someone decided first): nothing changes.
    pub async fn record(
        &self,
        conn: &mut sqlx::AnyConnection,
        table: &'static str,
        id: i64,
        reviewer: i64,
        now: i64,
    ) -> Result<bool, AppError> {
        let done = sqlx::query(&format!(
            "UPDATE {table} SET status = $1, return_reason = $2, reviewed_by = $3, reviewed_at = $4 WHERE id = $5 AND status = 'pending'"
        ))
        .bind(self.status())
        .bind(&self.reason)
        .bind(reviewer)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
