//! 名册导入导出 in the console: templates to fill, an uploaded file checked and previewed
//! before anything is written, the import confirmed and followed as it runs; the tree and the
//! register exported; a branch's login letters printed.
use super::access::{Admin, Found};
use super::context::{Page, flash_redirect};
use super::form::{Id, render, render_invalid};
use super::stored::{bytes_response, read_upload};
use super::{AppState, Ctx};
use crate::domain::org::OrgType;
use crate::domain::policy::Role;
use crate::domain::roster::{MEMBER_COLUMNS, MEMBER_EXAMPLES, ORG_COLUMNS, ORG_EXAMPLES};
use crate::error::{AppError, AppResult};
use crate::http::form::Query;
use crate::roster::{Importer, Kind, Status};
use crate::store::roster::{self, Approval};
use crate::store::{notifications, users};
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

/// Rows of changes (or problems) a page lists; the counts cover all of them.
const PREVIEW_ROWS: usize = 200;
pub(super) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Template)]
#[template(path = "roster.html")]
struct RosterPage {
    page: Page,
    kinds: [Kind; 2],
    /// The kind of file whose problems are shown, and the problems.
    failed: Option<Kind>,
    problems: Vec<String>,
    may_export_full: bool,
    /// Full exports: one's own requests, and others' this administrator may decide.
    mine: Vec<Approval>,
    to_decide: Vec<Approval>,
    now: i64,
}

impl RosterPage {
    fn failed_at(&self, kind: &Kind) -> bool {
        self.failed == Some(*kind)
    }

    fn state_of(&self, a: &Approval) -> crate::domain::approval::State {
        a.state(self.now)
    }
}

fn roster_page(ctx: &Ctx, actor: &crate::domain::policy::Actor) -> RosterPage {
    RosterPage {
        page: ctx.page("名册导入导出"),
        kinds: [Kind::Orgs, Kind::Members],
        failed: None,
        problems: Vec::new(),
        may_export_full: actor.may_export_pii(),
        mine: Vec::new(),
        to_decide: Vec::new(),
        now: crate::domain::clock::now_epoch(),
    }
}

pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
) -> AppResult<Response> {
    let mut page = roster_page(&ctx, &actor);
    if page.may_export_full {
        let (mine, waiting) = roster::approvals(&state.db, actor.user_id).await?;
        page.mine = mine;
        page.to_decide = (waiting.into_iter())
            .filter(|a| actor.may_approve_export(&a.roots()))
            .collect();
    }
    render(&page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ApprovalRequest {
    reason: String,
}

/// An administrator with 敏感信息查看 asks to export the register of their subtrees in full.
pub async fn request_full_export(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    crate::http::form::Form(form): crate::http::form::Form<ApprovalRequest>,
) -> AppResult<Response> {
    if !actor.may_export_pii() {
        return Err(AppError::NotFound);
    }
    let reason = crate::domain::text::required(&form.reason, 200)
        .map_err(|_| AppError::BadRequest("请写明导出完整名册的用途（200字以内）".into()))?;
    let roots = export_roots(&state, &actor, "").await?;
    let name = ctx.principal()?.name.clone();
    let now = crate::domain::clock::now_epoch();
    let mut tx = state.db.begin().await?;
    let id =
        roster::request_approval(tx.conn(), (actor.user_id, &name), &roots, &reason, now).await?;
    ctx.audit(&mut tx, "申请导出完整名册", &format!("申请 {id}"), &reason)
        .await?;
    let grants = users::grants_of_role(tx.conn(), Role::PiiViewer).await?;
    let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
    let title = format!("{name}申请导出完整名册，待您审批");
    for approver in crate::domain::approval::approvers(&grants, &roots, actor.user_id) {
        let key = format!("export-approval:{id}");
        notifications::notify(tx.conn(), approver, &key, &title, "/roster#export", now).await?;
    }
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/roster#export",
        "已提交申请，须另一名有敏感信息查看权限的管理员批准",
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Decision {
    decision: String,
}

/// Another administrator who may see the same numbers approves or refuses.
pub async fn decide_full_export(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<Decision>,
) -> AppResult<Response> {
    let request = roster::approval(&state.db, id)
        .await
        .found_if(|a| actor.may_approve_export(&a.roots()))?;
    if request.requested_by == actor.user_id {
        return Err(AppError::Conflict(
            "不能批准自己的申请，须由另一名管理员批准".into(),
        ));
    }
    let approve = form.decision == "approve";
    let name = ctx.principal()?.name.clone();
    let now = crate::domain::clock::now_epoch();
    let mut tx = state.db.begin().await?;
    if !roster::decide_approval(tx.conn(), id, (actor.user_id, &name), approve, now).await? {
        return Err(AppError::Conflict("这项申请已有人处理".into()));
    }
    let action = if approve {
        "批准导出完整名册"
    } else {
        "拒绝导出完整名册"
    };
    let target = format!("申请 {id}（{}）", request.requester_name);
    ctx.audit(&mut tx, action, &target, &request.reason).await?;
    let told = if approve {
        format!("{name}已批准您导出完整名册的申请，一天内可下载一次")
    } else {
        format!("{name}未批准您导出完整名册的申请")
    };
    let key = format!("export-decided:{id}");
    notifications::notify(
        tx.conn(),
        request.requested_by,
        &key,
        &told,
        "/roster#export",
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/roster#export",
        if approve { "已批准" } else { "已拒绝" },
    ))
}

/// The template to fill: the columns (required ones marked *) and example rows.
pub async fn template(
    crate::http::form::PathText(file): crate::http::form::PathText,
) -> AppResult<Response> {
    let (name, columns, examples) = match file.as_str() {
        "orgs.xlsx" => ("组织架构导入模板.xlsx", ORG_COLUMNS, ORG_EXAMPLES),
        "members.xlsx" => ("党员名册导入模板.xlsx", MEMBER_COLUMNS, MEMBER_EXAMPLES),
        _ => return Err(AppError::NotFound),
    };
    let mut rows: Vec<Vec<&str>> = vec![columns.to_vec()];
    rows.extend(examples.iter().map(|r| r.to_vec()));
    let book = crate::spreadsheet::write_sheet("导入", &rows).map_err(AppError::internal)?;
    Ok(bytes_response(book, XLSX, Some(name)))
}

#[derive(Template)]
#[template(path = "roster_preview.html")]
struct PreviewPage {
    page: Page,
    token: String,
    kind: Kind,
    file_name: String,
    tally: crate::domain::roster::Tally,
    changes: Vec<(u32, &'static str, String, String)>,
    more: usize,
}

/// Checks an uploaded file and shows what it would change; nothing is written yet.
pub async fn check(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let max = crate::spreadsheet::MAX_FILE_BYTES;
    let too_big = format!("文件不能超过{}MB", max / 1024 / 1024);
    let upload = read_upload(multipart, &too_big).await?;
    let kind = Kind::from_code(upload.field("kind")).ok_or(AppError::NotFound)?;
    let (file_name, bytes) = match upload
        .files
        .iter()
        .find(|(n, _, b)| n == "file" && !b.is_empty())
    {
        Some((_, name, bytes)) => (name.clone(), bytes.clone()),
        None => return refuse(&ctx, &actor, kind, vec!["请选择要导入的表格文件".into()]),
    };
    if bytes.len() > max {
        return refuse(&ctx, &actor, kind, vec![too_big]);
    }
    let plan = match crate::roster::check(&state.db, &state.keys, kind, bytes, Some(&actor)).await?
    {
        Ok(plan) => plan,
        Err(problems) => {
            let said = problems.iter().map(|p| p.to_string()).collect();
            return refuse(&ctx, &actor, kind, said);
        }
    };
    let changes = plan.changes();
    let more = changes.len().saturating_sub(PREVIEW_ROWS);
    let page = PreviewPage {
        page: ctx.page(format!("{}导入预览", kind.label())),
        kind,
        tally: plan.tally(),
        changes: changes.into_iter().take(PREVIEW_ROWS).collect(),
        more,
        token: state.imports.hold(actor.user_id, &file_name, plan),
        file_name,
    };
    render(&page)
}

/// The roster page again with the file's problems at its form (the first few hundred of
/// them): nothing was imported.
fn refuse(
    ctx: &Ctx,
    actor: &crate::domain::policy::Actor,
    kind: Kind,
    mut problems: Vec<String>,
) -> AppResult<Response> {
    if problems.len() > PREVIEW_ROWS {
        let more = problems.len() - PREVIEW_ROWS;
        problems.truncate(PREVIEW_ROWS);
        problems.push(format!("……另有{more}处问题未列出，请先改正以上各处"));
    }
    render_invalid(&RosterPage {
        failed: Some(kind),
        problems,
        ..roster_page(ctx, actor)
    })
}

/// Confirms a previewed import: it runs in the background and its page follows it.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    crate::http::form::PathText(token): crate::http::form::PathText,
) -> AppResult<Response> {
    let at = format!("/roster/imports/{token}");
    let Some(plan) = state.imports.start(&token, actor.user_id) else {
        // Already confirmed (a double click), or gone: its page says which.
        return Ok(flash_redirect(&state, &at, "该导入已确认，无需重复提交"));
    };
    let who = Importer {
        actor: ctx.audit_actor(),
        user_id: actor.user_id,
    };
    let started = flash_redirect(&state, &at, "已开始导入");
    tokio::spawn(async move {
        let imports = state.imports.clone();
        let progress = |done, total| imports.set(&token, Status::Running { done, total });
        let status =
            match crate::roster::apply(&state.db, &state.keys, &plan, &who, &progress).await {
                Ok(tally) => Status::Done(tally),
                Err(e) => {
                    tracing::error!(error = %e, "roster import failed");
                    Status::Failed("导入失败，未写入任何数据，请稍后重试或联系系统管理员".into())
                }
            };
        if let Status::Done(_) = status {
            super::dashboard::tree_changed(&state);
            if let crate::roster::Plan::Members(plan) = plan.as_ref() {
                for p in plan {
                    if let crate::domain::roster::MemberChange::Update {
                        id,
                        moved_from: Some(_),
                    } = p.change
                        && let Err(e) = state.rankings.moved(&state.db, id).await
                    {
                        tracing::warn!(error = %e, id, "ranking boards not moved");
                    }
                }
            }
        }
        state.imports.set(&token, status);
    });
    Ok(started)
}

#[derive(Template)]
#[template(path = "roster_import.html")]
struct ImportPage {
    page: Page,
    kind: Kind,
    file_name: String,
    status: Status,
    token: String,
}

pub async fn progress(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    crate::http::form::PathText(token): crate::http::form::PathText,
) -> AppResult<Response> {
    let (plan, file_name, status) = state
        .imports
        .get(&token, actor.user_id)
        .ok_or(AppError::NotFound)?;
    let mut page = ctx.page(format!("导入{}", plan.kind().label()));
    if let Status::Running { .. } = status {
        page.refresh_seconds = 1;
    }
    render(&ImportPage {
        page,
        kind: plan.kind(),
        file_name,
        status,
        token,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExportQuery {
    /// "1": full ID and phone numbers, for those allowed to see them (audited).
    full: String,
    /// One organization's subtree (its id); empty: every subtree the administrator manages.
    org: String,
    /// With `full`: the approved request the download spends.
    approval: String,
}

/// The subtree roots an export covers: one organization the administrator manages, or all.
async fn export_roots(
    state: &AppState,
    actor: &crate::domain::policy::Actor,
    org: &str,
) -> AppResult<Vec<String>> {
    if org.is_empty() {
        return Ok(actor.admin_roots().iter().map(|r| r.to_string()).collect());
    }
    let id = org.parse().map_err(|_| AppError::NotFound)?;
    let org = crate::store::orgs::get(&state.db, id)
        .await
        .found_if(|o| actor.administers(&o.path))?;
    Ok(vec![org.path])
}

/// The register of a subtree (or of every subtree the administrator manages), in the import
/// template's columns, so that a corrected export imports back.
pub async fn export_members(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    // Full numbers: only on an approval by a second administrator, for what it covers.
    let want_full = q.full == "1" && actor.may_export_pii();
    let roots = if want_full {
        let approval = q.approval.parse().unwrap_or(0);
        let now = crate::domain::clock::now_epoch();
        let mut tx = state.db.begin().await?;
        if !roster::use_approval(tx.conn(), approval, actor.user_id, now).await? {
            return Err(AppError::Conflict(
                "导出完整名册须经另一名有敏感信息查看权限的管理员批准，批准后一日内可下载一次"
                    .into(),
            ));
        }
        tx.commit().await?;
        let request = roster::approval(&state.db, approval).await?;
        request.roots().into_iter().map(String::from).collect()
    } else {
        export_roots(&state, &actor, &q.org).await?
    };
    let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
    let everyone = crate::store::members::ListFilter::default();
    let (members, _) =
        crate::store::members::list(&state.db, &roots, &everyone, 0, i64::MAX).await?;
    let mut revealed = 0;
    let mut rows: Vec<Vec<String>> = vec![MEMBER_COLUMNS.iter().map(|c| c.to_string()).collect()];
    for m in &members {
        let full = want_full && actor.may_reveal_pii(m.id, &m.branch_path);
        revealed += usize::from(full);
        let (id_number, phone) = if full {
            let id = state.keys.decrypt(&m.id_number_enc).unwrap_or_default();
            let phone = m.phone_enc.as_deref().and_then(|p| state.keys.decrypt(p));
            (id, phone.unwrap_or_default())
        } else {
            (m.id_number_mask.clone(), m.phone_mask.clone())
        };
        rows.push(vec![
            m.name.clone(),
            m.gender_label().into(),
            m.ethnicity.clone(),
            id_number,
            phone,
            m.education_label().into(),
            m.joined_on.clone(),
            m.full_member_on.clone().unwrap_or_default(),
            m.status_label().into(),
            m.category_label().into(),
            m.branch_code
                .clone()
                .unwrap_or_else(|| m.branch_name.clone()),
            m.party_group_name.clone().unwrap_or_default(),
            m.posts_label(),
            if m.veteran != 0 { "是" } else { "" }.to_string(),
            // 党费 stays on the dues pages: an income is not in the register's export.
            String::new(),
            String::new(),
        ]);
    }
    if revealed > 0 {
        let mut tx = state.db.begin().await?;
        let detail = format!("含完整身份证号、手机号{revealed}人");
        ctx.audit(&mut tx, "导出党员名册", "党员名册", &detail)
            .await?;
        tx.commit().await?;
    }
    let cells: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let book = crate::spreadsheet::write_sheet("党员名册", &cells).map_err(AppError::internal)?;
    Ok(bytes_response(book, XLSX, Some("党员名册.xlsx")))
}

/// The organization tree of a subtree (or of the administrator's subtrees), in the import
/// template's columns.
pub async fn export_orgs(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    let mut rows: Vec<Vec<String>> = vec![ORG_COLUMNS.iter().map(|c| c.to_string()).collect()];
    for root in export_roots(&state, &actor, &q.org).await? {
        for o in crate::store::roster::export_orgs(&state.db, &root).await? {
            rows.push(vec![
                o.name,
                o.code.unwrap_or_default(),
                OrgType::from_code(&o.kind)
                    .map(OrgType::label)
                    .unwrap_or("")
                    .into(),
                crate::domain::org::OrgCategory::from_code(&o.category)
                    .map(|c| c.label())
                    .unwrap_or("")
                    .into(),
                o.parent.unwrap_or_default(),
                o.address,
                o.sort_order.to_string(),
            ]);
        }
    }
    let cells: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let book = crate::spreadsheet::write_sheet("组织架构", &cells).map_err(AppError::internal)?;
    Ok(bytes_response(book, XLSX, Some("组织架构.xlsx")))
}

/// A branch's login letters (登录通知书) as a PDF: one for each member whose account still
/// waits for its first sign-in, with the one-time code. Printing them is audited.
pub async fn letters(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    headers: HeaderMap,
) -> AppResult<Response> {
    let branch = crate::store::orgs::get(&state.db, id)
        .await
        .found_if(|o| o.kind().is_branch() && actor.may_manage_member(&o.path))?;
    let letters: Vec<crate::pdf::Letter> =
        crate::store::roster::letters(&state.db, &state.keys, id)
            .await?
            .into_iter()
            .filter_map(|(name, masked_phone, code)| {
                Some(crate::pdf::Letter {
                    name,
                    masked_phone,
                    code: code?,
                })
            })
            .collect();
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("本平台网址");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    let site = format!("{scheme}://{host}");
    let (name, count) = (branch.name.clone(), letters.len());
    let pdf = tokio::task::spawn_blocking(move || crate::pdf::letters(&name, &site, &letters))
        .await?
        .map_err(AppError::internal)?;
    let mut tx = state.db.begin().await?;
    let target = format!("组织 {id} {}", branch.name);
    ctx.audit(&mut tx, "打印登录通知书", &target, &format!("{count}份"))
        .await?;
    tx.commit().await?;
    let file = format!("{}登录通知书.pdf", branch.name);
    Ok(bytes_response(pdf, "application/pdf", Some(&file)))
}
