//! Background jobs: reminders for organizational life. Every job is idempotent (each
//! notification has a dedupe key), so running it often, late, or on several instances at
//! once is harmless.
use crate::domain::clock::{format_minute, local_date, now_epoch};
use crate::domain::orglife::{Colour, MeetingKind, verdict};
use crate::error::AppResult;
use crate::store::{Db, meetings, notifications, requirements, users};
use std::time::Duration;

/// How often the reminder job runs.
pub const INTERVAL: Duration = Duration::from_secs(300);

/// What the daily backup needs: where to write, how many to keep, and what to read.
#[derive(Clone)]
pub struct Backups {
    pub dir: std::path::PathBuf,
    pub keep: usize,
    pub files_root: std::path::PathBuf,
    pub keys: std::sync::Arc<crate::crypto::Keys>,
}

/// Where the audit archives go, and the key that signs them.
pub struct AuditArchives {
    pub dir: std::path::PathBuf,
    pub keys: crate::crypto::Keys,
}

pub fn spawn(db: Db, backups: Option<Backups>, audit: AuditArchives) {
    tokio::spawn(Db::scoped(dashboard_upkeep(db.clone())));
    tokio::spawn(Db::scoped(audit_upkeep(db.clone(), audit)));
    if let Some(b) = backups {
        tokio::spawn(Db::scoped(daily_backup(db.clone(), b)));
    }
    tokio::spawn(Db::scoped(async move {
        // Not at the very start: let the server come up first.
        let first = tokio::time::Instant::now() + Duration::from_secs(20);
        let mut tick = tokio::time::interval_at(first, INTERVAL);
        loop {
            tick.tick().await;
            match remind(&db, now_epoch()).await {
                Ok(n) if n > 0 => tracing::info!(sent = n, "reminders"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "reminder job failed"),
            }
        }
    }));
}

/// How often study activity is folded into the dashboard's kept figures.
pub const DASHBOARD_INTERVAL: Duration = Duration::from_secs(60);

/// Keeps the dashboard's figures current: once a day (once per deployment) the current and
/// previous periods are rebuilt from the records and the last twelve months made sure of;
/// every minute the branches whose members earned points since are refreshed.
async fn dashboard_upkeep(db: Db) {
    let first = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut tick = tokio::time::interval_at(first, DASHBOARD_INTERVAL);
    let mut last_entry = None;
    loop {
        tick.tick().await;
        let now = now_epoch();
        if let Err(e) = nightly_figures(&db, now).await {
            tracing::warn!(error = %e, "dashboard rebuild failed");
        }
        // After the figures: the study rule reads the kept months.
        if let Err(e) = daily_scan(&db, now).await {
            tracing::warn!(error = %e, "电子监察 scan failed");
        }
        if let Err(e) = monthly_report(&db, now).await {
            tracing::warn!(error = %e, "月度通报 failed");
        }
        match refresh_credited(&db, last_entry, now).await {
            Ok(newest) => last_entry = Some(newest),
            Err(e) => tracing::warn!(error = %e, "dashboard refresh failed"),
        }
    }
}

/// Looks every ten minutes whether today's backup is due.
async fn daily_backup(db: Db, b: Backups) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        let plan = (b.dir.as_path(), b.keep);
        match crate::archive::daily(&db, &b.keys, &b.files_root, plan, now_epoch()).await {
            Ok(Some(path)) => tracing::info!(path = %path.display(), "daily backup written"),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "daily backup failed"),
        }
    }
}

/// Looks every ten minutes whether today's audit archiving is due (once per deployment).
async fn audit_upkeep(db: Db, a: AuditArchives) {
    let first = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut tick = tokio::time::interval_at(first, Duration::from_secs(600));
    loop {
        tick.tick().await;
        if let Err(e) = archive_audit(&db, &a, now_epoch()).await {
            tracing::error!(error = %e, "audit archiving failed");
        }
    }
}

/// Today's audit archiving, when this instance is the first to claim it.
pub async fn archive_audit(db: &Db, a: &AuditArchives, now: i64) -> AppResult<bool> {
    let day = crate::domain::clock::format_date(local_date(now));
    if !crate::store::jobs::claim(db, "audit-archive", &day, now).await? {
        return Ok(false);
    }
    let outcome = crate::audit_retention::archive_due(db, &a.keys, &a.dir, now).await;
    let (said, failed) = match &outcome {
        Ok(files) if files.is_empty() => ("无到期记录".to_string(), false),
        Ok(files) => (format!("已归档{}个文件", files.len()), false),
        Err(e) => (e.to_string(), true),
    };
    crate::store::jobs::finish(db, "audit-archive", &day, now_epoch(), &said, failed).await?;
    outcome.map(|_| true)
}

/// The daily rebuild, when this instance is the first to claim today.
pub async fn nightly_figures(db: &Db, now: i64) -> AppResult<bool> {
    use crate::domain::dashboard::{PeriodKind, recent_months};
    use crate::store::dashboard;
    let today = local_date(now);
    let day = crate::domain::clock::format_date(today);
    if !crate::store::jobs::claim(db, "dashboard", &day, now).await? {
        return Ok(false);
    }
    for kind in PeriodKind::ALL.iter().copied() {
        let current = kind.period_of(today);
        dashboard::rebuild(db, kind, &current, now).await?;
        dashboard::rebuild(db, kind, &kind.previous(&current), now).await?;
    }
    for month in recent_months(today, 12) {
        dashboard::ensure(db, PeriodKind::Month, &month, now).await?;
    }
    tracing::info!("dashboard figures rebuilt");
    crate::store::jobs::finish(db, "dashboard", &day, now_epoch(), "已重算", false).await?;
    Ok(true)
}

/// 电子监察's daily scan, when this instance is the first to claim today.
pub async fn daily_scan(db: &Db, now: i64) -> AppResult<bool> {
    let day = crate::domain::clock::format_date(local_date(now));
    if !crate::store::jobs::claim(db, "supervision", &day, now).await? {
        return Ok(false);
    }
    let found: i64 = crate::supervision::scan(db, None, now)
        .await?
        .values()
        .sum();
    let outcome = format!("新发现{found}条问题");
    crate::store::jobs::finish(db, "supervision", &day, now_epoch(), &outcome, false).await?;
    Ok(true)
}

/// 分级分档 and 月度通报 of the month before, on the first day of a month (once per
/// deployment): the tiers first, which the reports name.
pub async fn monthly_report(db: &Db, now: i64) -> AppResult<bool> {
    use crate::domain::dashboard::PeriodKind;
    let month = PeriodKind::Month.previous(&PeriodKind::Month.period_of(local_date(now)));
    let key = crate::domain::clock::format_date(month.start);
    if !crate::store::jobs::claim(db, "report", &key, now).await? {
        return Ok(false);
    }
    let changed = crate::reports::generate(db, &month, now).await?;
    tracing::info!(
        month = key,
        reports = changed,
        "分级分档 placed, 月度通报 published"
    );
    let outcome = format!("{}：{changed}份通报新生成或更新", month.label());
    crate::store::jobs::finish(db, "report", &key, now_epoch(), &outcome, false).await?;
    Ok(true)
}

/// Refreshes the branches whose members earned points after `after` (nothing on the first
/// look, which only notes where the ledger stands); the newest entry seen.
async fn refresh_credited(db: &Db, after: Option<i64>, now: i64) -> AppResult<i64> {
    let (branches, newest) =
        crate::store::points::branches_credited_since(db, after.unwrap_or(i64::MAX)).await?;
    if after.is_some() {
        for id in branches {
            let org = crate::store::orgs::get(db, id).await?;
            crate::store::dashboard::refresh(db, &org, now).await?;
        }
    }
    Ok(newest)
}

/// Sends what is due at `now`; returns how many new notifications went out.
pub async fn remind(db: &Db, now: i64) -> AppResult<usize> {
    let mut sent = 0;
    let mut tx = db.begin().await?;
    // 1. Expected attendees, 24 hours before.
    let soon = meetings::attendee_accounts_starting(tx.conn(), now, now + 24 * 3600).await?;
    for (meeting, user, kind, topic, starts, place) in soon {
        let kind = MeetingKind::from_code(&kind)
            .map(|k| k.label())
            .unwrap_or("会议");
        let title = format!(
            "会议提醒：{kind}「{topic}」{}在{place}召开",
            format_minute(starts)
        );
        if notifications::notify(
            tx.conn(),
            user,
            &format!("soon:{meeting}"),
            &title,
            &format!("/meetings/{meeting}"),
            now,
        )
        .await?
        {
            sent += 1;
        }
    }
    // 2. Administrators, when a meeting ended three days ago without a closed record.
    let unclosed =
        meetings::unclosed_ended_between(tx.conn(), now - 60 * 86_400, now - 3 * 86_400).await?;
    for (meeting, org, topic, ended) in unclosed {
        let title = crate::domain::orglife::unfiled_notice(&topic, ended, now);
        let (key, link) = (
            format!("unclosed:{meeting}"),
            format!("/meetings/{meeting}"),
        );
        sent += notifications::notify_admins(tx.conn(), org, &key, &title, &link, now).await?;
    }
    tx.commit().await?;
    sent += remind_grey(db, now).await?;
    sent += remind_dues(db, now).await?;
    sent += remind_development(db, now).await?;
    sent += expire_letters(db, now).await?;
    sent += greet_political_birthdays(db, now).await?;
    sent += remind_terms(db, now).await?;
    sent += remind_flowing(db, now).await?;
    Ok(sent)
}

/// 9. 流动党员 working away: once a month, to keep up their study and dues from afar.
pub async fn remind_flowing(db: &Db, now: i64) -> AppResult<usize> {
    let month = crate::domain::dues::Month::of(local_date(now));
    let key = format!("flow:{}", month.code());
    let title = format!(
        "流动党员提醒：{}请坚持在线学习（每日一题、理论自习室），按月交纳党费（可委托支部代缴），与支部保持联系",
        month.label()
    );
    let due = crate::store::flows::out_with_accounts(db).await?;
    let mut tx = db.begin().await?;
    let told = notifications::told(tx.conn(), &key).await?;
    let mut sent = 0;
    for (_, user) in due {
        if !told.contains(&user)
            && notifications::notify(tx.conn(), user, &key, &title, "/", now).await?
        {
            sent += 1;
        }
    }
    tx.commit().await?;
    Ok(sent)
}

/// 8. 换届: an organization's administrators and the committee above, once each when its
///    committee's term has six and three months to go and once when it has ended.
pub async fn remind_terms(db: &Db, now: i64) -> AppResult<usize> {
    let Some(root) = crate::store::orgs::root(db).await? else {
        return Ok(0);
    };
    let due = crate::store::committees::due_in(db, &root.path, local_date(now)).await?;
    let mut sent = 0;
    let mut tx = db.begin().await?;
    for (c, state) in due {
        let Some((kind, words)) = state.reminder() else {
            continue;
        };
        let key = format!("term:{}:{kind}", c.id);
        let title = format!(
            "换届提醒：{}领导班子{}选举产生，任期至{}，{words}",
            c.org_name,
            c.elected_on,
            c.ends_text()
        );
        let link = format!("/orgs/{}/committee", c.org_id);
        sent += notifications::notify_admins(tx.conn(), c.org_id, &key, &title, &link, now).await?;
    }
    tx.commit().await?;
    Ok(sent)
}

/// 7. 政治生日: each member with an account, in the bell on the anniversary of joining.
pub async fn greet_political_birthdays(db: &Db, now: i64) -> AppResult<usize> {
    use crate::domain::member::{birthday_greeting, joined_month_days, political_birthday};
    let today = local_date(now);
    let due = crate::store::members::joined_on_days(db, &joined_month_days(today)).await?;
    let mut sent = 0;
    let mut tx = db.begin().await?;
    for (member, user, joined) in due {
        let Some(years) =
            crate::domain::clock::parse_date(&joined).and_then(|j| political_birthday(j, today))
        else {
            continue;
        };
        let key = format!("birthday:{member}:{}", today.year());
        let title = format!("政治生日：{}", birthday_greeting(years));
        if notifications::notify(tx.conn(), user, &key, &title, "/", now).await? {
            sent += 1;
        }
    }
    tx.commit().await?;
    Ok(sent)
}

/// 6. 组织关系介绍信 past their validity without a 回执: written down as expired, and the
///    sending branch's administrators told once.
pub async fn expire_letters(db: &Db, now: i64) -> AppResult<usize> {
    let mut tx = db.begin().await?;
    let expired = crate::store::transfers::expire_letters(tx.conn(), local_date(now), now).await?;
    let mut sent = 0;
    for t in expired {
        let Some(branch) = t.from_branch_id else {
            continue;
        };
        let title = format!(
            "组织关系介绍信已过期：{}的介绍信{}至{}未回执，党员仍在本支部",
            t.member_name,
            t.letter_text(),
            t.last_valid_text()
        );
        let (key, link) = (
            format!("transfer-expired:{}", t.id),
            format!("/transfers/{}", t.id),
        );
        sent += notifications::notify_admins(tx.conn(), branch, &key, &title, &link, now).await?;
    }
    tx.commit().await?;
    Ok(sent)
}

/// 5. 发展党员: the branch's administrators (and the committee above), once each when a
///    step falls due this month and when it is overdue.
pub async fn remind_development(db: &Db, now: i64) -> AppResult<usize> {
    use crate::domain::development::{standing, step_of};
    let today = local_date(now);
    let Some(root) = crate::store::orgs::root(db).await? else {
        return Ok(0);
    };
    let mut due = Vec::new();
    for (person, h) in crate::store::development::paths_in(db, &root.path, false).await? {
        let s = standing(&h);
        let (Some(n), false) = (s.most_urgent(), s.ended) else {
            continue;
        };
        let (Some(step), Some(latest)) = (step_of(n.step), n.latest) else {
            continue;
        };
        let latest = crate::domain::clock::format_date(latest);
        let (kind, title) = if s.overdue(today) {
            (
                "overdue",
                format!(
                    "发展党员逾期：{}第{}步“{}”应于{latest}前办理",
                    person.name, step.number, step.name
                ),
            )
        } else if s.due_this_month(today) {
            (
                "due",
                format!(
                    "发展党员提醒：{}第{}步“{}”须于{latest}前办理",
                    person.name, step.number, step.name
                ),
            )
        } else {
            continue;
        };
        let key = format!("development:{}:{}:{latest}:{kind}", person.id, step.number);
        due.push((person.id, person.branch_id, key, title));
    }
    let mut sent = 0;
    let mut tx = db.begin().await?;
    for (person, branch, key, title) in due {
        let link = format!("/development/people/{person}");
        sent += notifications::notify_admins(tx.conn(), branch, &key, &title, &link, now).await?;
    }
    tx.commit().await?;
    Ok(sent)
}

/// 4. Members who have not paid the month's 党费 by the county's day, once a month.
pub async fn remind_dues(db: &Db, now: i64) -> AppResult<usize> {
    use crate::domain::dues::{Month, MonthState, last_closed_month};
    let today = local_date(now);
    if i64::from(today.day()) < crate::store::settings::dues_remind_day(db).await? {
        return Ok(0);
    }
    let Some(root) = crate::store::orgs::root(db).await? else {
        return Ok(0);
    };
    let month = Month::of(today);
    let window = crate::store::dues::Window {
        first: month,
        last: month,
        through: last_closed_month(today),
    };
    let ledgers = crate::store::dues::ledgers(db, &root.path, None, window, None).await?;
    let accounts: std::collections::HashMap<i64, i64> =
        users::member_accounts(db).await?.into_iter().collect();
    let key = format!("dues:{}", month.code());
    let title = format!(
        "党费提醒：您{}的党费尚未交纳，请在月底前交给支部（应交金额见“我的党费”）",
        month.label()
    );
    let mut tx = db.begin().await?;
    let told = notifications::told(tx.conn(), &key).await?;
    let mut sent = 0;
    for l in ledgers
        .iter()
        .filter(|l| l.state(month) == MonthState::Unpaid)
    {
        let Some(&user) = accounts.get(&l.person.id) else {
            continue;
        };
        if !told.contains(&user)
            && notifications::notify(tx.conn(), user, &key, &title, "/dues", now).await?
        {
            sent += 1;
        }
    }
    tx.commit().await?;
    Ok(sent)
}

/// 3. Administrators, when a required item is still grey seven days before its period ends.
async fn remind_grey(db: &Db, now: i64) -> AppResult<usize> {
    let today = local_date(now);
    let all_rules = requirements::all(db).await?;
    let holders = crate::store::orgs::meeting_holders(db, false).await?;
    let year_start = crate::domain::orglife::Frequency::Yearly
        .period_of(today)
        .start;
    let from = crate::domain::clock::day_start(year_start);
    let Some(root) = crate::store::orgs::root(db).await? else {
        return Ok(0);
    };
    let facts = meetings::facts(db, &root.path, from, now + 366 * 86_400).await?;
    let mut due = Vec::new();
    requirements::each_item_period(
        &holders,
        &all_rules,
        &requirements::facts_by_kind(&facts),
        today,
        |frequency| vec![frequency.period_of(today)],
        |org, req, period, meetings| {
            if (period.end - today).whole_days() <= 7
                && verdict(req, period, meetings, now).colour == Colour::Grey
            {
                due.push((org.id, org.name.clone(), req.kind, *period));
            }
        },
    );
    let mut sent = 0;
    let mut tx = db.begin().await?;
    for (org, name, kind, period) in due {
        let title = format!(
            "{name}{}的{}尚未开展，本周期即将结束",
            period.label(),
            kind.label()
        );
        let key = format!(
            "grey:{org}:{}:{}",
            kind.code(),
            crate::domain::clock::format_date(period.start)
        );
        let link = format!("/orgs/{org}/grid");
        sent += notifications::notify_admins(tx.conn(), org, &key, &title, &link, now).await?;
    }
    tx.commit().await?;
    Ok(sent)
}
