//! 积分: the member's points, rank and history; the rules, for county administrators.
use super::access::{Found, Member};
use super::context::{Page, flash_redirect};
use super::form::{render, render_invalid};
use super::{AppState, Ctx};
use crate::domain::clock::{format_minute, now_epoch};
use crate::domain::points::{PointRule, RuleSetting};
use crate::error::{AppError, AppResult};
use crate::store::points::{self, HistoryRow, Totals};
use crate::store::{orgs, settings};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "points.html")]
struct PointsPage {
    page: Page,
    totals: Totals,
    county_rank: i64,
    badges: usize,
    rows: Vec<HistoryRow>,
}

impl PointsPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

pub async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    Member { id: member, .. }: Member,
) -> AppResult<Response> {
    let totals = points::totals(&state.db, member).await?;
    let (_, _, county) = state.rankings.scopes(&state.db, member).await?;
    let today = crate::domain::clock::local_date(now_epoch());
    let standing = state
        .rankings
        .standing(
            &state.db,
            county,
            crate::rankings::Period::All,
            today,
            member,
            0,
        )
        .await?;
    render(&PointsPage {
        page: ctx.page("我的积分"),
        totals,
        county_rank: standing.my_rank,
        badges: crate::store::badges::of(&state.db, "member", member)
            .await?
            .len(),
        rows: points::history(&state.db, member).await?,
    })
}

pub struct RuleRow {
    pub rule: PointRule,
    pub setting: RuleSetting,
}

impl RuleRow {
    pub fn cap_text(&self) -> String {
        self.setting
            .daily_cap
            .map(|c| c.to_string())
            .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "point_rules.html")]
struct RulesPage {
    page: Page,
    rules: Vec<RuleRow>,
    error: String,
    read_seconds: i64,
}

/// Only the county's organization administrators set the rules.
async fn county_admin(state: &AppState, ctx: &Ctx) -> AppResult<()> {
    let actor = ctx.actor()?;
    orgs::root(&state.db)
        .await?
        .ok_or(AppError::NotFound)
        .found_if(|root| actor.may_set_county_rules(&root.path))?;
    Ok(())
}

async fn rules_page(state: &AppState, ctx: &Ctx, error: String) -> AppResult<RulesPage> {
    let mut conn = state.db.pool.acquire().await?;
    let mut rules = Vec::new();
    for rule in PointRule::ALL.iter().copied().filter(|r| r.is_earned()) {
        rules.push(RuleRow {
            rule,
            setting: points::setting(&mut conn, rule).await?,
        });
    }
    Ok(RulesPage {
        page: ctx.page("积分规则"),
        rules,
        error,
        read_seconds: settings::min_read_seconds(&state.db).await?,
    })
}

pub async fn rules(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    county_admin(&state, &ctx).await?;
    render(&rules_page(&state, &ctx, String::new()).await?)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct RuleForm {
    rule: String,
    amount: String,
    daily_cap: String,
    enabled: String,
}

pub async fn save_rule(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(form): axum::Form<RuleForm>,
) -> AppResult<Response> {
    county_admin(&state, &ctx).await?;
    let rule = PointRule::from_code(&form.rule).filter(|r| r.is_earned());
    let amount = form
        .amount
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|a| (0..=100).contains(a));
    let cap = match form.daily_cap.trim() {
        "" => Some(None),
        c => c
            .parse::<i64>()
            .ok()
            .filter(|c| (1..=1000).contains(c))
            .map(Some),
    };
    let error = match (rule, amount, cap) {
        (None, ..) => "请选择积分规则",
        (_, None, _) => "分值应为0到100之间的整数",
        (_, _, None) => "每日上限应为1到1000之间的整数，不限则留空",
        _ => "",
    };
    if !error.is_empty() {
        return render_invalid(&rules_page(&state, &ctx, error.into()).await?);
    }
    let (rule, amount, daily_cap) = (
        rule.expect("checked"),
        amount.expect("checked"),
        cap.expect("checked"),
    );
    let setting = RuleSetting {
        amount,
        daily_cap,
        enabled: !form.enabled.is_empty(),
    };
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    points::save_setting(tx.conn(), rule, setting, ctx.actor()?.user_id, now).await?;
    let detail = format!(
        "{}分，每日上限{}，{}",
        amount,
        daily_cap
            .map(|c| c.to_string())
            .unwrap_or_else(|| "不限".into()),
        if setting.enabled { "启用" } else { "停用" }
    );
    ctx.audit(&mut tx, "修改积分规则", rule.label(), &detail)
        .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/points/rules",
        &format!("已保存“{}”", rule.label()),
    ))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ReadTimeForm {
    seconds: String,
}

/// The minimum time on an article page before its reading earns points, county-wide.
pub async fn save_read_time(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(form): axum::Form<ReadTimeForm>,
) -> AppResult<Response> {
    county_admin(&state, &ctx).await?;
    let range = settings::READ_SECONDS_RANGE;
    let Some(seconds) = form
        .seconds
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|s| range.contains(s))
    else {
        let msg = format!(
            "最少阅读时间应为{}到{}之间的整数（秒）",
            range.start(),
            range.end()
        );
        return render_invalid(&rules_page(&state, &ctx, msg).await?);
    };
    let mut tx = state.db.begin().await?;
    settings::save(tx.conn(), settings::READ_SECONDS_KEY, &seconds.to_string()).await?;
    ctx.audit(
        &mut tx,
        "修改最少阅读时间",
        "理论自习室",
        &format!("{seconds}秒"),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/points/rules",
        &format!("文章须阅读满{seconds}秒才计积分"),
    ))
}
