//! A meeting's photos (checked, re-encoded without location, capture time kept) and
//! materials (PDF, Word, Excel), and serving them to whoever may see the meeting.
use super::super::access::Admin;
use super::super::context::flash_redirect;
use super::super::form::Id;
use super::super::{AppState, Ctx, stored};
use crate::domain::clock::now_epoch;
use crate::domain::meetings::FileKind;
use crate::domain::upload;
use crate::error::{AppError, AppResult};
use crate::store::meetings::{self, FileRow};
use axum::extract::State;
use axum::response::Response;

/// One photo (field `photo`) or material (field `material`) per request.
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    mut multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let m = super::administered_meeting(&state, &actor, id).await?;
    let too_big = || AppError::BadRequest("文件过大：照片不能超过10MB，材料不能超过20MB".into());
    // The form's token comes first; then the one file.
    let (field, is_photo) = loop {
        let field = multipart
            .next_field()
            .await
            .map_err(|_| too_big())?
            .ok_or_else(|| AppError::BadRequest("请选择要上传的文件".into()))?;
        match field.name() {
            Some("photo") => break (field, true),
            Some("material") => break (field, false),
            _ => continue,
        }
    };
    let name = upload::clean_name(field.file_name().unwrap_or(""));
    let bytes = field.bytes().await.map_err(|_| too_big())?.to_vec();
    if bytes.is_empty() {
        return Err(AppError::BadRequest("请选择要上传的文件".into()));
    }
    // Photos are checked and stored by the one photo path; materials here.
    if !is_photo && bytes.len() > upload::MATERIAL_MAX_BYTES {
        return Err(AppError::BadRequest("材料不能超过20MB".into()));
    }
    let kind = upload::sniff(&bytes, &name);
    let (key, thumb_key, mime, size, captured_at, sha, print) = if is_photo {
        let photo = stored::save_photo(&state, &format!("meetings/{id}"), bytes).await?;
        (
            photo.key,
            Some(photo.thumb_key),
            "image/jpeg".to_string(),
            photo.size,
            photo.captured_at,
            photo.sha256,
            Some(photo.print),
        )
    } else {
        let Some(kind) = kind.filter(|k| !k.is_image()) else {
            return Err(AppError::BadRequest(
                "材料只能是 PDF、Word 或 Excel 文件".into(),
            ));
        };
        let token = crate::crypto::random_token();
        let key = format!("meetings/{id}/{}.bin", &token[..20]);
        let (size, sha) = (bytes.len() as i64, crate::crypto::sha256_hex(&bytes));
        state.files.put(&key, bytes).await?;
        (key, None, kind.mime().to_string(), size, None, sha, None)
    };
    // The file is on disk; now the row. If this fails, remove the file: no orphan either way.
    let stored = async {
        let mut tx = state.db.begin().await?;
        let file = meetings::NewFile {
            meeting_id: id,
            kind: if is_photo {
                FileKind::Photo
            } else {
                FileKind::Material
            },
            storage_key: &key,
            thumb_key: thumb_key.as_deref(),
            original_name: &name,
            mime: &mime,
            size,
            captured_at,
            sha256: &sha,
            uploaded_by: actor.user_id,
            print: print.as_ref(),
        };
        meetings::add_file(tx.conn(), &file, now_epoch()).await?;
        let action = match (is_photo, m.is_closed()) {
            (true, false) => "上传会议照片",
            (false, false) => "上传会议材料",
            (true, true) => "更正：补充会议照片",
            (false, true) => "更正：补充会议材料",
        };
        ctx.audit(&mut tx, action, &m.audit_target(), &name).await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = stored {
        state.files.delete(&key).await;
        if let Some(t) = &thumb_key {
            state.files.delete(t).await;
        }
        return Err(e);
    }
    super::super::dashboard::records_changed(&state, m.org_id).await;
    Ok(flash_redirect(
        &state,
        &format!("/meetings/{id}"),
        if is_photo {
            "照片已上传"
        } else {
            "材料已上传"
        },
    ))
}

/// A meeting's file, for whoever may see the meeting; else 404.
async fn visible_file(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<FileRow> {
    let f = meetings::file(&state.db, id).await?;
    super::visible_meeting(state, ctx.actor()?, f.meeting_id).await?;
    Ok(f)
}

pub async fn file(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let f = visible_file(&state, &ctx, id).await?;
    let download = (f.kind == FileKind::Material).then_some(f.original_name.as_str());
    stored::send_file(&state, &f.storage_key, &f.mime, download).await
}

pub async fn thumb(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let f = visible_file(&state, &ctx, id).await?;
    let key = f.thumb_key.as_deref().ok_or(AppError::NotFound)?;
    stored::send_file(&state, key, "image/jpeg", None).await
}
