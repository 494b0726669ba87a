//! The demo's 领导班子: every organization's committee as last elected, with the superior's
//! approval and, for many, the election before; a few terms ended and not yet renewed
//! (到期未换届), some ending within six months. A branch's committee is who holds its
//! committee offices; a 党委's is drawn from the secretaries below it.
use super::Rng;
use crate::domain::clock::{add_months, local_date, now_epoch};
use crate::domain::committee::{Election, OFFICES, TermState, term_ends, term_state, term_years};
use crate::domain::member::{Post, parse_posts};
use crate::domain::org::OrgType;
use crate::error::AppResult;
use crate::store::{Db, committees, members, orgs, users};
use time::{Date, Duration};

/// The offices of a 党委's or 党总支's committee, in the order they are filled.
const UPPER: &[Post] = &[
    Post::Secretary,
    Post::DeputySecretary,
    Post::Organizer,
    Post::Propaganda,
    Post::Discipline,
    Post::CommitteeMember,
    Post::CommitteeMember,
];

/// When the committee now was elected: mostly within its term, 5 % past it (到期未换届),
/// 8 % with less than six months to go.
fn elected_on(rng: &mut Rng, today: Date, years: i32) -> Date {
    let months = years * 12;
    let back = match rng.below(100) {
        0..=4 => months + rng.range(1, 10) as i32,
        5..=12 => months - rng.range(1, 5) as i32,
        _ => rng.range(2, i64::from(months) - 7) as i32,
    };
    add_months(today, -back) - Duration::days(rng.range(0, 27))
}

/// A branch's seats from its members' committee offices: one 书记 (the first, or the first
/// member when none holds it), the others as they are.
fn branch_seats(holders: &[(i64, String, String)], everyone: &[(i64, String)]) -> Vec<(i64, Post)> {
    let mut seats: Vec<(i64, Post)> = Vec::new();
    for (id, _, posts) in holders {
        if let Some(office) = parse_posts(posts).into_iter().find(|p| OFFICES.contains(p)) {
            let office = match office {
                Post::Secretary if seats.iter().any(|(_, o)| *o == Post::Secretary) => {
                    Post::DeputySecretary
                }
                o => o,
            };
            seats.push((*id, office));
        }
    }
    if !seats.iter().any(|(_, o)| *o == Post::Secretary) {
        match seats.first_mut() {
            Some(first) => first.1 = Post::Secretary,
            None => seats.extend(everyone.first().map(|(id, _)| (*id, Post::Secretary))),
        }
    }
    seats
}

/// Every organization's committee; what it made, and how many terms are past their end.
pub async fn committees_demo(db: &Db, seed: u64) -> AppResult<(String, u32)> {
    let mut rng = Rng(seed ^ 0xC0FF_EE11);
    let today = local_date(now_epoch());
    let now = now_epoch();
    let Some(root) = orgs::root(db).await? else {
        return Ok((String::new(), 0));
    };
    // Recorded by the county's administrator.
    let Some(by) = users::admin_grants(db)
        .await?
        .into_iter()
        .min_by_key(|(_, path)| path.len())
        .map(|(user, _)| user)
    else {
        return Ok((String::new(), 0));
    };
    let (mut made, mut overdue, mut soon, mut renewed) = (0u32, 0u32, 0u32, 0u32);
    for org in orgs::subtree(db, &root.path).await? {
        let Some(years) = term_years(org.kind()).filter(|_| !org.is_dissolved()) else {
            continue;
        };
        // An organization whose elections are recorded already keeps them.
        if !committees::of_org(db, org.id).await?.is_empty() {
            continue;
        }
        let everyone = members::of_org(db, org.id, &org.path).await?;
        let seats = if org.kind().is_branch() {
            branch_seats(&members::office_holders(db, org.id).await?, &everyone)
        } else {
            // Those holding offices come first in `of_org`: the secretaries below.
            UPPER
                .iter()
                .zip(&everyone)
                .map(|(o, (id, _))| (*id, *o))
                .collect()
        };
        if seats.is_empty() || org.kind() == OrgType::PartyGroup {
            continue;
        }
        let elected = elected_on(&mut rng, today, years);
        let mut elections = vec![elected];
        if rng.chance(60) {
            elections.insert(0, term_ends(elected, -years));
        }
        let mut tx = db.begin().await?;
        for (n, on) in elections.iter().enumerate() {
            let approved = *on + Duration::days(rng.range(7, 30));
            let election = Election {
                elected_on: *on,
                term_years: years,
                approved_on: (approved <= today).then_some(approved),
                approval_ref: format!(
                    "{}组〔{}〕{}号",
                    short(&root.name),
                    on.year(),
                    rng.range(3, 60)
                ),
                seats: seats.clone(),
            };
            let last = n + 1 == elections.len();
            committees::record(
                tx.conn(),
                org.id,
                org.kind().is_branch() && last,
                &election,
                by,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        made += 1;
        renewed += u32::from(elections.len() > 1);
        match term_state(term_ends(elected, years), today) {
            TermState::Overdue => overdue += 1,
            TermState::WithinSixMonths | TermState::WithinThreeMonths => soon += 1,
            TermState::Running => {}
        }
    }
    let summary = format!(
        "领导班子：{made}个组织记录了班子（{renewed}个有上一届），{overdue}个到期未换届，{soon}个半年内届满\n"
    );
    Ok((summary, overdue))
}

/// "城关县委" → "城关": the county's short name for 文号.
fn short(name: &str) -> String {
    name.chars().take(2).collect()
}
