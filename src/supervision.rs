//! 电子监察's scan and 分级分档's tiers: the rules of `domain::supervision` applied to the
//! records. A scan writes each finding once (however often it runs, on however many
//! instances) and tells the administrators above what it found; reused photos and copied
//! minutes are found through indexes over prints made when they were saved.
use crate::domain::clock::{day_start, format_date, local_date};
use crate::domain::dashboard::{PeriodKind, roll_up};
use crate::domain::near_duplicates::{PhotoIndex, PhotoPrint, minutes_overlap};
use crate::domain::org::{OrgType, is_in_subtree};
use crate::domain::orglife::{Colour, Frequency, MeetingKind, Period, verdict};
use crate::domain::supervision::{
    MonthFacts, Rule, Score, Thresholds, TierFormula, capture_off, record_flaws, silent_since,
    stopped_studying,
};
use crate::error::AppResult;
use crate::store::meetings::FactsRow;
use crate::store::orgs::Org;
use crate::store::requirements::{self, RuleRow};
use crate::store::supervision::{self as store, Evidence, NewFinding};
use crate::store::{Db, dashboard, meetings, notifications, orgs, reports, users};
use std::collections::{BTreeMap, HashMap, HashSet};
use time::{Date, Duration};

/// How far back a scan looks at most: a year and a month.
pub const LOOKBACK_DAYS: i64 = 400;

/// Minutes' prints found in more meetings than this are set phrases, not copying.
pub const COMMON_PRINT_MEETINGS: usize = 30;

/// What a scan looks at: the records from `from` on, as they stand `now`.
struct Scan {
    now: i64,
    today: Date,
    from: Date,
    t: Thresholds,
    /// Meeting-holding organizations, by id.
    holders: HashMap<i64, Org>,
    rules: Vec<RuleRow>,
    /// Every meeting from a year before `from`, for items whose period began before it.
    facts: Vec<FactsRow>,
    /// Where each meeting is in `facts`.
    by_id: HashMap<i64, usize>,
    /// The last scan's start: photos and minutes saved since are compared.
    changed_since: i64,
    found: Vec<NewFinding>,
}

/// Runs every rule over the records; the new findings, by rule.
pub async fn scan(db: &Db, by: Option<i64>, now: i64) -> AppResult<BTreeMap<Rule, i64>> {
    let today = local_date(now);
    let t: Thresholds = store::setting_on(db, today).await?;
    let last = store::last_run(db).await?;
    let run = store::start_run(db, by, now).await?;
    let from = t
        .since
        .unwrap_or(today - Duration::days(LOOKBACK_DAYS))
        .max(today - Duration::days(LOOKBACK_DAYS));
    let Some(root) = orgs::root(db).await? else {
        store::finish_run(db, run, 0, now).await?;
        return Ok(BTreeMap::new());
    };
    let facts_from = day_start(from - Duration::days(366));
    let mut s = Scan {
        now,
        today,
        from,
        t,
        holders: orgs::meeting_holders(db, false)
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect(),
        rules: requirements::all(db).await?,
        facts: meetings::facts(db, &root.path, facts_from, now).await?,
        by_id: HashMap::new(),
        changed_since: last.map(|r| r.started_at).unwrap_or(0),
        found: Vec::new(),
    };
    s.by_id = s.facts.iter().enumerate().map(|(i, f)| (f.id, i)).collect();
    // How long each part took, for the log: the scan must stay cheap as the county grows.
    let mut took = Vec::new();
    let mut lap = std::time::Instant::now();
    let mut timed = |part: &'static str| {
        took.push(format!("{part} {} ms", lap.elapsed().as_millis()));
        lap = std::time::Instant::now();
    };
    s.silence(&store::last_held(db).await?);
    s.missed_items();
    s.records(&store::checkin_methods(db, day_start(from), now).await?);
    timed("records");
    s.photos(&store::photos(db, day_start(from)).await?);
    timed("photos");
    s.minutes(
        &store::minutes_prints_since(db, day_start(from)).await?,
        &store::minutes_changed(db, day_start(from), s.changed_since).await?,
    );
    timed("minutes");
    s.study(db).await?;
    timed("study");
    s.terms(db, &root.path).await?;
    s.appraisals(db, &root.path).await?;
    let new = write(db, &s.found, now).await?;
    tell_administrators(db, run, &new, now).await?;
    store::rebuild_open(db).await?;
    timed("write");
    tracing::info!(found = new.len(), took = took.join(", "), "电子监察 scan");
    store::finish_run(db, run, new.len() as i64, now).await?;
    let mut by_rule = BTreeMap::new();
    for (_, _, rule) in &new {
        *by_rule.entry(*rule).or_insert(0) += 1;
    }
    Ok(by_rule)
}

impl Scan {
    fn org_name(&self, id: i64) -> String {
        let Some(o) = self.holders.get(&id) else {
            return String::new();
        };
        let parent = o
            .parent_id
            .and_then(|p| self.holders.get(&p))
            .map(|p| p.name.as_str());
        crate::domain::org::full_name(&o.name, o.kind(), parent)
    }

    /// The first day an organization could be judged: the scan's start or its founding.
    fn judged_from(&self, org: &Org) -> Date {
        self.from.max(local_date(org.created_at))
    }

    fn meeting(&self, id: i64) -> Option<&FactsRow> {
        self.by_id.get(&id).map(|i| &self.facts[*i])
    }

    /// "2026-10-12 支部委员会", to name a meeting in a summary.
    fn describe(&self, m: &FactsRow) -> String {
        let kind = MeetingKind::from_code(&m.kind)
            .map(|k| k.label())
            .unwrap_or("会议");
        format!("{} {kind}", format_date(local_date(m.starts_at)))
    }

    fn add(
        &mut self,
        rule: Rule,
        org_id: i64,
        subject: String,
        on: Date,
        summary: String,
        evidence: Evidence,
    ) {
        self.found.push(NewFinding {
            rule,
            org_id,
            subject,
            observed_on: on,
            summary,
            evidence,
        });
    }

    /// 到期未换届: committees whose term ended without a new election, the term as evidence.
    async fn terms(&mut self, db: &Db, root: &str) -> AppResult<()> {
        use crate::domain::committee::TermState;
        for (c, state) in crate::store::committees::due_in(db, root, self.today).await? {
            let (TermState::Overdue, Some(ends)) = (state, c.ends()) else {
                continue;
            };
            let term = format!(
                "{}至{}（任期{}年）",
                c.elected_on,
                c.ends_text(),
                c.term_years
            );
            let summary = format!(
                "{}领导班子{}选举产生，任期已于{}届满，至今未换届",
                c.org_name,
                c.elected_on,
                c.ends_text()
            );
            let evidence = Evidence {
                period: term,
                ..Default::default()
            };
            self.add(
                Rule::TermOverdue,
                c.org_id,
                format!("term:{}", c.id),
                ends,
                summary,
                evidence,
            );
        }
        Ok(())
    }

    /// 未按期开展民主评议党员: branches of three members or more that had not finished the last year due by
    /// the county's deadline (a branch founded after that year is not asked).
    async fn appraisals(&mut self, db: &Db, root: &str) -> AppResult<()> {
        use crate::domain::appraisal::{MIN_MEMBERS, deadline, last_due_year};
        let month = self.t.appraisal_due_month();
        let year = last_due_year(self.today, month);
        let due = deadline(year, month);
        let done: std::collections::HashSet<i64> =
            crate::store::appraisals::in_subtree(db, root, i64::from(year))
                .await?
                .into_iter()
                .filter(|a| {
                    a.decided_on
                        .as_deref()
                        .is_some_and(|d| d <= format_date(due).as_str())
                })
                .map(|a| a.branch_id)
                .collect();
        let year_end = Date::from_calendar_date(year, time::Month::December, 31).unwrap_or(due);
        for b in orgs::branch_tallies(db, root).await? {
            let founded = self.holders.get(&b.id).map(|o| local_date(o.created_at));
            if done.contains(&b.id)
                || b.members < MIN_MEMBERS as i64
                || founded.is_none_or(|f| f > year_end)
            {
                continue;
            }
            let summary = format!(
                "{}未在{}前完成{year}年度民主评议党员",
                b.name,
                format_date(due)
            );
            let evidence = Evidence {
                period: format!("{year}年度（截至{}）", format_date(due)),
                ..Default::default()
            };
            self.add(
                Rule::AppraisalMissing,
                b.id,
                format!("appraisal:{year}"),
                due + Duration::days(1),
                summary,
                evidence,
            );
        }
        Ok(())
    }

    /// Branches (their party groups' meetings included) with no organizational life for
    /// the threshold's days.
    fn silence(&mut self, last_held: &HashMap<i64, i64>) {
        let mut last: HashMap<i64, i64> = HashMap::new();
        for (org, start) in last_held {
            let Some(o) = self.holders.get(org) else {
                continue;
            };
            let branch = match (o.kind(), o.parent_id) {
                (OrgType::PartyGroup, Some(parent)) => parent,
                _ => o.id,
            };
            let at = last.entry(branch).or_insert(*start);
            *at = (*at).max(*start);
        }
        let branches: Vec<Org> = self
            .holders
            .values()
            .filter(|o| o.kind().is_branch())
            .cloned()
            .collect();
        for b in branches {
            let held = last.get(&b.id).map(|s| local_date(*s));
            let Some(on) =
                silent_since(held, self.judged_from(&b), self.today, self.t.silence_days)
            else {
                continue;
            };
            let (subject, summary) = match held {
                Some(d) => (
                    format!("since:{}", format_date(d)),
                    format!(
                        "最近一次组织生活在{}，至{}已连续{}天未开展",
                        format_date(d),
                        format_date(on),
                        self.t.silence_days
                    ),
                ),
                None => (
                    "since:never".into(),
                    format!(
                        "至{}已连续{}天未开展组织生活",
                        format_date(on),
                        self.t.silence_days
                    ),
                ),
            };
            self.add(
                Rule::Silent,
                b.id,
                subject,
                on,
                summary,
                Evidence::default(),
            );
        }
    }

    /// Required items whose period ended with fewer meetings held than required.
    fn missed_items(&mut self) {
        let by_kind = requirements::facts_by_kind(&self.facts);
        let holders: Vec<Org> = self.holders.values().cloned().collect();
        let (from, today) = (self.from, self.today);
        let mut missed = Vec::new();
        requirements::each_item_period(
            &holders,
            &self.rules,
            &by_kind,
            today,
            |frequency| frequency.ended_between(from, today),
            |org, req, period, meetings| {
                if period.start < self.judged_from(org) {
                    return;
                }
                let held = meetings
                    .iter()
                    .filter(|m| period.contains(local_date(m.starts_at)))
                    .filter(|m| m.closed || m.attended > 0)
                    .count() as u32;
                if held < req.min_count {
                    missed.push((org.id, req.kind, req.min_count, *period, held));
                }
            },
        );
        for (org, kind, min, period, held) in missed {
            let summary = if held == 0 {
                format!("{}未开展{}", period.label(), kind.label())
            } else {
                format!(
                    "{}{}开展{held}次，应至少{min}次",
                    period.label(),
                    kind.label()
                )
            };
            let evidence = Evidence {
                period: period.label(),
                ..Default::default()
            };
            let subject = format!("{}:{}", kind.code(), format_date(period.start));
            // Dated on the period's last day: March's miss belongs to March's tiers and report.
            let last_day = period.end - Duration::days(1);
            self.add(Rule::Missed, org, subject, last_day, summary, evidence);
        }
    }

    /// Closed meetings whose record is incomplete, short of attendance or signed in by hand.
    fn records(&mut self, methods: &HashMap<i64, (u32, u32)>) {
        let from = day_start(self.from);
        let mut flagged = Vec::new();
        for m in self
            .facts
            .iter()
            .filter(|m| m.starts_at >= from && m.closed != 0)
        {
            let Some(org) = self.holders.get(&m.org_id) else {
                continue;
            };
            let day = local_date(m.starts_at);
            let standard = MeetingKind::from_code(&m.kind)
                .and_then(|k| {
                    let ancestry = crate::domain::org::path_ids(&org.path);
                    requirements::effective(&self.rules, &ancestry, k, day)
                })
                .map(|r| r.standard)
                .unwrap_or_default();
            let (checkins, manual) = methods.get(&m.id).copied().unwrap_or((0, 0));
            for (rule, reason) in record_flaws(&m.facts(), &standard, checkins, manual) {
                flagged.push((
                    rule,
                    m.org_id,
                    m.id,
                    day,
                    format!("{}：{reason}", self.describe(m)),
                ));
            }
        }
        for (rule, org, meeting, day, summary) in flagged {
            let evidence = Evidence {
                meetings: vec![meeting],
                ..Default::default()
            };
            self.add(
                rule,
                org,
                format!("meeting:{meeting}"),
                day,
                summary,
                evidence,
            );
        }
    }

    /// Photos that are another meeting's photo again, and photos taken far from their
    /// meeting.
    fn photos(&mut self, rows: &[store::PhotoRow]) {
        let printed: Vec<(i64, i64, PhotoPrint)> = rows
            .iter()
            .filter_map(|r| {
                Some((
                    r.id,
                    r.meeting_id,
                    PhotoPrint::from_text(r.print.as_deref()?)?,
                ))
            })
            .collect();
        let index = PhotoIndex::new(&printed);
        let by_id: HashMap<i64, &store::PhotoRow> = rows.iter().map(|r| (r.id, r)).collect();
        let mut pairs: BTreeMap<(i64, i64), i64> = BTreeMap::new();
        // On a first scan every photo is asked; later only new ones, against all.
        let everyone = self.changed_since == 0;
        let min = self.t.photo_similarity;
        for (file, meeting, print) in &printed {
            if by_id[file].created_at < self.changed_since {
                continue;
            }
            for (other, _, alike) in index.matches(print, *meeting, min, !everyone) {
                pairs.insert((other.min(*file), other.max(*file)), alike);
            }
        }
        for ((first, second), alike) in pairs {
            // The later upload is the one that reused a picture.
            let (a, b) = (by_id[&first], by_id[&second]);
            let (Some(ma), Some(mb)) = (self.meeting(a.meeting_id), self.meeting(b.meeting_id))
            else {
                continue;
            };
            let summary = format!(
                "{}的现场照片与{}{}的照片疑似同一张（相似度{alike}%）",
                self.describe(mb),
                self.org_name(a.org_id),
                self.describe(ma)
            );
            let evidence = Evidence {
                meetings: vec![a.meeting_id, b.meeting_id],
                files: vec![a.id, b.id],
                measure: Some(alike),
                ..Default::default()
            };
            let on = local_date(b.starts_at);
            self.add(
                Rule::PhotoReused,
                b.org_id,
                format!("{first}:{second}"),
                on,
                summary,
                evidence,
            );
        }
        for r in rows {
            let Some(captured) = r.captured_at else {
                continue;
            };
            let Some(hours) = capture_off(captured, r.starts_at, r.ends_at, self.t.capture_hours)
            else {
                continue;
            };
            let Some(m) = self.meeting(r.meeting_id) else {
                continue;
            };
            let summary = format!(
                "{}的现场照片拍摄于{}，与会议时间相差约{}",
                self.describe(m),
                crate::domain::clock::format_minute(captured),
                if hours >= 48 {
                    format!("{}天", hours / 24)
                } else {
                    format!("{hours}小时")
                }
            );
            let evidence = Evidence {
                meetings: vec![r.meeting_id],
                files: vec![r.id],
                measure: Some(hours),
                ..Default::default()
            };
            let on = local_date(r.starts_at);
            self.add(
                Rule::PhotoTime,
                r.org_id,
                format!("file:{}", r.id),
                on,
                summary,
                evidence,
            );
        }
    }

    /// Minutes that are most of another meeting's minutes again.
    fn minutes(&mut self, prints: &[(i64, i64)], changed: &[(i64, i64, i64)]) {
        let mut of_meeting: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut meetings_with: HashMap<i64, Vec<i64>> = HashMap::new();
        for (meeting, print) in prints {
            of_meeting.entry(*meeting).or_default().push(*print);
            meetings_with.entry(*print).or_default().push(*meeting);
        }
        let common: HashSet<i64> = meetings_with
            .iter()
            .filter(|(_, ms)| ms.len() > COMMON_PRINT_MEETINGS)
            .map(|(p, _)| *p)
            .collect();
        let mut pairs: BTreeMap<(i64, i64), i64> = BTreeMap::new();
        for (meeting, _, _) in changed {
            let Some(mine) = of_meeting.get(meeting) else {
                continue;
            };
            let mut shared: HashMap<i64, usize> = HashMap::new();
            for p in mine.iter().filter(|p| !common.contains(p)) {
                for other in meetings_with[p].iter().filter(|o| *o != meeting) {
                    *shared.entry(*other).or_default() += 1;
                }
            }
            for (other, n) in shared {
                if n < crate::domain::near_duplicates::MIN_TELLING_PRINTS {
                    continue;
                }
                let overlap = minutes_overlap(mine, &of_meeting[&other], &common);
                if overlap >= self.t.minutes_overlap {
                    pairs.insert(((*meeting).min(other), (*meeting).max(other)), overlap);
                }
            }
        }
        for ((x, y), overlap) in pairs {
            let (Some(mx), Some(my)) = (self.meeting(x), self.meeting(y)) else {
                continue;
            };
            // The later meeting copied the earlier one's minutes.
            let (first, second) = if (mx.starts_at, mx.id) <= (my.starts_at, my.id) {
                (mx, my)
            } else {
                (my, mx)
            };
            let summary = format!(
                "{}的会议记录与{}{}的记录{overlap}%相同",
                self.describe(second),
                self.org_name(first.org_id),
                self.describe(first)
            );
            let evidence = Evidence {
                meetings: vec![first.id, second.id],
                measure: Some(overlap),
                ..Default::default()
            };
            let (org, on) = (second.org_id, local_date(second.starts_at));
            let subject = format!("{}:{}", first.id, second.id);
            self.add(Rule::MinutesCopied, org, subject, on, summary, evidence);
        }
    }

    /// Branches whose members stopped answering the daily question, month by month since
    /// anyone could.
    async fn study(&mut self, db: &Db) -> AppResult<()> {
        let Some(began) = store::study_began(db).await? else {
            return Ok(());
        };
        for month in Frequency::Monthly.ended_between(self.from.max(began), self.today) {
            dashboard::ensure(db, PeriodKind::Month, &month, self.now).await?;
            let kept = dashboard::all_kept(db, PeriodKind::Month, &month).await?;
            let branches: Vec<(i64, Date)> = self
                .holders
                .values()
                .filter(|o| o.kind().is_branch())
                .map(|o| (o.id, self.judged_from(o)))
                .collect();
            for (id, judged_from) in branches {
                let Some((_, total)) = kept.get(&id) else {
                    continue;
                };
                if month.start < judged_from
                    || !stopped_studying(total.members, total.active_answerers, self.t.study_pct)
                {
                    continue;
                }
                let summary = format!(
                    "{}每日一题活跃党员{}/{}人（{}%），低于{}%",
                    month.label(),
                    total.active_answerers,
                    total.members,
                    total.active_answerers * 100 / total.members.max(1),
                    self.t.study_pct
                );
                let evidence = Evidence {
                    period: month.label(),
                    measure: Some(total.active_answerers * 100 / total.members.max(1)),
                    ..Default::default()
                };
                let subject = format!("month:{}", format_date(month.start));
                self.add(
                    Rule::StudyStopped,
                    id,
                    subject,
                    month.end,
                    summary,
                    evidence,
                );
            }
        }
        Ok(())
    }
}

/// Writes the findings, a few hundred to a transaction; the new ones: (id, organization,
/// rule).
async fn write(db: &Db, found: &[NewFinding], now: i64) -> AppResult<Vec<(i64, i64, Rule)>> {
    let mut new = Vec::new();
    for chunk in found.chunks(300) {
        let mut tx = db.begin().await?;
        for f in chunk {
            if let Some(id) = store::insert_finding(tx.conn(), f, now).await? {
                new.push((id, f.org_id, f.rule));
            }
        }
        tx.commit().await?;
    }
    Ok(new)
}

/// One bell entry per administrator whose subtree has new findings, with how many.
async fn tell_administrators(
    db: &Db,
    run: i64,
    new: &[(i64, i64, Rule)],
    now: i64,
) -> AppResult<()> {
    if new.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = new
        .iter()
        .map(|n| n.1)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let paths: HashMap<i64, String> = orgs::by_ids(db, &ids)
        .await?
        .into_iter()
        .map(|(id, o)| (id, o.path))
        .collect();
    let mut counts: HashMap<i64, i64> = HashMap::new();
    for (user, root) in users::admin_grants(db).await? {
        let n = new
            .iter()
            .filter(|(_, org, _)| paths.get(org).is_some_and(|p| is_in_subtree(p, &root)))
            .count() as i64;
        if n > 0 {
            *counts.entry(user).or_default() += n;
        }
    }
    let mut tx = db.begin().await?;
    for (user, n) in counts {
        let title = format!("电子监察新发现{n}条问题");
        notifications::notify(
            tx.conn(),
            user,
            &format!("scan:{run}"),
            &title,
            "/findings",
            now,
        )
        .await?;
    }
    tx.commit().await
}

/// What one organization adds to its subtree's score for a month.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    due: i64,
    done: i64,
    findings: i64,
    branches: i64,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, o: Tally) {
        self.due += o.due;
        self.done += o.done;
        self.findings += o.findings;
        self.branches += o.branches;
    }
}

/// 分级分档 for `month`: every organization but party groups scored on its subtree — items
/// due that month done to standard (as judged at the month's end), members active in the
/// daily question, findings observed that month per branch — with the formula in force that
/// month, and kept. The same records give the same tiers.
pub async fn tiers(db: &Db, month: &Period, now: i64) -> AppResult<HashMap<i64, Score>> {
    let formula: TierFormula = store::setting_on(db, month.start).await?;
    let Some(root) = orgs::root(db).await? else {
        return Ok(HashMap::new());
    };
    let month_end = day_start(month.end);
    let facts = meetings::facts(
        db,
        &root.path,
        day_start(month.start - Duration::days(366)),
        month_end,
    )
    .await?;
    let holders = orgs::meeting_holders(db, false).await?;
    let rules = requirements::all(db).await?;
    let mut own: HashMap<i64, Tally> = HashMap::new();
    let last_day = month.end - Duration::days(1);
    requirements::each_item_period(
        &holders,
        &rules,
        &requirements::facts_by_kind(&facts),
        last_day,
        |frequency| {
            let p = frequency.period_of(last_day);
            if p.end == month.end { vec![p] } else { vec![] }
        },
        |org, req, period, meetings| {
            let t = own.entry(org.id).or_default();
            t.due += 1;
            if verdict(req, period, meetings, month_end).colour == Colour::Red {
                t.done += 1;
            }
        },
    );
    for org in holders.iter().filter(|o| o.kind().is_branch()) {
        own.entry(org.id).or_default().branches += 1;
    }
    let observed = reports::findings_between(db, month.start, month.end).await?;
    for (org, n) in crate::domain::report::counted_per_org(&observed) {
        own.entry(org).or_default().findings += n;
    }
    let total = roll_up(&own, &orgs::parents(db).await?);
    dashboard::ensure(db, PeriodKind::Month, month, now).await?;
    let kept = dashboard::all_kept(db, PeriodKind::Month, month).await?;
    let study_open = store::study_began(db)
        .await?
        .is_some_and(|began| began < month.end);
    let mut scores = HashMap::new();
    for org in orgs::subtree(db, &root.path).await? {
        if org.kind() == OrgType::PartyGroup {
            continue;
        }
        let t = total.get(&org.id).copied().unwrap_or_default();
        let figures = kept.get(&org.id).map(|k| k.1).unwrap_or_default();
        let facts = MonthFacts {
            items_done: t.done,
            items_due: t.due,
            members: figures.members,
            studying: figures.active_answerers,
            findings: t.findings,
            branches: t.branches,
            study_open,
        };
        scores.insert(org.id, formula.score(&facts));
    }
    store::save_tiers(db, month.start, &scores).await?;
    Ok(scores)
}
