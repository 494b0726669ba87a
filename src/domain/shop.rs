//! 积分商城: what a prize must hold (its price in points, badges or both), and an order's
//! life (待领取 → 已领取, or 已取消 with the points and badges returned).
use super::badges::prize_badge_label;
use super::text::{FieldErrors, optional, required};

labelled_enum!(OrderStatus {
    Pending => "pending", "待领取";
    Collected => "collected", "已领取";
    Cancelled => "cancelled", "已取消";
});

pub const NAME_MAX_CHARS: usize = 40;
pub const DESCRIPTION_MAX_CHARS: usize = 200;
pub const PRICE_RANGE: std::ops::RangeInclusive<i64> = 0..=100_000;
pub const BADGE_PRICE_RANGE: std::ops::RangeInclusive<i64> = 0..=100;
pub const RESTOCK_RANGE: std::ops::RangeInclusive<i64> = 1..=100_000;
pub const STOCK_RANGE: std::ops::RangeInclusive<i64> = 0..=100_000;
pub const MONTHLY_LIMIT_RANGE: std::ops::RangeInclusive<i64> = 1..=100;
pub const REQUIRED_BADGES_RANGE: std::ops::RangeInclusive<i64> = 0..=1000;

/// What an administrator typed for a prize.
#[derive(Default)]
pub struct PrizeInput<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub price: &'a str,
    pub stock: &'a str,
    pub monthly_limit: &'a str,
    pub required_badges: &'a str,
    /// A badge key, or empty for none.
    pub required_badge: &'a str,
    /// Badges spent on it.
    pub badge_price: &'a str,
}

/// A prize that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrizeTerms {
    pub name: String,
    pub description: String,
    pub price: i64,
    pub stock: i64,
    pub monthly_limit: i64,
    pub required_badges: i64,
    pub required_badge: String,
    pub badge_price: i64,
}

/// A whole number in `range`, or the message saying so.
pub fn number_in(
    value: &str,
    range: &std::ops::RangeInclusive<i64>,
    what: &str,
) -> Result<i64, String> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| format!("{what}应为{}到{}之间的整数", range.start(), range.end()))
}

pub fn parse_prize(input: &PrizeInput) -> Result<PrizeTerms, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", required(input.name, NAME_MAX_CHARS));
    let description = errors.check(
        "description",
        optional(input.description, DESCRIPTION_MAX_CHARS),
    );
    let price = errors.check("price", number_in(input.price, &PRICE_RANGE, "所需积分"));
    let stock = errors.check("stock", number_in(input.stock, &STOCK_RANGE, "库存"));
    let monthly_limit = errors.check(
        "monthly_limit",
        number_in(input.monthly_limit, &MONTHLY_LIMIT_RANGE, "每人每月限兑"),
    );
    let required_badges = errors.check(
        "required_badges",
        number_in(input.required_badges, &REQUIRED_BADGES_RANGE, "所需徽章"),
    );
    // Left blank, a prize costs no badges.
    let badge_price = match input.badge_price.trim() {
        "" => 0,
        typed => errors.check(
            "badge_price",
            number_in(typed, &BADGE_PRICE_RANGE, "所需徽章"),
        ),
    };
    if !errors.has("price") && !errors.has("badge_price") && price == 0 && badge_price == 0 {
        errors.add("price", "请设置价格：所需积分和所需徽章至少一项大于0");
    }
    let badge = input.required_badge.trim();
    if !badge.is_empty() && prize_badge_label(badge).is_none() {
        errors.add("required_badge", "请从列表中选择徽章");
    }
    errors.or_value(|| PrizeTerms {
        name,
        description,
        price,
        stock,
        monthly_limit,
        required_badges,
        required_badge: badge.to_string(),
        badge_price,
    })
}

/// What a member holds towards a prize.
pub struct Holding {
    pub balance: i64,
    /// Badges not yet spent on a prize.
    pub unspent_badges: i64,
    /// They hold the particular badge the prize asks for (or it asks for none).
    pub has_required_badge: bool,
    /// Their orders of this prize this month, but cancelled ones.
    pub this_month: i64,
}

/// Why a member cannot redeem a prize now, as the shop tells them; `None` when they can.
pub fn why_not(p: &PrizeTerms, h: &Holding) -> Option<&'static str> {
    if p.stock == 0 {
        Some("已兑完")
    } else if h.this_month >= p.monthly_limit {
        Some("本月已兑满")
    } else if h.balance < p.price {
        Some("积分不足")
    } else if h.unspent_badges < p.badge_price.max(p.required_badges) {
        Some("党建徽章不足")
    } else if !h.has_required_badge {
        Some("尚未获得所需徽章")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(price: &'a str, badge: &'a str) -> PrizeInput<'a> {
        PrizeInput {
            name: "党徽",
            price,
            stock: "10",
            monthly_limit: "1",
            required_badges: "0",
            required_badge: badge,
            badge_price: "0",
            ..Default::default()
        }
    }

    #[test]
    fn the_shop_says_why_a_prize_is_out_of_reach() {
        let p = parse_prize(&PrizeInput {
            badge_price: "1",
            ..input("30", "")
        })
        .unwrap();
        let rich = Holding {
            balance: 30,
            unspent_badges: 1,
            has_required_badge: true,
            this_month: 0,
        };
        assert_eq!(why_not(&p, &rich), None);
        let again = Holding {
            this_month: 1,
            ..rich
        };
        assert_eq!(why_not(&p, &again), Some("本月已兑满"));
        let spent = Holding {
            unspent_badges: 0,
            ..rich
        };
        assert_eq!(why_not(&p, &spent), Some("党建徽章不足"));
        let poor = Holding {
            balance: 29,
            ..rich
        };
        assert_eq!(why_not(&p, &poor), Some("积分不足"));
        let gone = PrizeTerms { stock: 0, ..p };
        assert_eq!(why_not(&gone, &rich), Some("已兑完"));
    }

    #[test]
    fn a_prize_costs_at_least_a_point_and_asks_for_a_known_badge() {
        let p = parse_prize(&input("50", "study:read10")).unwrap();
        assert_eq!((p.price, p.required_badge.as_str()), (50, "study:read10"));
        let free = parse_prize(&input("0", "")).unwrap_err();
        assert_eq!(
            free.get("price"),
            "请设置价格：所需积分和所需徽章至少一项大于0"
        );
        let badges_only = parse_prize(&PrizeInput {
            badge_price: "2",
            ..input("0", "")
        })
        .unwrap();
        assert_eq!((badges_only.price, badges_only.badge_price), (0, 2));
        let blank = parse_prize(&PrizeInput {
            badge_price: " ",
            ..input("5", "")
        })
        .unwrap();
        assert_eq!(blank.badge_price, 0, "blank is none");
        let odd = parse_prize(&PrizeInput {
            badge_price: "-1",
            ..input("5", "")
        })
        .unwrap_err();
        assert_eq!(odd.get("badge_price"), "所需徽章应为0到100之间的整数");
        let odd = parse_prize(&input("50", "study:read999")).unwrap_err();
        assert_eq!(odd.get("required_badge"), "请从列表中选择徽章");
        assert!(parse_prize(&input("1.5", "")).is_err());
    }
}
