//! 关怀帮扶: a member in hardship (困难党员) is registered by their branch with what the
//! hardship is, since when and who verified it, and reviewed every year; visits (慰问) record
//! who went, when and what was given. The county or a town plans its 七一 and 春节 visits; a
//! visit made under a plan ticks the member off.
use super::clock::{add_months, format_date};
use super::dues::{Fen, parse_yuan};
use super::text::{FieldErrors, optional, past_date, required};
use time::Date;

labelled_enum!(HardshipKind {
    Illness => "illness", "因病致困";
    Disability => "disability", "残疾";
    Disaster => "disaster", "因灾致困";
    Elderly => "elderly", "高龄独居";
    Family => "family", "家庭困难";
});

labelled_enum!(Occasion {
    July => "july", "七一";
    SpringFestival => "spring", "春节";
});

pub const DETAIL_MAX_CHARS: usize = 200;
pub const VERIFIER_MAX_CHARS: usize = 50;
pub const VISITORS_MAX_CHARS: usize = 100;
pub const GOODS_MAX_CHARS: usize = 100;
pub const NOTE_MAX_CHARS: usize = 500;
/// The most one visit may give: a county's 慰问金 is hundreds, rarely thousands, of yuan.
pub const MONEY_MAX_FEN: Fen = 10_000_000;
pub const MAX_PHOTOS: usize = 6;

/// A hardship as the branch's form says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hardship {
    pub member_id: i64,
    pub kind: HardshipKind,
    pub detail: String,
    pub since: Date,
    pub verified_by: String,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct HardshipEntry<'a> {
    pub member: &'a str,
    pub kind: &'a str,
    pub detail: &'a str,
    pub since: &'a str,
    pub verified_by: &'a str,
}

/// Checks a hardship: one of `members`, a kind, what it is, since a day that has come and who
/// verified it (a hardship is registered on someone's word).
pub fn parse_hardship(
    e: &HardshipEntry,
    members: &[i64],
    today: Date,
) -> Result<Hardship, FieldErrors> {
    let mut errors = FieldErrors::default();
    let member_id = one_of(e.member, members);
    if member_id.is_none() {
        errors.add("member", "请选择本支部的党员");
    }
    let kind = HardshipKind::from_code(e.kind);
    if kind.is_none() {
        errors.add("kind", "请选择困难类型");
    }
    let detail = errors.check(
        "detail",
        required(e.detail, DETAIL_MAX_CHARS).map_err(|m| format!("困难情况：{m}")),
    );
    let since = errors.check(
        "since",
        past_date(e.since, "困难开始时间", None, today).map(Some),
    );
    let verified_by = errors.check(
        "verified_by",
        required(e.verified_by, VERIFIER_MAX_CHARS).map_err(|m| format!("核实人：{m}")),
    );
    match (member_id, kind, since) {
        (Some(member_id), Some(kind), Some(since)) if errors.is_empty() => Ok(Hardship {
            member_id,
            kind,
            detail,
            since,
            verified_by,
        }),
        _ => Err(errors),
    }
}

fn one_of(value: &str, allowed: &[i64]) -> Option<i64> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|v| allowed.contains(v))
}

/// The day a hardship is next to be reviewed: a year after its last review (29 February's
/// falls on 28 February).
pub fn review_due(reviewed_on: Date) -> Date {
    add_months(reviewed_on, 12)
}

/// A visit (慰问) as its form says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub member_id: i64,
    pub plan_id: Option<i64>,
    pub visited_on: Date,
    pub visitors: String,
    pub money_fen: Fen,
    pub goods: String,
    pub note: String,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct VisitEntry<'a> {
    pub member: &'a str,
    pub plan: &'a str,
    pub visited_on: &'a str,
    pub visitors: &'a str,
    pub money: &'a str,
    pub goods: &'a str,
    pub note: &'a str,
}

/// Checks a visit: one of `members`, a day that has come, who went, and what was given —
/// money (yuan, to the fen), goods, or both; a plan, when named, one of `plans`.
pub fn parse_visit(
    e: &VisitEntry,
    members: &[i64],
    plans: &[i64],
    today: Date,
) -> Result<Visit, FieldErrors> {
    let mut errors = FieldErrors::default();
    let member_id = one_of(e.member, members);
    if member_id.is_none() {
        errors.add("member", "请选择本支部的党员");
    }
    let plan_id = match e.plan.trim() {
        "" => None,
        p => {
            let plan = one_of(p, plans);
            if plan.is_none() {
                errors.add("plan", "请选择进行中的慰问计划");
            }
            plan
        }
    };
    let visited_on = errors.check(
        "visited_on",
        past_date(e.visited_on, "慰问日期", None, today).map(Some),
    );
    let visitors = errors.check(
        "visitors",
        required(e.visitors, VISITORS_MAX_CHARS).map_err(|m| format!("慰问人：{m}")),
    );
    let money_fen = match e.money.trim() {
        "" => 0,
        m => errors.check(
            "money",
            parse_yuan(m)
                .map_err(|e| format!("慰问金：{e}"))
                .and_then(|f| {
                    if f > MONEY_MAX_FEN {
                        Err("慰问金过大，请核对（单次不超过10万元）".into())
                    } else {
                        Ok(f)
                    }
                }),
        ),
    };
    let goods = errors.check(
        "goods",
        optional(e.goods, GOODS_MAX_CHARS).map_err(|m| format!("慰问物品：{m}")),
    );
    if money_fen == 0 && goods.is_empty() && !errors.has("money") && !errors.has("goods") {
        errors.add("money", "请填写慰问金或慰问物品");
    }
    let note = errors.check(
        "note",
        optional(e.note, NOTE_MAX_CHARS).map_err(|m| format!("情况记录：{m}")),
    );
    match (member_id, visited_on) {
        (Some(member_id), Some(visited_on)) if errors.is_empty() => Ok(Visit {
            member_id,
            plan_id,
            visited_on,
            visitors,
            money_fen,
            goods,
            note,
        }),
        _ => Err(errors),
    }
}

/// A plan as its form says it: which occasion, which year, and the day its visits are due.
pub fn parse_plan(
    occasion: &str,
    year: &str,
    due_on: &str,
    today: Date,
) -> Result<(Occasion, i32, Date), FieldErrors> {
    let mut errors = FieldErrors::default();
    let occasion = Occasion::from_code(occasion);
    if occasion.is_none() {
        errors.add("occasion", "请选择七一或春节");
    }
    let year = year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (today.year() - 1..=today.year() + 1).contains(y));
    if year.is_none() {
        errors.add(
            "year",
            format!("年度应为{}至{}年", today.year() - 1, today.year() + 1),
        );
    }
    let due = super::clock::parse_date(due_on.trim());
    match due {
        None => errors.add("due_on", "请填写完成日期，如 2027-02-10"),
        Some(d) if year.is_some_and(|y| (d.year() - y).abs() > 1) => {
            errors.add("due_on", "完成日期应在计划年度前后")
        }
        _ => {}
    }
    match (occasion, year, due) {
        (Some(o), Some(y), Some(d)) if errors.is_empty() => Ok((o, y, d)),
        _ => Err(errors),
    }
}

/// "2027年春节慰问".
pub fn plan_title(occasion: Occasion, year: i64) -> String {
    format!("{year}年{}慰问", occasion.label())
}

/// "截至2027-02-10".
pub fn due_text(due: Date) -> String {
    format!("截至{}", format_date(due))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_hardship_needs_a_member_of_the_branch_a_kind_and_who_verified_it() {
        let today = date!(2026 - 12 - 07);
        let ok = HardshipEntry {
            member: "7",
            kind: "illness",
            detail: "患尿毒症，每周透析三次",
            since: "2025-03-01",
            verified_by: "村委会 李主任",
        };
        let h = parse_hardship(&ok, &[7], today).unwrap();
        assert_eq!(h.kind, HardshipKind::Illness);
        let errors = parse_hardship(
            &HardshipEntry {
                member: "8",
                kind: "rich",
                since: "2026-12-08",
                ..ok
            },
            &[7],
            today,
        )
        .unwrap_err();
        assert!(errors.has("member") && errors.has("kind"));
        assert_eq!(errors.get("since"), "困难开始时间不能晚于今天");
        let blank = parse_hardship(&HardshipEntry::default(), &[7], today).unwrap_err();
        assert_eq!(blank.get("verified_by"), "核实人：此项必填");
    }

    #[test]
    fn a_hardship_is_reviewed_a_year_on_and_a_leap_day_falls_on_the_28th() {
        assert_eq!(review_due(date!(2025 - 12 - 07)), date!(2026 - 12 - 07));
        assert_eq!(review_due(date!(2024 - 02 - 29)), date!(2025 - 02 - 28));
    }

    #[test]
    fn a_visit_gives_money_to_the_fen_or_goods_and_only_under_an_open_plan() {
        let today = date!(2027 - 01 - 25);
        let ok = VisitEntry {
            member: "7",
            plan: "3",
            visited_on: "2027-01-25",
            visitors: "镇党委书记 刘明，村党支部书记 李强",
            money: "500",
            goods: "米一袋、油一桶",
            note: "",
        };
        let v = parse_visit(&ok, &[7], &[3], today).unwrap();
        assert_eq!((v.money_fen, v.plan_id), (50_000, Some(3)));
        let cents = parse_visit(
            &VisitEntry {
                money: "300.5",
                goods: "",
                plan: "",
                ..ok
            },
            &[7],
            &[],
            today,
        )
        .unwrap();
        assert_eq!((cents.money_fen, cents.plan_id), (30_050, None));
        let nothing = parse_visit(
            &VisitEntry {
                money: "",
                goods: "",
                ..ok
            },
            &[7],
            &[3],
            today,
        )
        .unwrap_err();
        assert_eq!(nothing.get("money"), "请填写慰问金或慰问物品");
        let wrong = parse_visit(
            &VisitEntry {
                plan: "4",
                money: "-5",
                visited_on: "2027-01-26",
                ..ok
            },
            &[7],
            &[3],
            today,
        )
        .unwrap_err();
        assert!(wrong.has("plan") && wrong.has("money") && wrong.has("visited_on"));
        assert!(
            parse_visit(
                &VisitEntry {
                    money: "100001",
                    ..ok
                },
                &[7],
                &[3],
                today
            )
            .unwrap_err()
            .get("money")
            .contains("过大")
        );
    }

    #[test]
    fn a_plan_is_for_this_year_or_the_next_with_a_day_near_it() {
        let today = date!(2026 - 12 - 07);
        let (o, y, d) = parse_plan("spring", "2027", "2027-02-05", today).unwrap();
        assert_eq!(
            (o, y, d),
            (Occasion::SpringFestival, 2027, date!(2027 - 02 - 05))
        );
        assert_eq!(plan_title(o, 2027), "2027年春节慰问");
        let e = parse_plan("", "2030", "2031-13-01", today).unwrap_err();
        assert!(e.has("occasion") && e.has("year") && e.has("due_on"));
        assert!(
            parse_plan("july", "2027", "2030-07-01", today)
                .unwrap_err()
                .has("due_on")
        );
    }
}
