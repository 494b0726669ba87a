//! 发展党员 pages: a branch's board of everyone on the path by stage with what is due and
//! overdue, the counts by stage of the organizations below (the same figures the 数据看板
//! shows), the committee above's queue, and the 发展党员工作台账 as a spreadsheet. The person's
//! own page, the steps and 思想汇报 are in `person` and `reports`.
pub mod person;
pub mod reports;

use super::access::{Admin, Found};
use super::context::Page;
use super::form::{Id, render};
use super::{AppState, Ctx};
use crate::domain::clock::format_date;
use crate::domain::development::{
    Counts, Decision, History, Recorder, Standing, Step, standing, step_of,
};
use crate::domain::org::is_in_subtree;
use crate::domain::policy::Actor;
use crate::error::AppResult;
use crate::store::development::{self, Person};
use crate::store::orgs::{self, Org};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use time::Date;

pub(crate) use crate::domain::clock::today;

/// One person on the board: where they stand and what is due.
pub struct Line {
    pub person: Person,
    pub history: History,
    pub standing: Standing,
    pub today: Date,
}

impl Line {
    pub fn stage_label(&self) -> &'static str {
        if self.standing.ended {
            "已归档"
        } else {
            self.standing.stage.label()
        }
    }

    /// The step due soonest (the next in order, or an assessment), as the board says it.
    fn urgent(&self) -> Option<(&'static Step, Option<Date>, Option<Date>)> {
        let n = self
            .standing
            .most_urgent()
            .or(self.standing.next)
            .filter(|_| !self.standing.ended)?;
        Some((step_of(n.step)?, n.earliest, n.latest))
    }

    pub fn due_text(&self) -> String {
        match self.urgent() {
            None => "—".into(),
            Some((s, _, _)) => format!("第{}步 {}（{}）", s.number, s.name, s.recorder.label()),
        }
    }

    pub fn window_text(&self) -> String {
        match self.urgent() {
            Some((_, _, Some(latest))) => format!("最迟 {}", format_date(latest)),
            Some((_, Some(earliest), None)) if earliest > self.today => {
                format!("{} 起可办", format_date(earliest))
            }
            _ => String::new(),
        }
    }

    /// `overdue`, `due` (this month) or empty.
    pub fn state_class(&self) -> &'static str {
        if self.standing.ended {
            ""
        } else if self.standing.overdue(self.today) {
            "overdue"
        } else if self.standing.due_this_month(self.today) {
            "due"
        } else {
            ""
        }
    }

    pub fn state_label(&self) -> &'static str {
        match self.state_class() {
            "overdue" => "逾期",
            "due" => "本月到期",
            _ => "",
        }
    }

    /// The next step in order is the committee above's (or the department's).
    fn awaits(&self) -> Option<Recorder> {
        let n = self.standing.next.filter(|_| !self.standing.ended)?;
        let s = step_of(n.step)?;
        (s.recorder != Recorder::Branch).then_some(s.recorder)
    }
}

/// Everyone on the path in the organization's subtree, where they stand today; with
/// `archived`, also those whose file is archived.
pub async fn lines_in(state: &AppState, org: &Org, archived: bool) -> AppResult<Vec<Line>> {
    let today = today();
    Ok(development::paths_in(&state.db, &org.path, archived)
        .await?
        .into_iter()
        .map(|(person, history)| Line {
            person,
            standing: standing(&history),
            history,
            today,
        })
        .collect())
}

/// One organization's counts by stage.
pub struct CountLine {
    pub org_id: i64,
    pub name: String,
    pub counts: Counts,
}

/// The counts of the organization and of each organization directly below it: the one
/// source of the board's and the 数据看板's figures.
pub async fn counts_below(
    state: &AppState,
    org: &Org,
    lines: &[Line],
) -> AppResult<(Counts, Vec<CountLine>)> {
    let mut total = Counts::default();
    for l in lines {
        total.add(&l.standing, l.today);
    }
    if org.kind().is_branch() {
        return Ok((total, vec![]));
    }
    let children = orgs::direct_children(&state.db, org.id).await?;
    let rows = children
        .into_iter()
        .filter(|c| c.kind() != crate::domain::org::OrgType::PartyGroup)
        .map(|c| {
            let mut counts = Counts::default();
            for l in lines
                .iter()
                .filter(|l| is_in_subtree(&l.person.branch_path, &c.path))
            {
                counts.add(&l.standing, l.today);
            }
            CountLine {
                org_id: c.id,
                name: c.name,
                counts,
            }
        })
        .collect();
    Ok((total, rows))
}

#[derive(Template)]
#[template(path = "development_board.html")]
struct BoardPage {
    page: Page,
    org: Org,
    crumbs: Vec<Org>,
    is_branch: bool,
    may_register: bool,
    total: Counts,
    rows: Vec<CountLine>,
    /// Steps waiting for the committee above that this actor may record.
    queue: Vec<Line>,
    /// A branch: everyone still on the path; above: those overdue or due this month.
    people: Vec<Line>,
    ended: Vec<Line>,
}

/// The organization, when the actor administers it.
async fn administered(state: &AppState, actor: &Actor, id: i64) -> AppResult<Org> {
    orgs::get(&state.db, id).await.found_if(|o| {
        actor.administers(&o.path) && o.kind() != crate::domain::org::OrgType::PartyGroup
    })
}

pub async fn board(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let org = administered(&state, &actor, id).await?;
    // A branch lists its archived files too; above, the board is what is open.
    let lines = lines_in(&state, &org, org.kind().is_branch()).await?;
    let (total, rows) = counts_below(&state, &org, &lines).await?;
    let crumbs = orgs::ancestors(&state.db, &org.path)
        .await?
        .into_iter()
        .filter(|o| o.id != org.id && actor.administers(&o.path))
        .collect();
    let is_branch = org.kind().is_branch();
    let (mut queue, mut people, mut ended) = (vec![], vec![], vec![]);
    for l in lines {
        if l.standing.ended {
            ended.push(l);
        } else if l
            .awaits()
            .is_some_and(|r| actor.may_record_development(r, &l.person.branch_path))
        {
            queue.push(l);
        } else if is_branch || !l.state_class().is_empty() {
            people.push(l);
        }
    }
    // Within a stage, what is late first, then what is due, then by name.
    let order = |l: &Line| {
        (
            l.standing.stage,
            match l.state_class() {
                "overdue" => 0,
                "due" => 1,
                _ => 2,
            },
        )
    };
    people.sort_by_key(order);
    queue.sort_by_key(|l| l.standing.next.and_then(|n| n.latest));
    render(&BoardPage {
        page: ctx.page(format!("{} · 发展党员", org.name)),
        may_register: is_branch && actor.may_record_development(Recorder::Branch, &org.path),
        is_branch,
        crumbs,
        total,
        rows,
        queue,
        people,
        ended: if is_branch { ended } else { vec![] },
        org,
    })
}

/// The menu's 发展党员: the board of the widest organization the administrator keeps.
pub async fn manage(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
) -> AppResult<Response> {
    let org = super::orgs::widest_administered(&state, &actor).await?;
    board(State(state), ctx, Admin(actor), Id(org.id)).await
}

/// 发展党员工作台账: everyone on the path in the subtree with the dates of each stage.
pub async fn ledger_xlsx(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let org = administered(&state, &actor, id).await?;
    let lines = lines_in(&state, &org, true).await?;
    let mut rows: Vec<Vec<String>> = vec![
        [
            "序号",
            "姓名",
            "性别",
            "出生日期",
            "学历",
            "所在党支部",
            "当前阶段",
            "递交申请书",
            "确定积极分子",
            "培养联系人",
            "确定发展对象",
            "入党介绍人",
            "支部大会接收（入党日期）",
            "上级党委审批",
            "转正（支部大会决定）",
            "转正日期",
            "下一步",
            "期限",
            "状态",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let mut named: std::collections::HashMap<(i64, i64), Vec<String>> = Default::default();
    for (person, step, name) in development::named_in(&state.db, &org.path).await? {
        named.entry((person, step)).or_default().push(name);
    }
    for (i, l) in lines.iter().enumerate() {
        let names = |step: i64| {
            named
                .get(&(l.person.id, step))
                .map(|n| n.join("、"))
                .unwrap_or_default()
        };
        rows.push(ledger_row(i + 1, l, [names(5), names(9)]));
    }
    let title = format!("{}发展党员工作台账", org.name);
    super::stored::xlsx_response("发展党员工作台账", &title, &rows, &format!("{title}.xlsx"))
}

/// A person's line in the 台账; `[contacts, introducers]` as named.
fn ledger_row(n: usize, l: &Line, [contacts, introducers]: [String; 2]) -> Vec<String> {
    let h = &l.history;
    let on = |step: u8| h.date_of(step).map(format_date).unwrap_or_default();
    let decision = h
        .decision()
        .map(|(d, months)| match d {
            Decision::Extend => format!("{}{months}个月", d.label()),
            _ => d.label().to_string(),
        })
        .unwrap_or_default();
    let p = &l.person;
    vec![
        n.to_string(),
        p.name.clone(),
        crate::domain::member::Gender::from_code(&p.gender)
            .map_or("", |g| g.label())
            .into(),
        p.birth_date.clone(),
        crate::domain::member::Education::from_code(&p.education)
            .map_or("", |e| e.label())
            .into(),
        p.branch_name.clone(),
        l.stage_label().into(),
        on(1),
        on(3),
        contacts,
        on(7),
        introducers,
        on(15),
        on(17),
        decision,
        h.full_member_on().map(format_date).unwrap_or_default(),
        l.due_text(),
        l.window_text(),
        l.state_label().into(),
    ]
}

/// What a member's record says of the path they came by: their 发展党员 file and where the
/// probation stands (extended, cancelled, ended).
pub async fn member_note(state: &AppState, member_id: i64) -> AppResult<Option<(i64, String)>> {
    let Some(id) = development::person_of_member(&state.db, member_id).await? else {
        return Ok(None);
    };
    let mut conn = state.db.conn().await?;
    let person = development::person_in(&mut conn, id).await?;
    let steps = development::steps_of(&mut conn, id).await?;
    drop(conn);
    let h = development::history_of(&person, &steps);
    let extended = h.done.iter().any(|d| {
        d.decision
            .is_some_and(|x| x.0 == crate::domain::development::Decision::Extend)
    });
    let end = h.probation_ends().map(format_date).unwrap_or_default();
    let text = match h.stage() {
        crate::domain::development::Stage::Cancelled => "已取消预备党员资格".to_string(),
        crate::domain::development::Stage::Full => format!("已按期转正（预备期至 {end}）"),
        _ if extended => format!("预备党员，预备期延长至 {end}"),
        _ => format!("预备党员，预备期至 {end}"),
    };
    Ok(Some((id, text)))
}
