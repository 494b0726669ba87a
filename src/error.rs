//! The one error type. Handlers return it; it renders as a page (or JSON when asked).
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
    Conflict(String),
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => AppError::NotFound,
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
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
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "系统繁忙",
                "系统出了点问题，请稍后再试。".into(),
            ),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
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
        match page.render() {
            Ok(html) => (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html,
            )
                .into_response(),
            Err(_) => (status, message).into_response(),
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Internal(d) => write!(f, "internal error: {d}"),
            other => write!(f, "{}", other.parts().2),
        }
    }
}
