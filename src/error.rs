//! The one error type, for handlers, the store, start-up, the demo and the command line.
//! A handler's error renders as an error page; the command line prints it.
use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Debug)]
pub enum AppError {
    /// Missing, or outside the user's scope: the two look the same.
    NotFound,
    /// The route is not for the user's role.
    Forbidden,
    /// Not signed in, or the session ended.
    SignIn,
    /// A state-changing request without the form's token.
    Csrf,
    BadRequest(String),
    /// A request body larger than any form of the platform.
    TooLarge,
    Conflict(String),
    /// No database connection (or write turn) came free in time: the request is answered
    /// at once instead of queueing without end.
    Busy,
    /// One account or address tried too often (`domain::rate`): what to read, and the
    /// seconds to wait.
    TooOften(String, i64),
    /// What the operator must fix before the platform runs (configuration, the database
    /// address, the key file, a command-line value); the message is for them.
    Setup(String),
    /// A fault inside. The source is kept for the log and never shown to a user.
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

/// An inner fault with what was being done when it happened.
#[derive(Debug)]
struct Context {
    doing: String,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl std::fmt::Display for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.doing, self.source)
    }
}

impl std::error::Error for Context {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.source.as_ref())
    }
}

impl AppError {
    /// A fault inside, from any error (or a message).
    pub fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        AppError::Internal(e.into())
    }

    /// A fault inside, saying what was being done.
    pub fn internal_in(
        doing: impl Into<String>,
        e: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        AppError::Internal(Box::new(Context {
            doing: doing.into(),
            source: e.into(),
        }))
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => AppError::NotFound,
            sqlx::Error::PoolTimedOut => AppError::Busy,
            other => AppError::internal(other),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::internal_in("rendering a template", e)
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        AppError::internal(e)
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        AppError::internal_in("a background task", e)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
}

impl AppError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "未找到",
                "您要访问的内容不存在，或不在您的管理范围内。".into(),
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "无权访问",
                "您的账号没有使用此功能的权限。".into(),
            ),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                "页面已过期",
                "页面已过期或来源不明，请返回刷新页面后重试。".into(),
            ),
            AppError::SignIn => (StatusCode::UNAUTHORIZED, "请先登录", "请先登录。".into()),
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, "请求有误", m.clone()),
            AppError::Conflict(m) => (StatusCode::CONFLICT, "操作未完成", m.clone()),
            AppError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "请求有误",
                "提交的内容过大，请删减后重试。".into(),
            ),
            AppError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "系统繁忙",
                "系统繁忙，请稍后再试。".into(),
            ),
            AppError::TooOften(m, _) => (StatusCode::TOO_MANY_REQUESTS, "操作太频繁", m.clone()),
            AppError::Setup(_) | AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "系统繁忙",
                "系统出了点问题，请稍后再试。".into(),
            ),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            AppError::Internal(detail) => tracing::error!(%detail, "internal error"),
            AppError::Setup(detail) => tracing::error!(%detail, "set-up error"),
            // The request's span names the route that waited.
            AppError::Busy => tracing::warn!("busy: no database connection came free in time"),
            _ => {}
        }
        if matches!(self, AppError::SignIn) {
            return Redirect::to("/login").into_response();
        }
        let (status, title, message) = self.parts();
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            message: &message,
        };
        let mut res = match page.render() {
            Ok(html) => (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html,
            )
                .into_response(),
            Err(_) => (status, message).into_response(),
        };
        let wait = match self {
            AppError::Busy => Some(2),
            AppError::TooOften(_, wait) => Some(wait),
            _ => None,
        };
        if let Some(wait) = wait {
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
        }
        res
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Internal(e) => {
                write!(f, "{e}")?;
                let mut source = e.source();
                while let Some(cause) = source {
                    write!(f, ": {cause}")?;
                    source = cause.source();
                }
                Ok(())
            }
            AppError::Setup(message) => write!(f, "{message}"),
            other => write!(f, "{}", other.parts().2),
        }
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AppError::Internal(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}
