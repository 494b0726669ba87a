//! The required organizational-life items (组织生活要求) an organization administrator sets
//! for the subtree, from the next period on, and the county's check-in geofence.
use super::super::access::Found;
use super::super::context::{Page, flash_redirect};
use super::super::form::{Choice, Id, choices, render, render_invalid};
use super::super::{AppState, Ctx};
use crate::domain::clock::{format_date, local_date, now_epoch, parse_date};
use crate::domain::org::path_ids;
use crate::domain::orglife::{MeetingKind, Requirement};
use crate::domain::policy::Actor;
use crate::error::{AppError, AppResult};
use crate::store::orgs::{self, Org};
use crate::store::requirements;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

pub struct RuleView {
    pub kind: MeetingKind,
    pub current: Option<Requirement>,
    pub pending: Option<(String, Option<Requirement>)>,
    pub frequencies: Vec<Choice>,
}

impl RuleView {
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
    pub fn summary(&self, r: &Option<Requirement>) -> String {
        match r {
            None => "不作要求".into(),
            Some(r) => format!(
                "{}至少{}次；{}照片至少{}张；出席率不低于{}%",
                r.frequency.label(),
                r.min_count,
                if r.standard.minutes {
                    "须有会议记录；"
                } else {
                    ""
                },
                r.standard.photos,
                r.standard.attendance_pct
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "requirements.html")]
struct RequirementsPage {
    page: Page,
    org: Org,
    rules: Vec<RuleView>,
    error: String,
    /// The county-wide check-in radius, shown on the root organization's page.
    geofence: Option<i64>,
}

/// An organization whose required items the actor sets, else 404.
async fn configurable(state: &AppState, actor: &Actor, id: i64) -> AppResult<Org> {
    orgs::get(&state.db, id)
        .await
        .found_if(|o| actor.may_configure_requirements(&o.path))
}

async fn requirements_page(
    state: &AppState,
    ctx: &Ctx,
    org: Org,
    error: String,
) -> AppResult<RequirementsPage> {
    let all = requirements::all(&state.db).await?;
    let ancestry = path_ids(&org.path);
    let today = local_date(now_epoch());
    let mut views = Vec::new();
    for kind in MeetingKind::ALL
        .iter()
        .copied()
        .filter(|k| *k != MeetingKind::Other)
    {
        let current = requirements::effective(&all, &ancestry, kind, today);
        // A change waiting for its period: the newest future rule on this organization.
        let pending = all
            .iter()
            .filter(|r| {
                r.org_id == org.id && r.kind == kind.code() && r.effective_from > format_date(today)
            })
            .max_by_key(|r| (r.effective_from.clone(), r.id))
            .map(|r| {
                let d = parse_date(&r.effective_from).unwrap_or(today);
                (
                    r.effective_from.clone(),
                    requirements::effective(&all, &ancestry, kind, d),
                )
            });
        let selected = current
            .as_ref()
            .map(|r| r.frequency.code())
            .unwrap_or("monthly");
        views.push(RuleView {
            kind,
            frequencies: choices(
                crate::domain::orglife::Frequency::ALL
                    .iter()
                    .map(|f| (f.code(), f.label())),
                selected,
            ),
            current,
            pending,
        });
    }
    let geofence = match org.parent_id {
        None => Some(crate::store::settings::geofence_m(&state.db).await?),
        Some(_) => None,
    };
    Ok(RequirementsPage {
        page: ctx.page(format!("{} · 组织生活要求", org.name)),
        org,
        rules: views,
        error,
        geofence,
    })
}

pub async fn requirements(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> AppResult<Response> {
    let org = configurable(&state, ctx.actor()?, id).await?;
    render(&requirements_page(&state, &ctx, org, String::new()).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RuleForm {
    kind: String,
    frequency: String,
    min_count: String,
    min_photos: String,
    attendance_pct: String,
    need_minutes: String,
    enabled: String,
}

/// A change applies from the next period of its frequency, so no past or current verdict moves.
pub async fn change_requirement(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<RuleForm>,
) -> AppResult<Response> {
    use crate::domain::orglife::{Frequency, Standard};
    let actor = ctx.actor()?;
    let org = configurable(&state, actor, id).await?;
    let num = |v: &str, lo: u32, hi: u32| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (lo..=hi).contains(n))
    };
    let kind = MeetingKind::from_code(&form.kind).filter(|k| *k != MeetingKind::Other);
    let frequency = Frequency::from_code(&form.frequency);
    let (min_count, photos, pct) = (
        num(&form.min_count, 1, 10),
        num(&form.min_photos, 0, 20),
        num(&form.attendance_pct, 0, 100),
    );
    let error = match (kind, frequency, min_count, photos, pct) {
        (None, ..) => "请选择组织生活项目",
        (_, None, ..) => "请选择频次",
        (_, _, None, ..) => "次数应为1到10之间的整数",
        (_, _, _, None, _) => "照片张数应为0到20之间的整数",
        (_, _, _, _, None) => "出席率应为0到100之间的整数",
        _ => "",
    };
    if !error.is_empty() {
        return render_invalid(&requirements_page(&state, &ctx, org, error.into()).await?);
    }
    let (kind, frequency) = (kind.expect("checked"), frequency.expect("checked"));
    let req = Requirement {
        kind,
        frequency,
        min_count: min_count.expect("checked"),
        standard: Standard {
            minutes: !form.need_minutes.is_empty(),
            photos: photos.expect("checked"),
            attendance_pct: pct.expect("checked"),
        },
    };
    let today = local_date(now_epoch());
    let from = frequency.next_start(today);
    let enabled = !form.enabled.is_empty();
    let mut tx = state.db.begin().await?;
    requirements::add(
        tx.conn(),
        org.id,
        &req,
        enabled,
        from,
        actor.user_id,
        now_epoch(),
    )
    .await?;
    let view = RuleView {
        kind,
        current: None,
        pending: None,
        frequencies: vec![],
    };
    let summary = view.summary(&enabled.then_some(req));
    ctx.audit(
        &mut tx,
        "修改组织生活要求",
        &format!("组织 {} {}", org.id, org.name),
        &format!("{}：{}，自{}起", kind.label(), summary, format_date(from)),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/orgs/{id}/requirements"),
        &format!(
            "已保存，{}的新要求自{}起执行",
            kind.label(),
            format_date(from)
        ),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GeofenceForm {
    radius: String,
}

/// The county turns the check-in geofence on (a radius in metres) or off (0).
pub async fn set_geofence(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<GeofenceForm>,
) -> AppResult<Response> {
    let org = configurable(&state, ctx.actor()?, id).await?;
    if org.parent_id.is_some() {
        return Err(AppError::NotFound);
    }
    let Some(radius) = form
        .radius
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|r| (0..=5000).contains(r))
    else {
        return render_invalid(
            &requirements_page(
                &state,
                &ctx,
                org,
                "签到范围应为0到5000之间的整数（米），0表示不限".into(),
            )
            .await?,
        );
    };
    let mut tx = state.db.begin().await?;
    crate::store::settings::save(tx.conn(), "checkin_geofence_m", &radius.to_string()).await?;
    ctx.audit(&mut tx, "修改签到范围", &org.name, &format!("{radius}米"))
        .await?;
    tx.commit().await?;
    let msg = if radius == 0 {
        "已关闭签到地理范围限制".to_string()
    } else {
        format!("已开启：有地图位置的会议须在{radius}米内签到")
    };
    Ok(flash_redirect(
        &state,
        &format!("/orgs/{id}/requirements"),
        &msg,
    ))
}
