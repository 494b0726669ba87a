//! Rankings kept in memory as order-statistic boards (points and badges × branch, town,
//! county × week, month, year, all time). They catch up from the points ledger and the
//! badges by id before every read, so a credit or a badge is ranked the moment it is
//! committed, by whichever instance wrote it.
use crate::domain::clock::local_date;
use crate::domain::org::path_ids;
use crate::domain::ranking::{Board, Tally};
use crate::error::AppResult;
use crate::store::{Db, points};
use std::collections::HashMap;
use time::{Date, Duration};
use tokio::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Week,
    Month,
    Year,
    All,
}

impl Period {
    pub const ALL: [Period; 4] = [Period::Week, Period::Month, Period::Year, Period::All];

    pub fn code(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
            Period::Year => "year",
            Period::All => "all",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Period::Week => "本周",
            Period::Month => "本月",
            Period::Year => "本年",
            Period::All => "累计",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == s)
    }

    /// The first day of the period containing `day` (weeks start on Monday).
    pub fn start(self, day: Date) -> Date {
        match self {
            Period::Week => {
                day - Duration::days(i64::from(day.weekday().number_days_from_monday()))
            }
            Period::Month => day.replace_day(1).expect("day 1 exists"),
            Period::Year => day
                .replace_day(1)
                .and_then(|d| d.replace_month(time::Month::January))
                .expect("1 January exists"),
            Period::All => Date::MIN,
        }
    }
}

/// Where a member is ranked: branch, town (the county's direct child above the branch) and county.
#[derive(Debug, Clone, Copy)]
struct Scopes {
    branch: i64,
    town: i64,
    county: i64,
}

/// On PostgreSQL a lower id can commit after a higher one: ids skipped over stay "gaps" and
/// are looked for again until this many newer ids have been applied (a rolled-back insert
/// leaves a gap for good).
const REREAD: i64 = 1000;
/// Ledger entries read per look.
const BATCH: usize = 100_000;
/// Gaps are looked for again at most this often: a refused insert on PostgreSQL leaves one
/// for good, and a list of hundreds of ids re-planned before every read made the ranking
/// page five times slower there. Only a credit committed out of id order waits this long.
const GAPS_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// How far the boards of one tally have read its rows.
#[derive(Default)]
struct Cursor {
    /// Whether the boards were built from the rows yet.
    warm: bool,
    last_id: i64,
    /// Ids at most `REREAD` below `last_id` not seen yet.
    gaps: std::collections::BTreeSet<i64>,
    gaps_read_at: Option<std::time::Instant>,
}

type BoardKey = (Tally, i64, Period, Date);

#[derive(Default)]
struct State {
    /// When the last catch-up began: it applied everything committed before then.
    caught_up_from: Option<std::time::Instant>,
    /// The day the boards were last trimmed to the current periods.
    day: Option<Date>,
    cursors: HashMap<Tally, Cursor>,
    scopes: HashMap<i64, Scopes>,
    boards: HashMap<BoardKey, Board>,
}

#[derive(Default)]
pub struct Rankings {
    state: Mutex<State>,
}

fn scopes_of(path: &str, branch: i64) -> Scopes {
    let ids = path_ids(path);
    Scopes {
        branch,
        town: ids.get(1).copied().unwrap_or(branch),
        county: ids.first().copied().unwrap_or(branch),
    }
}

async fn member_scopes(db: &Db, member: i64) -> AppResult<Scopes> {
    let (branch, path) = crate::store::members::placement(db, member).await?;
    Ok(scopes_of(&path, branch))
}

pub struct Standing {
    pub top: Vec<(i64, i64, i64)>,
    pub my_rank: i64,
    pub my_score: i64,
    pub ranked: usize,
}

impl Rankings {
    /// Applies ledger entries and badges committed since the last look: new ids and old
    /// gaps. The first caller builds the boards. A reader that asked at `asked` and waited
    /// for the lock while another caught up needs no look of its own: that one began after
    /// it asked, so it saw every credit committed before (its own among them). Readers at
    /// once then share one look instead of queueing a look each behind the lock.
    async fn catch_up(
        &self,
        db: &Db,
        state: &mut State,
        asked: std::time::Instant,
    ) -> AppResult<()> {
        if state.caught_up_from.is_some_and(|from| from >= asked) {
            return Ok(());
        }
        let from = std::time::Instant::now();
        let today = local_date(crate::domain::clock::now_epoch());
        // A new day may begin a new week, month or year: last period's boards go.
        if state.day.is_some_and(|d| d != today) {
            state
                .boards
                .retain(|(_, _, period, start), _| *start == period.start(today));
        }
        state.day = Some(today);
        for tally in Tally::ALL {
            self.catch_up_tally(db, state, tally, today).await?;
        }
        state.caught_up_from = Some(from);
        Ok(())
    }

    async fn catch_up_tally(
        &self,
        db: &Db,
        state: &mut State,
        tally: Tally,
        today: Date,
    ) -> AppResult<()> {
        let cursor = state.cursors.entry(tally).or_default();
        if !cursor.warm {
            return self.build(db, state, tally, today).await;
        }
        let floor = cursor.last_id - REREAD;
        cursor.gaps = cursor.gaps.split_off(&floor);
        // New rows; and when it is time to look for gaps again, the rows from the oldest gap
        // on (those already applied are passed over below).
        let after = match (cursor.gaps.first(), cursor.gaps_read_at) {
            (Some(_), Some(at)) if at.elapsed() < GAPS_EVERY => cursor.last_id,
            (Some(oldest), _) => {
                cursor.gaps_read_at = Some(std::time::Instant::now());
                oldest - 1
            }
            (None, _) => cursor.last_id,
        };
        let rows = points::entries_after(db, tally, after, BATCH).await?;
        let more = rows.len() == BATCH;
        for (id, member, delta, at) in rows {
            let cursor = state.cursors.entry(tally).or_default();
            if id > cursor.last_id {
                cursor.gaps.extend(cursor.last_id + 1..id);
                cursor.last_id = id;
            } else if !cursor.gaps.remove(&id) {
                continue;
            }
            if delta != 0 {
                let scopes = self.scopes_in(db, state, member).await?;
                Self::apply(state, tally, scopes, member, delta, local_date(at), today);
            }
        }
        if more {
            return Box::pin(self.catch_up_tally(db, state, tally, today)).await;
        }
        Ok(())
    }

    fn apply(
        state: &mut State,
        tally: Tally,
        scopes: Scopes,
        member: i64,
        delta: i64,
        day: Date,
        today: Date,
    ) {
        for period in Period::ALL {
            let start = period.start(day);
            // Only the current week, month and year are ranked; older entries count for all
            // time alone.
            if start != period.start(today) {
                continue;
            }
            Self::add(state, (tally, period, start), scopes, member, delta);
        }
    }

    /// Adds to a member's score on their branch's, town's and county's boards for a tally
    /// and period.
    fn add(
        state: &mut State,
        (tally, period, start): (Tally, Period, Date),
        scopes: Scopes,
        member: i64,
        amount: i64,
    ) {
        for scope in [scopes.branch, scopes.town, scopes.county] {
            state
                .boards
                .entry((tally, scope, period, start))
                .or_default()
                .add(member, amount);
        }
    }

    async fn scopes_in(&self, db: &Db, state: &mut State, member: i64) -> AppResult<Scopes> {
        Ok(match state.scopes.get(&member) {
            Some(s) => *s,
            None => {
                let s = member_scopes(db, member).await?;
                state.scopes.insert(member, s);
                s
            }
        })
    }

    /// Builds a tally's boards at start (so the first reader hardly waits): where every
    /// member is ranked, then one sum per member and period from a single snapshot.
    async fn build(&self, db: &Db, state: &mut State, tally: Tally, today: Date) -> AppResult<()> {
        if state.scopes.is_empty() {
            Self::load_scopes_into(db, state).await?;
        }
        let since = |p: Period| crate::domain::clock::day_start(p.start(today));
        let starts = [
            since(Period::Year),
            since(Period::Month),
            since(Period::Week),
        ];
        let points::LedgerSnapshot { cut, sums, present } =
            points::snapshot(db, tally, starts, REREAD).await?;
        for (member, all, year, month, week) in sums {
            let scopes = self.scopes_in(db, state, member).await?;
            let periods = [
                (Period::All, all),
                (Period::Year, year),
                (Period::Month, month),
                (Period::Week, week),
            ];
            for (period, sum) in periods.into_iter().filter(|p| p.1 != 0) {
                Self::add(
                    state,
                    (tally, period, period.start(today)),
                    scopes,
                    member,
                    sum,
                );
            }
        }
        state.cursors.insert(
            tally,
            Cursor {
                warm: true,
                gaps_read_at: None,
                last_id: cut,
                gaps: ((cut - REREAD).max(0) + 1..=cut)
                    .filter(|id| !present.contains(id))
                    .collect(),
            },
        );
        Ok(())
    }

    /// Builds the boards now rather than at the first reader's request.
    pub async fn warm(&self, db: &Db) -> AppResult<()> {
        let asked = std::time::Instant::now();
        let mut state = self.state.lock().await;
        self.catch_up(db, &mut state, asked).await
    }

    /// A member moved to another branch: their points go with them to the new branch's
    /// (and, if it changed, town's) boards for every period.
    pub async fn moved(&self, db: &Db, member: i64) -> AppResult<()> {
        let new = member_scopes(db, member).await?;
        let mut state = self.state.lock().await;
        let Some(old) = state.scopes.insert(member, new) else {
            return Ok(());
        };
        let pairs = [
            (old.branch, new.branch),
            (old.town, new.town),
            (old.county, new.county),
        ];
        let keys: Vec<BoardKey> = state
            .boards
            .keys()
            .filter(|(_, scope, ..)| pairs.iter().any(|(o, n)| o == scope && o != n))
            .copied()
            .collect();
        for (tally, scope, period, start) in keys {
            let Some(&(_, target)) = pairs.iter().find(|(o, _)| *o == scope) else {
                continue;
            };
            let score = state
                .boards
                .get_mut(&(tally, scope, period, start))
                .and_then(|b| b.remove(member));
            if let Some(score) = score {
                state
                    .boards
                    .entry((tally, target, period, start))
                    .or_default()
                    .add(member, score);
            }
        }
        Ok(())
    }

    async fn load_scopes_into(db: &Db, state: &mut State) -> AppResult<()> {
        for (member, branch, path) in crate::store::members::placements(db).await? {
            state.scopes.insert(member, scopes_of(&path, branch));
        }
        Ok(())
    }

    /// The top `n` of a board — a tally of a scope in a period, the one containing
    /// `today` — and `member`'s place, with every credit committed before `asked` (when the
    /// page was asked for: a page's several boards then share one look).
    pub async fn standing(
        &self,
        db: &Db,
        asked: std::time::Instant,
        (tally, scope, period): (Tally, i64, Period),
        today: Date,
        member: i64,
        n: usize,
    ) -> AppResult<Standing> {
        let mut state = self.state.lock().await;
        self.catch_up(db, &mut state, asked).await?;
        let key = (tally, scope, period, period.start(today));
        let board = state.boards.get(&key);
        Ok(match board {
            Some(b) => {
                let my_score = b.score(member).unwrap_or(0);
                Standing {
                    top: b.top(n),
                    my_rank: b.rank_of_score(my_score),
                    my_score,
                    ranked: b.len(),
                }
            }
            None => Standing {
                top: vec![],
                my_rank: 1,
                my_score: 0,
                ranked: 0,
            },
        })
    }

    /// Points of each scope (summed over its members) in the current period, with every
    /// credit committed before `asked`.
    pub async fn totals(
        &self,
        db: &Db,
        asked: std::time::Instant,
        scopes: &[i64],
        period: Period,
        today: Date,
    ) -> AppResult<HashMap<i64, i64>> {
        let mut state = self.state.lock().await;
        self.catch_up(db, &mut state, asked).await?;
        let start = period.start(today);
        Ok(scopes
            .iter()
            .map(|s| {
                (
                    *s,
                    state
                        .boards
                        .get(&(Tally::Points, *s, period, start))
                        .map(Board::total)
                        .unwrap_or(0),
                )
            })
            .collect())
    }

    /// The member's scopes as (branch, town, county).
    pub async fn scopes(&self, db: &Db, member: i64) -> AppResult<(i64, i64, i64)> {
        let mut state = self.state.lock().await;
        let s = self.scopes_in(db, &mut state, member).await?;
        Ok((s.branch, s.town, s.county))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn period_starts() {
        // 2026-11-27 is a Friday.
        assert_eq!(
            Period::Week.start(date!(2026 - 11 - 27)),
            date!(2026 - 11 - 23)
        );
        assert_eq!(
            Period::Week.start(date!(2026 - 11 - 23)),
            date!(2026 - 11 - 23)
        );
        // A week across the new year starts in the old one.
        assert_eq!(
            Period::Week.start(date!(2027 - 01 - 01)),
            date!(2026 - 12 - 28)
        );
        assert_eq!(
            Period::Month.start(date!(2024 - 02 - 29)),
            date!(2024 - 02 - 01)
        );
        assert_eq!(
            Period::Year.start(date!(2024 - 02 - 29)),
            date!(2024 - 01 - 01)
        );
    }
}
