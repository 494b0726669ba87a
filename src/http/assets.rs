//! Assets compiled into the binary, the web app manifest, and the health check.
use super::AppState;
use crate::error::AppError;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/app.js"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_bytes!("../../static/icon.svg"),
    ),
    (
        "icon-192.png",
        "image/png",
        include_bytes!("../../static/icon-192.png"),
    ),
    (
        "icon-512.png",
        "image/png",
        include_bytes!("../../static/icon-512.png"),
    ),
];

/// An asset's name with its content's hash (`app.3f2a9c41d0.css`): pages link to it, and a
/// browser may keep it a year, since a changed file gets a new name.
fn versioned(name: &str, body: &[u8]) -> String {
    let hash = &crate::crypto::sha256_hex(body)[..10];
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{name}.{hash}"),
    }
}

fn versioned_names() -> &'static [String] {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| FILES.iter().map(|(n, _, b)| versioned(n, b)).collect())
}

/// The address a page links an asset by (its versioned name).
pub fn url(name: &str) -> String {
    match FILES.iter().position(|(n, _, _)| *n == name) {
        Some(i) => format!("/static/{}", versioned_names()[i]),
        None => format!("/static/{name}"),
    }
}

/// An asset by its versioned name (kept for a year) or its plain name (for an hour: the web
/// app manifest's icons, a page cached before a new release).
pub async fn file(crate::http::form::PathText(name): crate::http::form::PathText) -> Response {
    let versioned = versioned_names().iter().position(|n| *n == name);
    let plain = FILES.iter().position(|(n, _, _)| *n == name);
    let (i, cache) = match (versioned, plain) {
        (Some(i), _) => (i, "public, max-age=31536000, immutable"),
        (None, Some(i)) => (i, "public, max-age=3600"),
        (None, None) => return AppError::NotFound.into_response(),
    };
    let (_, mime, body) = FILES[i];
    (
        [(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, cache)],
        body,
    )
        .into_response()
}

pub async fn manifest() -> Response {
    (
        [(header::CONTENT_TYPE, "application/manifest+json")],
        include_str!("../../static/manifest.webmanifest"),
    )
        .into_response()
}

pub async fn service_worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../static/sw.js"),
    )
        .into_response()
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    if state.db.ping().await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}
