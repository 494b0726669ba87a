//! The member register: list and search, create, edit, transfer, profile, and revealing
//! a masked number (its own permission, audited).
use super::access::Found;
use super::context::{Page, flash_redirect};
use super::form::{Choice, FieldErrors, Id, NoticePage, choices, render, render_invalid};
use super::{AppState, Ctx};
use crate::crypto::one_time_password;
use crate::domain::clock::{format_minute, local_date, now_epoch};
use crate::domain::member::{
    ETHNICITIES, Education, Gender, MemberCategory, MemberEntry, MemberRecord, MemberStatus,
    PersonFields, Post, parse_member, parse_posts,
};
use crate::domain::org::OrgType;
use crate::domain::paging::Paging;
use crate::domain::policy::Actor;
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::http::form::Query;
use crate::store::members::{self, ListFilter, Member, TransferRow};
use crate::store::orgs::{self, Org};
use crate::store::{audit, users};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

const PAGE_SIZE: i64 = 20;
/// The list's status filter for those who left the county's organization.
const LEFT: &str = "left";

/// A member the actor manages, else 404.
async fn managed(state: &AppState, actor: &Actor, id: i64) -> AppResult<Member> {
    members::get(&state.db, id)
        .await
        .found_if(|m| actor.may_manage_member(&m.branch_path))
}

/// A branch the actor administers, for placing members; else 404.
async fn managed_branch(state: &AppState, actor: &Actor, id: i64) -> AppResult<Org> {
    orgs::get(&state.db, id)
        .await
        .found_if(|o| actor.administers(&o.path) && o.kind().is_branch() && !o.is_dissolved())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    branch: String,
    status: String,
    category: String,
    gender: String,
    page: String,
}

#[derive(Template)]
#[template(path = "members_index.html")]
struct IndexPage {
    page: Page,
    q: String,
    branch: Option<Org>,
    statuses: Vec<Choice>,
    categories: Vec<Choice>,
    genders: Vec<Choice>,
    rows: Vec<Member>,
    total: i64,
    page_no: i64,
    pages: i64,
    query_base: String,
}

pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(lq): Query<ListQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let branch = match lq.branch.trim().parse::<i64>() {
        Ok(id) => Some(
            orgs::get(&state.db, id)
                .await
                .found_if(|o| actor.administers(&o.path))?,
        ),
        Err(_) => None,
    };
    // A branch filter narrows the scope to its subtree.
    let roots: Vec<&str> = match &branch {
        Some(b) => vec![b.path.as_str()],
        None => actor.admin_roots(),
    };
    let keep = |v: &str, ok: bool| if ok { v.to_string() } else { String::new() };
    // 已离开 lists those who left the county's organization (转出县外 …) instead.
    let left = lq.status == LEFT;
    let filter = ListFilter {
        q: text::search(&lq.q),
        branch_id: None,
        status: keep(&lq.status, MemberStatus::from_code(&lq.status).is_some()),
        category: keep(
            &lq.category,
            MemberCategory::from_code(&lq.category).is_some(),
        ),
        gender: keep(&lq.gender, Gender::from_code(&lq.gender).is_some()),
        left,
    };
    let mut paging = Paging::parse(&lq.page, PAGE_SIZE);
    let (mut rows, total) =
        members::list(&state.db, &roots, &filter, paging.offset(), PAGE_SIZE).await?;
    // Past the end (an old link after members left): show the last page.
    if let Some(last) = paging.past_end(total) {
        paging = last;
        rows = members::list(&state.db, &roots, &filter, paging.offset(), PAGE_SIZE)
            .await?
            .0;
    }
    let (page_no, pages) = (paging.page, paging.pages(total));
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let query_base = format!(
        "q={}&branch={}&status={}&category={}&gender={}",
        enc(&filter.q),
        branch
            .as_ref()
            .map(|b| b.id.to_string())
            .unwrap_or_default(),
        if left { LEFT } else { &filter.status },
        filter.category,
        filter.gender
    );
    render(&IndexPage {
        page: ctx.page("党员名册"),
        statuses: choices(
            MemberStatus::ALL
                .iter()
                .map(|s| (s.code(), s.label()))
                .chain([(LEFT, "已离开本县组织")]),
            if left { LEFT } else { &filter.status },
        ),
        categories: choices(
            MemberCategory::ALL.iter().map(|s| (s.code(), s.label())),
            &filter.category,
        ),
        genders: choices(
            Gender::ALL.iter().map(|s| (s.code(), s.label())),
            &filter.gender,
        ),
        q: filter.q,
        branch,
        rows,
        total,
        page_no,
        pages,
        query_base,
    })
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct MemberForm {
    name: String,
    gender: String,
    ethnicity: String,
    id_number: String,
    phone: String,
    education: String,
    joined_on: String,
    full_member_on: String,
    status: String,
    category: String,
    party_group: String,
    posts: Vec<String>,
    veteran: String,
    /// 县外转入: the letter the member came with (new members only).
    letter_no: String,
    outside_org: String,
}

#[derive(Template)]
#[template(path = "member_form.html")]
struct FormPage {
    page: Page,
    action: String,
    branch: Org,
    form: MemberForm,
    errors: FieldErrors,
    genders: Vec<Choice>,
    ethnicities: Vec<Choice>,
    educations: Vec<Choice>,
    statuses: Vec<Choice>,
    categories: Vec<Choice>,
    groups: Vec<Choice>,
    posts: Vec<Choice>,
    editing: bool,
    withheld: Option<(String, String)>,
}

/// Which member form: adding to a branch, or editing a member.
#[derive(Clone)]
enum FormMode {
    New {
        branch_id: i64,
    },
    /// `withheld`: the masked ID and phone numbers, when the editor may not see them in
    /// full (left blank, they stay as they are).
    Edit {
        member_id: i64,
        withheld: Option<(String, String)>,
    },
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    mode: FormMode,
    branch: Org,
    form: MemberForm,
    errors: FieldErrors,
) -> AppResult<FormPage> {
    let withheld = match &mode {
        FormMode::Edit { withheld, .. } => withheld.clone(),
        FormMode::New { .. } => None,
    };
    let (title, action, editing) = match mode {
        FormMode::New { branch_id } => (
            "新增党员",
            format!("/members/new?branch={branch_id}"),
            false,
        ),
        FormMode::Edit { member_id, .. } => {
            ("编辑党员信息", format!("/members/{member_id}/edit"), true)
        }
    };
    let groups = orgs::party_groups(&state.db, branch.id).await?;
    let group_ids: Vec<(String, String)> = groups
        .iter()
        .map(|g| (g.id.to_string(), g.name.clone()))
        .collect();
    Ok(FormPage {
        page: ctx.page(title),
        action,
        genders: choices(
            Gender::ALL.iter().map(|s| (s.code(), s.label())),
            &form.gender,
        ),
        ethnicities: choices(ETHNICITIES.iter().map(|e| (*e, *e)), &form.ethnicity),
        educations: choices(
            Education::ALL.iter().map(|s| (s.code(), s.label())),
            &form.education,
        ),
        statuses: choices(
            MemberStatus::ALL.iter().map(|s| (s.code(), s.label())),
            &form.status,
        ),
        categories: choices(
            MemberCategory::ALL.iter().map(|s| (s.code(), s.label())),
            &form.category,
        ),
        groups: choices(
            group_ids.iter().map(|(v, l)| (v.as_str(), l.as_str())),
            &form.party_group,
        ),
        posts: Post::ALL
            .iter()
            .map(|p| Choice {
                value: p.code().into(),
                label: p.label().into(),
                selected: form.posts.iter().any(|x| x == p.code()),
            })
            .collect(),
        branch,
        form,
        errors,
        editing,
        withheld,
    })
}

/// Checks every field against the domain's rules; the record to store, or the messages.
async fn validate(
    state: &AppState,
    form: &MemberForm,
    branch: &Org,
) -> AppResult<Result<MemberRecord, FieldErrors>> {
    let groups: Vec<i64> = orgs::party_groups(&state.db, branch.id)
        .await?
        .iter()
        .map(|g| g.id)
        .collect();
    let entry = MemberEntry {
        who: PersonFields {
            name: &form.name,
            gender: &form.gender,
            ethnicity: &form.ethnicity,
            id_number: &form.id_number,
            phone: &form.phone,
            education: &form.education,
        },
        joined_on: &form.joined_on,
        full_member_on: &form.full_member_on,
        status: &form.status,
        category: &form.category,
        party_group: &form.party_group,
        posts: form.posts.iter().map(String::as_str).collect(),
        veteran: !form.veteran.is_empty(),
    };
    let today = local_date(now_epoch());
    Ok(parse_member(&entry, branch.id, &groups, today))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BranchQuery {
    branch: String,
    q: String,
}

#[derive(Template)]
#[template(path = "branch_pick.html")]
struct BranchPickPage {
    page: Page,
    q: String,
    action: String,
    branches: Vec<Org>,
}

pub(super) fn branch_kinds() -> Vec<OrgType> {
    OrgType::ALL
        .iter()
        .copied()
        .filter(|t| t.is_branch())
        .collect()
}

pub async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(bq): Query<BranchQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let Ok(branch_id) = bq.branch.trim().parse::<i64>() else {
        let q = text::search(&bq.q);
        let branches =
            orgs::search(&state.db, &actor.admin_roots(), &q, &branch_kinds(), 50).await?;
        return render(&BranchPickPage {
            page: ctx.page("新增党员：选择党支部"),
            q,
            action: "/members/new".into(),
            branches,
        });
    };
    let branch = managed_branch(&state, actor, branch_id).await?;
    let form = MemberForm {
        ethnicity: "汉族".into(),
        status: MemberStatus::Full.code().into(),
        ..Default::default()
    };
    let page = form_page(
        &state,
        &ctx,
        FormMode::New { branch_id },
        branch,
        form,
        FieldErrors::default(),
    )
    .await?;
    render(&page)
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(bq): Query<BranchQuery>,
    crate::http::form::Form(form): crate::http::form::Form<MemberForm>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let branch_id = bq
        .branch
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::NotFound)?;
    let branch = managed_branch(&state, actor, branch_id).await?;
    let checked = validate(&state, &form, &branch).await?;
    let mut errors = checked.clone().err().unwrap_or_default();
    let input = checked.ok();
    let incoming = match crate::domain::transfer::parse_incoming(&form.letter_no, &form.outside_org)
    {
        Ok(i) => i,
        Err(e) => {
            for (field, message) in e.iter() {
                errors.add(field, message);
            }
            None
        }
    };
    // A first sign-in code, kept so that the branch's login letter can print it again.
    let account = match input.as_ref().and_then(|i| i.phone.as_ref()) {
        Some(_) => {
            let password = one_time_password();
            let stored = state.keys.first_code_password(&password);
            Some((password, stored))
        }
        None => None,
    };
    let mut tx = state.db.begin().await?;
    if let Some(input) = &input {
        for (field, message) in members::conflicts(tx.conn(), &state.keys, input, None).await? {
            errors.add(field, message);
        }
    }
    let (Some(input), true) = (input, errors.is_empty()) else {
        drop(tx);
        let page = form_page(
            &state,
            &ctx,
            FormMode::New { branch_id },
            branch,
            form,
            errors,
        )
        .await?;
        return render_invalid(&page);
    };
    let id = members::insert(tx.conn(), &state.keys, &input, now_epoch()).await?;
    if let (Some(phone), Some((_, hash))) = (&input.phone, &account) {
        users::create(
            tx.conn(),
            &state.keys,
            &users::NewUser {
                name: &input.name,
                phone,
                password_hash: hash,
                member_id: Some(id),
                must_change_password: true,
            },
        )
        .await?;
    }
    let mut detail = format!("所在支部：{}", branch.name);
    if let Some(i) = &incoming {
        record_incoming(&mut tx, id, &branch, i, actor.user_id).await?;
        detail += &format!("；县外转入，介绍信 {}（{}）", i.letter_no, i.outside_org);
    }
    ctx.audit(
        &mut tx,
        "新增党员",
        &format!("党员 {id} {}", input.name),
        &detail,
    )
    .await?;
    tx.commit().await?;
    super::dashboard::records_changed(&state, branch.id).await;
    let password = account.map(|(p, _)| p);
    render(&NoticePage {
        page: ctx.page("已新增党员"),
        message: match &password {
            Some(_) => format!(
                "已将{}加入{}。已为其开通账号，登录手机号为本人手机号，初始密码如下（首次登录须修改；在支部页面可打印其登录通知书）：",
                input.name, branch.name
            ),
            None => format!(
                "已将{}加入{}。未填写手机号，暂未开通登录账号。",
                input.name, branch.name
            ),
        },
        secret: password.unwrap_or_default(),
        link: format!("/members/{id}"),
        link_label: "查看党员档案".into(),
    })
}

#[derive(Template)]
#[template(path = "member_show.html")]
struct ShowPage {
    page: Page,
    m: Member,
    id_number: String,
    phone: String,
    revealed: bool,
    may_manage: bool,
    may_reveal: bool,
    has_account: bool,
    transfers: Vec<TransferRow>,
    badges: Vec<crate::store::badges::BadgeRow>,
    /// The 发展党员 file the member came by, and where their probation stands.
    development: Option<(i64, String)>,
    /// 组织关系转接 other than a move done within the county (those are in `transfers`),
    /// for whoever manages the member.
    letters: Vec<crate::store::transfers::Transfer>,
    /// Seats on committees now: (organization, office).
    offices: Vec<(String, String)>,
    /// Working away now (流动党员, 流出).
    flow: Option<crate::store::flows::FlowRow>,
    /// 困难党员 and 慰问, for whoever manages the member.
    hardships: Vec<crate::store::care::HardshipRow>,
    visits: Vec<crate::store::care::VisitRow>,
    /// 民主评议 results: (year, branch, grade, decided on).
    appraisals: Vec<(i64, String, String, String)>,
    /// Honours: (title, awarded by, on).
    honours: Vec<(String, String, String)>,
    /// On one's own page: who looked at one's full numbers (个人信息保护法: 知情权).
    views: Vec<audit::Entry>,
}

impl ShowPage {
    fn format_time(&self, t: &i64) -> String {
        format_minute(*t)
    }

    fn today(&self) -> time::Date {
        local_date(now_epoch())
    }

    fn grade_label(&self, code: &str) -> &'static str {
        crate::domain::appraisal::Grade::from_code(code)
            .map(|g| g.label())
            .unwrap_or("")
    }
}

async fn show_page(state: &AppState, ctx: &Ctx, id: i64, reveal: bool) -> AppResult<ShowPage> {
    let actor = ctx.actor()?;
    let m = members::get(&state.db, id)
        .await
        .found_if(|m| actor.may_view_member(m.id, &m.branch_path))?;
    let may_reveal = actor.may_reveal_pii(m.id, &m.branch_path);
    let revealed = reveal && may_reveal;
    let (id_number, phone) = if revealed {
        (
            state.keys.decrypt(&m.id_number_enc).unwrap_or_default(),
            m.phone_enc
                .as_deref()
                .and_then(|p| state.keys.decrypt(p))
                .unwrap_or_default(),
        )
    } else {
        (m.id_number_mask.clone(), m.phone_mask.clone())
    };
    // Its own statement: the connection goes back before the next read asks for one.
    let has_account = members::has_account(&mut *state.db.conn().await?, m.id).await?;
    let may_manage = actor.may_manage_member(&m.branch_path);
    Ok(ShowPage {
        page: ctx.page(m.name.clone()),
        may_manage,
        has_account,
        transfers: members::transfers(&state.db, m.id).await?,
        badges: crate::store::badges::of(&state.db, "member", m.id).await?,
        development: super::development::member_note(state, m.id).await?,
        offices: crate::store::committees::offices_of_member(&state.db, m.id).await?,
        flow: crate::store::flows::open_of_member(&state.db, m.id).await?,
        hardships: if may_manage {
            crate::store::care::hardships_of_member(&state.db, m.id).await?
        } else {
            vec![]
        },
        visits: if may_manage {
            crate::store::care::visits_of_member(&state.db, m.id).await?
        } else {
            vec![]
        },
        appraisals: crate::store::appraisals::results_of_member(&state.db, m.id).await?,
        honours: crate::store::honours::honours_of(&state.db, Some(m.id), None).await?,
        views: if actor.member_id == Some(m.id) {
            audit::views_of_member(&state.db, m.id, 50).await?
        } else {
            vec![]
        },
        letters: if actor.may_manage_member(&m.branch_path) {
            crate::store::transfers::of_member(&state.db, m.id)
                .await?
                .into_iter()
                .filter(|t| {
                    t.direction() != crate::domain::transfer::Direction::Within
                        || t.status != crate::domain::transfer::Status::Accepted.code()
                })
                .collect()
        } else {
            vec![]
        },
        id_number,
        phone,
        revealed,
        may_reveal,
        m,
    })
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    render(&show_page(&state, &ctx, id, false).await?)
}

/// Shows the full ID and phone numbers once, and records who looked.
pub async fn reveal(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let page = show_page(&state, &ctx, id, true).await?;
    if !page.revealed {
        return Err(AppError::NotFound);
    }
    ctx.audit_read(
        &state.db,
        audit::VIEWED_FULL_NUMBERS,
        &audit::member_target(id, &page.m.name),
        "身份证号、手机号",
    )
    .await?;
    render(&page)
}

/// The masked numbers, when `actor` edits `m` without the right to see them in full.
fn withheld_numbers(actor: &Actor, m: &Member) -> Option<(String, String)> {
    (!actor.may_reveal_pii(m.id, &m.branch_path))
        .then(|| (m.id_number_mask.clone(), m.phone_mask.clone()))
}

fn form_from(m: &Member, keys: &crate::crypto::Keys) -> MemberForm {
    MemberForm {
        name: m.name.clone(),
        gender: m.gender.clone(),
        ethnicity: m.ethnicity.clone(),
        id_number: keys.decrypt(&m.id_number_enc).unwrap_or_default(),
        phone: m
            .phone_enc
            .as_deref()
            .and_then(|p| keys.decrypt(p))
            .unwrap_or_default(),
        education: m.education.clone(),
        joined_on: m.joined_on.clone(),
        full_member_on: m.full_member_on.clone().unwrap_or_default(),
        status: m.status.clone(),
        category: m.category.clone(),
        party_group: m.party_group_id.map(|g| g.to_string()).unwrap_or_default(),
        posts: parse_posts(&m.posts)
            .iter()
            .map(|p| p.code().to_string())
            .collect(),
        veteran: if m.veteran != 0 {
            "1".into()
        } else {
            String::new()
        },
        ..Default::default()
    }
}

pub async fn edit_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let m = managed(&state, actor, id).await?;
    let branch = orgs::get(&state.db, m.branch_id).await?;
    let mut form = form_from(&m, &state.keys);
    let withheld = withheld_numbers(actor, &m);
    if withheld.is_some() {
        form.id_number.clear();
        form.phone.clear();
    } else {
        // The form holds the full numbers: the look is recorded like a 查看.
        ctx.audit_read(
            &state.db,
            audit::VIEWED_FULL_NUMBERS,
            &audit::member_target(id, &m.name),
            "编辑党员信息：身份证号、手机号",
        )
        .await?;
    }
    let page = form_page(
        &state,
        &ctx,
        FormMode::Edit {
            member_id: id,
            withheld,
        },
        branch,
        form,
        FieldErrors::default(),
    )
    .await?;
    render(&page)
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<MemberForm>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let m = managed(&state, actor, id).await?;
    let branch = orgs::get(&state.db, m.branch_id).await?;
    let withheld = withheld_numbers(actor, &m);
    let mut form = form;
    if withheld.is_some() {
        // Left blank, the numbers the editor may not see stay as they are.
        if form.id_number.trim().is_empty() {
            form.id_number = state.keys.decrypt(&m.id_number_enc).unwrap_or_default();
        }
        if form.phone.trim().is_empty() {
            form.phone = (m.phone_enc.as_deref())
                .and_then(|p| state.keys.decrypt(p))
                .unwrap_or_default();
        }
    }
    let checked = validate(&state, &form, &branch).await?;
    let mut errors = checked.clone().err().unwrap_or_default();
    let input = checked.ok();
    let mut tx = state.db.begin().await?;
    if let Some(input) = &input {
        for (field, message) in members::conflicts(tx.conn(), &state.keys, input, Some(id)).await? {
            errors.add(field, message);
        }
    }
    let (Some(input), true) = (input, errors.is_empty()) else {
        drop(tx);
        let mut form = form;
        if withheld.is_some() {
            form.id_number.clear();
            form.phone.clear();
        }
        let page = form_page(
            &state,
            &ctx,
            FormMode::Edit {
                member_id: id,
                withheld,
            },
            branch,
            form,
            errors,
        )
        .await?;
        return render_invalid(&page);
    };
    members::update(tx.conn(), &state.keys, id, &input, now_epoch()).await?;
    if let Some(phone) = &input.phone {
        users::sync_member(tx.conn(), &state.keys, id, &input.name, phone).await?;
    }
    ctx.audit(
        &mut tx,
        "编辑党员信息",
        &format!("党员 {id} {}", input.name),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(&state, &format!("/members/{id}"), "已保存"))
}

/// A member registered from their 介绍信: the transfer into the county, done on arrival.
async fn record_incoming(
    tx: &mut crate::store::WriteTx,
    member_id: i64,
    branch: &Org,
    incoming: &crate::domain::transfer::Incoming,
    by: i64,
) -> AppResult<()> {
    use crate::domain::transfer::{Direction, Status};
    let now = now_epoch();
    crate::store::transfers::start(
        tx.conn(),
        &crate::store::transfers::NewTransfer {
            member_id,
            direction: Direction::In,
            from_branch: None,
            to_branch: Some(branch.id),
            outside_org: &incoming.outside_org,
            letter_no: &incoming.letter_no,
            valid_days: 0,
            dues_paid_to: "",
            reason: "县外转入",
            status: Status::Registered,
            issued: local_date(now),
            by,
            now,
        },
    )
    .await?;
    Ok(())
}

/// A sheet named and titled `name`: the heading, then the rows.
fn sheet<'a>(
    name: &'a str,
    heading: Vec<&'a str>,
    rows: Vec<Vec<&'a str>>,
) -> crate::spreadsheet::Table<'a> {
    let mut all = vec![heading];
    all.extend(rows);
    crate::spreadsheet::Table {
        sheet: name,
        titles: vec![name],
        rows: all,
    }
}

/// A member downloads everything the platform keeps about them (个人信息保护法: 查阅、复制):
/// their record with the full numbers, points, dues and meetings. Recorded in the audit log.
pub async fn my_data(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    use crate::domain::clock::format_date;
    use crate::domain::meetings::CheckinMethod;
    let id = ctx.actor()?.member_id.ok_or(AppError::NotFound)?;
    let m = members::get(&state.db, id).await?;
    let records = members::own_records(&state.db, id).await?;
    let open = |v: &str| state.keys.decrypt(v).unwrap_or_default();
    let record: Vec<(&str, String)> = vec![
        ("姓名", m.name.clone()),
        ("性别", m.gender_label().into()),
        ("民族", m.ethnicity.clone()),
        ("出生日期", m.birth_date.clone()),
        ("身份证号", open(&m.id_number_enc)),
        (
            "手机号",
            m.phone_enc.as_deref().map(open).unwrap_or_default(),
        ),
        ("学历", m.education_label().into()),
        ("入党日期", m.joined_on.clone()),
        ("转正日期", m.full_member_on_text().into()),
        ("人员类别", m.category_label().into()),
        ("党员状态", m.status_label().into()),
        ("所在党支部", m.branch_name.clone()),
        ("党内职务", m.posts_label()),
    ];
    let points: Vec<[String; 3]> = (records.points.iter())
        .map(|(day, reason, n)| [day.clone(), reason.clone(), n.to_string()])
        .collect();
    let dues: Vec<[String; 3]> = (records.dues.iter())
        .map(|(on, fen, way)| {
            let way = crate::domain::dues::way_label(way, "");
            [on.clone(), crate::domain::dues::format_yuan(*fen), way]
        })
        .collect();
    let meetings: Vec<[String; 4]> = (records.meetings.iter())
        .map(|(topic, starts, at, how)| {
            let how = CheckinMethod::from_code(how)
                .map(|h| h.label())
                .unwrap_or("");
            [
                topic.clone(),
                format_minute(*starts),
                format_minute(*at),
                how.into(),
            ]
        })
        .collect();
    let book = crate::spreadsheet::write_tables(&[
        sheet(
            "基本信息",
            vec!["项目", "内容"],
            record.iter().map(|(k, v)| vec![*k, v.as_str()]).collect(),
        ),
        sheet(
            "积分",
            vec!["日期", "事由", "积分"],
            points
                .iter()
                .map(|r| r.iter().map(String::as_str).collect())
                .collect(),
        ),
        sheet(
            "党费",
            vec!["交纳日期", "金额（元）", "方式"],
            dues.iter()
                .map(|r| r.iter().map(String::as_str).collect())
                .collect(),
        ),
        sheet(
            "组织生活",
            vec!["会议", "开始时间", "签到时间", "签到方式"],
            meetings
                .iter()
                .map(|r| r.iter().map(String::as_str).collect())
                .collect(),
        ),
    ])
    .map_err(AppError::internal)?;
    ctx.audit_read(
        &state.db,
        "下载本人数据",
        &audit::member_target(id, &m.name),
        "",
    )
    .await?;
    let day = format_date(crate::domain::clock::today());
    Ok(super::stored::bytes_response(
        book,
        super::roster::XLSX,
        Some(&format!("我的数据-{}-{day}.xlsx", m.name)),
    ))
}
