//! Importing a county's roster (组织架构, 党员名册) from a spreadsheet: read, check every row,
//! plan against what is stored, then write all of it in one transaction or nothing. The
//! console and the command line both go through here.
use crate::crypto::{Keys, one_time_password};
use crate::domain::clock::{local_date, now_epoch};
use crate::domain::policy::Actor;
use crate::domain::roster::{
    self, BranchRef, MemberChange, OrgChange, Parent, PlannedMember, PlannedOrg, Problem, Tally,
};
use crate::error::AppResult;
use crate::store::{Db, audit, roster as store};
use std::collections::HashMap;

pub use crate::domain::roster::Kind;

/// A checked file, ready to write.
#[derive(Debug, Clone)]
pub enum Plan {
    Orgs(Vec<PlannedOrg>),
    Members(Vec<PlannedMember>),
}

impl Plan {
    pub fn tally(&self) -> Tally {
        match self {
            Plan::Orgs(p) => Tally::of_orgs(p),
            Plan::Members(p) => Tally::of_members(p),
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Plan::Orgs(_) => Kind::Orgs,
            Plan::Members(_) => Kind::Members,
        }
    }

    /// The rows that change something, as the preview lists them: row number, what happens,
    /// the name, and where.
    pub fn changes(&self) -> Vec<(u32, &'static str, String, String)> {
        match self {
            Plan::Orgs(plan) => plan
                .iter()
                .filter_map(|p| {
                    let what = match p.change {
                        OrgChange::Create { .. } => "新建",
                        OrgChange::Update { .. } => "更新",
                        OrgChange::Unchanged { .. } => return None,
                    };
                    let r = &p.row;
                    let at = format!("{} · {}", r.record.kind.label(), r.parent);
                    Some((r.row, what, r.record.name.clone(), at))
                })
                .collect(),
            Plan::Members(plan) => plan
                .iter()
                .filter_map(|p| {
                    let what = match p.change {
                        MemberChange::Create => "新增",
                        MemberChange::Update {
                            moved_from: Some(_),
                            ..
                        } => "更新并转接",
                        MemberChange::Update { .. } => "更新",
                        MemberChange::Unchanged { .. } => return None,
                    };
                    let r = &p.row.record;
                    Some((
                        p.row.row,
                        what,
                        r.name.clone(),
                        r.status.label().to_string(),
                    ))
                })
                .collect(),
        }
    }
}

/// Reads and checks a file for `actor` (none: the command line, which may do anything).
/// `Ok(Err(problems))` is a file with problems: nothing may be written from it.
pub async fn check(
    db: &Db,
    keys: &Keys,
    kind: Kind,
    bytes: Vec<u8>,
    actor: Option<&Actor>,
) -> AppResult<Result<Plan, Vec<Problem>>> {
    let rows =
        match tokio::task::spawn_blocking(move || crate::spreadsheet::read_rows(&bytes)).await? {
            Ok(rows) => rows,
            Err(message) => {
                return Ok(Err(vec![Problem {
                    row: 0,
                    column: String::new(),
                    message,
                }]));
            }
        };
    Ok(match kind {
        Kind::Orgs => check_orgs(db, &rows, actor).await?.map(Plan::Orgs),
        Kind::Members => check_members(db, keys, &rows, actor)
            .await?
            .map(Plan::Members),
    })
}

async fn check_orgs(
    db: &Db,
    rows: &[crate::spreadsheet::Row],
    actor: Option<&Actor>,
) -> AppResult<Result<Vec<PlannedOrg>, Vec<Problem>>> {
    let parsed = match roster::parse_org_rows(rows) {
        Ok(p) => p,
        Err(problems) => return Ok(Err(problems)),
    };
    let stored = store::stored_orgs(db).await?;
    let plan = match roster::plan_orgs(parsed, &stored) {
        Ok(p) => p,
        Err(problems) => return Ok(Err(problems)),
    };
    let Some(actor) = actor else {
        return Ok(Ok(plan));
    };
    // The console imports only where its administrator may shape the tree.
    let path_of: HashMap<i64, &str> = stored.iter().map(|o| (o.id, o.path.as_str())).collect();
    let problems: Vec<Problem> = plan
        .iter()
        .filter(|p| {
            let kind = p.row.record.kind;
            match p.change {
                OrgChange::Create {
                    parent: Parent::Stored(id),
                } => !actor.may_add_child(path_of[&id], kind),
                OrgChange::Create {
                    parent: Parent::Root,
                } => true,
                OrgChange::Create { .. } => false,
                OrgChange::Update { id } => !actor.may_shape_org(path_of[&id], kind),
                OrgChange::Unchanged { .. } => false,
            }
        })
        .map(|p| Problem {
            row: p.row.row,
            column: "上级组织".into(),
            message: format!("找不到“{}”或无权在其下新建、修改组织", p.row.parent),
        })
        .collect();
    Ok(if problems.is_empty() {
        Ok(plan)
    } else {
        Err(problems)
    })
}

async fn check_members(
    db: &Db,
    keys: &Keys,
    rows: &[crate::spreadsheet::Row],
    actor: Option<&Actor>,
) -> AppResult<Result<Vec<PlannedMember>, Vec<Problem>>> {
    // The branches a row may name: those the administrator manages (all, on the command line).
    let roots: Vec<String> = match actor {
        Some(a) => a.admin_roots().iter().map(|r| r.to_string()).collect(),
        None => crate::store::orgs::root(db)
            .await?
            .map(|r| vec![r.path])
            .unwrap_or_default(),
    };
    let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
    let store::Branches { by_code, by_name } = store::branches(db, &roots).await?;
    let branch = |written: &str| -> Result<BranchRef, String> {
        if written.is_empty() {
            return Err("请填写所在支部的名称或编码".into());
        }
        if let Some(b) = by_code.get(written) {
            return Ok(b.clone());
        }
        match by_name.get(written).map(Vec::as_slice) {
            Some([one]) => Ok(one.clone()),
            Some([_, _, ..]) => Err(format!("有多个支部名为“{written}”，请改填支部的编码")),
            _ => Err(format!("找不到党支部“{written}”（须先导入组织架构）")),
        }
    };
    let today = local_date(now_epoch());
    let parsed = match roster::parse_member_rows(rows, &branch, today) {
        Ok(p) => p,
        Err(problems) => return Ok(Err(problems)),
    };
    let stored = store::stored_members(db, keys).await?;
    let owners = store::phone_owners(db).await?;
    let found = |id: &str| stored.get(id).cloned();
    let owner = |phone: &str| {
        keys.lookup_hashes("phone", phone)
            .iter()
            .find_map(|h| owners.get(h).copied())
    };
    let plan = match roster::plan_members(parsed, &found, &owner) {
        Ok(p) => p,
        Err(problems) => return Ok(Err(problems)),
    };
    // A member found by ID number elsewhere in the county is another administrator's.
    let outside: Vec<Problem> = match actor {
        None => Vec::new(),
        Some(actor) => {
            let placements: HashMap<i64, String> = crate::store::members::placements(db)
                .await?
                .into_iter()
                .map(|(member, _, path)| (member, path))
                .collect();
            plan.iter()
                .filter(|p| match p.change {
                    MemberChange::Update { id, .. } | MemberChange::Unchanged { id } => !placements
                        .get(&id)
                        .is_some_and(|path| actor.may_manage_member(path)),
                    MemberChange::Create => false,
                })
                .map(|p| Problem {
                    row: p.row.row,
                    column: "身份证号".into(),
                    message: "该党员已在其他组织的名册中，请由其所在组织办理转接".into(),
                })
                .collect()
        }
    };
    Ok(if outside.is_empty() {
        Ok(plan)
    } else {
        Err(outside)
    })
}

/// Who imports, for the audit log and the transfers a member import records.
pub struct Importer {
    pub actor: audit::Actor,
    pub user_id: i64,
}

/// Writes a checked plan in one transaction; `progress(done, total)` is called as rows are
/// written. Nothing is written when anything fails.
pub async fn apply(
    db: &Db,
    keys: &Keys,
    plan: &Plan,
    who: &Importer,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> AppResult<Tally> {
    let now = now_epoch();
    let tally = plan.tally();
    let mut tx = db.begin().await?;
    match plan {
        Plan::Orgs(plan) => {
            let mut created: Vec<i64> = Vec::with_capacity(plan.len());
            for (done, p) in plan.iter().enumerate() {
                let code = p.row.code.as_deref();
                let id = match p.change {
                    OrgChange::Create { parent } => {
                        let parent = match parent {
                            Parent::Root => None,
                            Parent::Stored(id) => Some(id),
                            Parent::Planned(i) => Some(created[i]),
                        };
                        store::create_org(tx.conn(), parent, &p.row.record, code, now).await?
                    }
                    OrgChange::Update { id } => {
                        store::update_org(tx.conn(), id, &p.row.record, code, now).await?;
                        id
                    }
                    OrgChange::Unchanged { id } => id,
                };
                created.push(id);
                progress(done + 1, plan.len());
            }
        }
        Plan::Members(plan) => {
            for (done, p) in plan.iter().enumerate() {
                let record = &p.row.record;
                let id = match p.change {
                    MemberChange::Create => {
                        let code = one_time_password();
                        store::create_member(tx.conn(), keys, record, &code, now).await?
                    }
                    MemberChange::Update { id, moved_from } => {
                        let code = one_time_password();
                        let when = (who.user_id, now);
                        store::update_member(tx.conn(), keys, id, record, moved_from, &code, when)
                            .await?;
                        id
                    }
                    MemberChange::Unchanged { id } => id,
                };
                if let Some(a) = &p.row.dues {
                    crate::store::dues::assess(tx.conn(), keys, id, a, who.user_id, now).await?;
                }
                if done % 200 == 199 || done + 1 == plan.len() {
                    progress(done + 1, plan.len());
                }
            }
        }
    }
    let detail = format!(
        "新建{}，更新{}，未变{}",
        tally.created, tally.updated, tally.unchanged
    );
    let what = format!("导入{}", plan.kind().label());
    audit::append(tx.conn(), &who.actor, &what, "名册导入", audit::OK, &detail).await?;
    tx.commit().await?;
    db.refresh_statistics().await?;
    Ok(tally)
}

/// Where a console import stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Checked and shown; waiting for the administrator to confirm.
    Checked,
    Running {
        done: usize,
        total: usize,
    },
    Done(Tally),
    Failed(String),
}

struct Held {
    owner: i64,
    file_name: String,
    plan: std::sync::Arc<Plan>,
    status: Status,
    at: std::time::Instant,
}

/// Console imports between the preview and the result, in this server's memory: a preview
/// keeps its checked plan (so that confirming writes what was shown), and a running import
/// its progress. Each is its uploader's alone and forgotten after an hour.
#[derive(Default)]
pub struct Imports(std::sync::Mutex<HashMap<String, Held>>);

const KEPT_FOR: std::time::Duration = std::time::Duration::from_secs(3600);

impl Imports {
    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<String, Held>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps a checked plan for its owner; the token names it in the console's addresses.
    pub fn hold(&self, owner: i64, file_name: &str, plan: Plan) -> String {
        let token = crate::crypto::random_token();
        let mut held = self.held();
        held.retain(|_, h| h.at.elapsed() < KEPT_FOR || matches!(h.status, Status::Running { .. }));
        held.insert(
            token.clone(),
            Held {
                owner,
                file_name: file_name.to_string(),
                plan: std::sync::Arc::new(plan),
                status: Status::Checked,
                at: std::time::Instant::now(),
            },
        );
        token
    }

    /// The plan, its file's name and where it stands, for its owner only.
    pub fn get(&self, token: &str, owner: i64) -> Option<(std::sync::Arc<Plan>, String, Status)> {
        self.held()
            .get(token)
            .filter(|h| h.owner == owner)
            .map(|h| (h.plan.clone(), h.file_name.clone(), h.status.clone()))
    }

    /// Marks a checked plan as running and hands it over, once: a second confirmation (a
    /// double click, a reload) finds it running and writes nothing.
    pub fn start(&self, token: &str, owner: i64) -> Option<std::sync::Arc<Plan>> {
        let mut held = self.held();
        let h = held.get_mut(token).filter(|h| h.owner == owner)?;
        if h.status != Status::Checked {
            return None;
        }
        h.status = Status::Running { done: 0, total: 0 };
        h.at = std::time::Instant::now();
        Some(h.plan.clone())
    }

    pub fn set(&self, token: &str, status: Status) {
        if let Some(h) = self.held().get_mut(token) {
            h.status = status;
            h.at = std::time::Instant::now();
        }
    }
}
