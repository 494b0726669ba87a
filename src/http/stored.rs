//! Files in storage as responses, and uploaded photos into storage.
use super::form::Id;
use super::{AppState, Ctx};
use crate::error::{AppError, AppResult};
use crate::files::SavedPhoto;
use crate::store::photos::{self, ContentPhoto};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A stored file; with a name, as a download.
pub async fn send_file(
    state: &AppState,
    key: &str,
    mime: &str,
    download_name: Option<&str>,
) -> AppResult<Response> {
    let bytes = state.files.get(key).await.map_err(|_| AppError::NotFound)?;
    Ok(bytes_response(bytes, mime, download_name))
}

/// Bytes as a response; with a name, as a download the browser saves under that name.
pub fn bytes_response(bytes: Vec<u8>, mime: &str, download_name: Option<&str>) -> Response {
    let mut res = (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        bytes,
    )
        .into_response();
    if let Some(name) = download_name {
        let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
        if let Ok(v) = format!(
            "attachment; filename*=UTF-8''{}",
            encoded.replace('+', "%20")
        )
        .parse()
        {
            res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
    }
    res
}

/// A table (a heading row, then the rows) as a spreadsheet download, saved as `file_name`.
pub fn xlsx_response(
    sheet: &str,
    title: &str,
    rows: &[Vec<String>],
    file_name: &str,
) -> AppResult<Response> {
    let cells: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let book = crate::spreadsheet::write_table(sheet, title, &cells).map_err(AppError::internal)?;
    Ok(bytes_response(book, super::roster::XLSX, Some(file_name)))
}

/// A multipart form read whole: its text fields and its files (field, file name, bytes).
#[derive(Default)]
pub struct Upload {
    pub fields: std::collections::HashMap<String, String>,
    pub files: Vec<(String, String, Vec<u8>)>,
}

impl Upload {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }
    /// The non-empty files sent in `name` (a browser sends an empty part for "no file").
    pub fn files(&self, name: &str) -> Vec<&[u8]> {
        self.files
            .iter()
            .filter(|(n, _, b)| n == name && !b.is_empty())
            .map(|(_, _, b)| b.as_slice())
            .collect()
    }
}

/// Reads a whole multipart form; a body over the route's limit is a clear 400.
pub async fn read_upload(
    mut multipart: axum::extract::Multipart,
    too_big: &str,
) -> AppResult<Upload> {
    let fail = || AppError::BadRequest(too_big.to_string());
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(|_| fail())? {
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(crate::domain::upload::clean_name) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(|_| fail())?.to_vec();
                upload.files.push((name, file_name, bytes));
            }
            None => {
                let text = field.text().await.map_err(|_| fail())?;
                upload.fields.insert(name, text);
            }
        }
    }
    Ok(upload)
}

/// Checks the limits every photo upload shares, before anything is stored.
pub fn check_photo(bytes: &[u8]) -> Result<(), String> {
    use crate::domain::upload::{self, Kind};
    if bytes.len() > upload::PHOTO_MAX_BYTES {
        return Err("照片不能超过10MB，请压缩后再上传".into());
    }
    if !upload::sniff(bytes, "").is_some_and(Kind::is_image) {
        return Err("只能上传 JPEG、PNG 或 WebP 格式的照片".into());
    }
    Ok(())
}

/// Checks a form's photos: at most `max`, each within the shared limits; the message names
/// the photo at fault.
pub fn check_photos(pictures: &[&[u8]], max: usize) -> Result<(), String> {
    if pictures.len() > max {
        return Err(format!("最多上传{max}张照片"));
    }
    match pictures
        .iter()
        .enumerate()
        .find_map(|(i, p)| check_photo(p).err().map(|e| (i, e)))
    {
        Some((i, e)) => Err(format!("第{}张照片：{e}", i + 1)),
        None => Ok(()),
    }
}

/// Decodes, straightens, shrinks and re-encodes a photo, then writes it and its thumbnail
/// durably under `base` (a folder-like prefix) before any row may point at them.
pub async fn save_photo(state: &AppState, base: &str, bytes: Vec<u8>) -> AppResult<SavedPhoto> {
    check_photo(&bytes).map_err(AppError::BadRequest)?;
    let photo = tokio::task::spawn_blocking(move || crate::files::process_photo(&bytes))
        .await?
        .map_err(|e| AppError::BadRequest(e.into()))?;
    let token = crate::crypto::random_token();
    let (key, thumb_key) = (
        format!("{base}/{}.jpg", &token[..20]),
        format!("{base}/{}-thumb.jpg", &token[..20]),
    );
    let (size, sha256) = (
        photo.jpeg.len() as i64,
        crate::crypto::sha256_hex(&photo.jpeg),
    );
    state.files.put(&key, photo.jpeg).await?;
    if let Err(e) = state.files.put(&thumb_key, photo.thumb).await {
        state.files.delete(&key).await;
        return Err(e.into());
    }
    Ok(SavedPhoto {
        key,
        thumb_key,
        size,
        sha256,
        captured_at: photo.captured_at,
        print: photo.print,
    })
}

/// Removes photos whose rows were never written (the write failed after the files).
pub async fn discard(state: &AppState, photos: &[SavedPhoto]) {
    for p in photos {
        state.files.delete(&p.key).await;
        state.files.delete(&p.thumb_key).await;
    }
}

/// The write that points at photos just saved: when it fails, the files go too (no row
/// points at them).
pub async fn kept_if_written<T>(
    state: &AppState,
    saved: &[SavedPhoto],
    written: AppResult<T>,
) -> AppResult<T> {
    if written.is_err() {
        discard(state, saved).await;
    }
    written
}

/// Saves several photos; if one fails, those already written are removed.
pub async fn save_photos(
    state: &AppState,
    base: &str,
    photos: Vec<Vec<u8>>,
) -> AppResult<Vec<SavedPhoto>> {
    let mut saved = Vec::new();
    for bytes in photos {
        match save_photo(state, base, bytes).await {
            Ok(p) => saved.push(p),
            Err(e) => {
                discard(state, &saved).await;
                return Err(e);
            }
        }
    }
    Ok(saved)
}

/// A photo, for whoever may see what it belongs to; else 404.
async fn visible_photo(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<ContentPhoto> {
    let p = photos::get(&state.db, id).await?;
    match p.owner_kind.as_str() {
        photos::ARTICLE => super::articles::visible(state, ctx, p.owner_id).await?,
        photos::POST => super::posts::visible(state, ctx, p.owner_id).await?,
        photos::PRIZE => super::shop::visible(state, ctx, p.owner_id).await?,
        photos::ENTRY => {
            super::arena::contests::entry_visible(state, ctx, p.owner_id).await?;
        }
        photos::PROJECT_UPDATE => {
            super::arena::projects::update_visible(state, ctx, p.owner_id).await?
        }
        photos::VANGUARD => {
            super::arena::showcase::vanguard_visible(state, ctx, p.owner_id).await?
        }
        photos::EXPERIENCE => {
            super::arena::experiences::visible(state, ctx, p.owner_id).await?;
        }
        photos::CARE_VISIT => super::care::visit_visible(state, ctx, p.owner_id).await?,
        _ => return Err(AppError::NotFound),
    }
    Ok(p)
}

pub async fn photo(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let p = visible_photo(&state, &ctx, id).await?;
    send_file(&state, &p.storage_key, "image/jpeg", None).await
}

pub async fn photo_thumb(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> AppResult<Response> {
    let p = visible_photo(&state, &ctx, id).await?;
    send_file(&state, &p.thumb_key, "image/jpeg", None).await
}
