//! 积分商城: prizes and orders. A redemption takes the member's balance and the prize's stock
//! in one transaction: never oversold, never a negative balance.
use crate::domain::badges::Holder;
use crate::domain::badges::{meets_badge, prize_badge_label};
use crate::domain::clock::{format_date, local_date};
use crate::domain::shop::{OrderStatus, PrizeTerms};
use crate::error::{AppError, AppResult};
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Prize {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub description: String,
    pub price: i64,
    pub stock: i64,
    pub monthly_limit: i64,
    pub required_badges: i64,
    pub required_badge: String,
    pub badge_price: i64,
    pub active: i64,
    pub org_path: String,
    pub org_name: String,
    #[sqlx(skip)]
    pub photo: Option<i64>,
}

impl Prize {
    /// Its terms, as the shop's rules read them.
    pub fn terms(&self) -> PrizeTerms {
        PrizeTerms {
            name: self.name.clone(),
            description: self.description.clone(),
            price: self.price,
            stock: self.stock,
            monthly_limit: self.monthly_limit,
            required_badges: self.required_badges,
            required_badge: self.required_badge.clone(),
            badge_price: self.badge_price,
        }
    }

    /// The particular badge it asks for, as members read it.
    pub fn badge_label(&self) -> Option<&'static str> {
        prize_badge_label(&self.required_badge)
    }
}

const SELECT: &str = "SELECT p.id, p.org_id, p.name, p.description, p.price, p.stock, p.monthly_limit, p.required_badges, p.required_badge, p.badge_price, p.active, \
     o.path AS org_path, o.name AS org_name FROM prizes p JOIN orgs o ON o.id = p.org_id";

pub async fn get(db: &super::Db, id: i64) -> AppResult<Prize> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE p.id = $1"))
        .bind(id)
        .fetch_one(db.pool())
        .await?)
}

/// Active prizes offered to a member of the branch at `branch_path` (by any organization above it).
pub async fn offered_to(db: &super::Db, branch_path: &str) -> AppResult<Vec<Prize>> {
    let ids: Vec<String> = crate::domain::org::path_ids(branch_path)
        .iter()
        .map(|i| i.to_string())
        .collect();
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE p.active = 1 AND p.org_id IN ({}) ORDER BY p.price, p.id",
        ids.join(",")
    ))
    .fetch_all(db.pool())
    .await?)
}

/// Prizes set up in any of the administrator's subtrees.
pub async fn managed(db: &super::Db, roots: &[&str]) -> AppResult<Vec<Prize>> {
    let (scope, args) = super::orgs::scope_clause("o.path", roots, 1);
    let sql = format!("{SELECT} WHERE {scope} ORDER BY p.id DESC LIMIT 200");
    let mut q = sqlx::query_as(&sql);
    for a in args {
        q = q.bind(a);
    }
    Ok(q.fetch_all(db.pool()).await?)
}

/// Sets up a prize offered by the organization `org_id` to its subtree.
pub async fn create(
    conn: &mut AnyConnection,
    org_id: i64,
    p: &PrizeTerms,
    by: i64,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO prizes (org_id, name, description, price, stock, monthly_limit, required_badges, required_badge, badge_price, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id",
    )
    .bind(org_id)
    .bind(&p.name)
    .bind(&p.description)
    .bind(p.price)
    .bind(p.stock)
    .bind(p.monthly_limit)
    .bind(p.required_badges)
    .bind(&p.required_badge)
    .bind(p.badge_price)
    .bind(by)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Changes a prize's terms; its stock changes only by restocking and by orders.
pub async fn update(conn: &mut AnyConnection, id: i64, p: &PrizeTerms) -> AppResult<()> {
    crate::q!(
        "UPDATE prizes SET name = $1, description = $2, price = $3, monthly_limit = $4, required_badges = $5, required_badge = $6, badge_price = $7 WHERE id = $8",
        &p.name,
        &p.description,
        p.price,
        p.monthly_limit,
        p.required_badges,
        &p.required_badge,
        p.badge_price,
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds `n` to the stock.
pub async fn restock(conn: &mut AnyConnection, id: i64, n: i64) -> AppResult<()> {
    crate::q!("UPDATE prizes SET stock = stock + $1 WHERE id = $2", n, id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes a prize down (members no longer see it; pending orders stand) or puts it back.
pub async fn set_active(conn: &mut AnyConnection, id: i64, active: bool) -> AppResult<()> {
    crate::q!(
        "UPDATE prizes SET active = $1 WHERE id = $2",
        i64::from(active),
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// What a member holds towards prizes: their unspent badges' keys.
pub async fn unspent_badges(conn: &mut AnyConnection, member_id: i64) -> AppResult<Vec<String>> {
    let held: Vec<(String,)> = sqlx::query_as(
        "SELECT source_key FROM badges WHERE holder_kind = $1 AND holder_id = $2 AND spent_order IS NULL",
    )
    .bind(Holder::Member.code())
    .bind(member_id)
    .fetch_all(conn)
    .await?;
    Ok(held.into_iter().map(|r| r.0).collect())
}

/// Places an order: the member's balance first (their row lock), then one unit of stock.
/// The error is the message the member reads.
pub async fn redeem(
    conn: &mut AnyConnection,
    prize: &Prize,
    member_id: i64,
    now: i64,
) -> AppResult<i64> {
    let month = format_date(local_date(now))[..7].to_string();
    // The member's row first: one member's redemptions (and their badges) go one at a time.
    super::points::lock_member(conn, member_id, now).await?;
    let held = unspent_badges(conn, member_id).await?;
    if (held.len() as i64) < prize.required_badges.max(prize.badge_price) {
        return Err(AppError::Conflict(format!(
            "兑换此奖品需要至少{}枚未使用的党建徽章",
            prize.required_badges.max(prize.badge_price)
        )));
    }
    if !meets_badge(&held, &prize.required_badge) {
        return Err(AppError::Conflict(format!(
            "兑换此奖品需要“{}”徽章",
            prize.badge_label().unwrap_or_default()
        )));
    }
    let (this_month,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM prize_orders WHERE member_id = $1 AND prize_id = $2 AND month = $3 AND status <> $4",
    )
    .bind(member_id)
    .bind(prize.id)
    .bind(&month)
    .bind(OrderStatus::Cancelled.code())
    .fetch_one(&mut *conn)
    .await?;
    if this_month >= prize.monthly_limit {
        return Err(AppError::Conflict(format!(
            "此奖品每人每月限兑{}件",
            prize.monthly_limit
        )));
    }
    let (order,): (i64,) = sqlx::query_as(
        "INSERT INTO prize_orders (prize_id, member_id, price, badges, status, month, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$7) RETURNING id",
    )
    .bind(prize.id)
    .bind(member_id)
    .bind(prize.price)
    .bind(prize.badge_price)
    .bind(OrderStatus::Pending.code())
    .bind(&month)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let reason = format!("兑换{}", prize.name);
    if prize.price > 0
        && !super::points::spend(conn, member_id, prize.price, order, &reason, now).await?
    {
        return Err(AppError::Conflict("可用积分不足".into()));
    }
    if prize.badge_price > 0 {
        // The oldest unspent badges pay.
        let spent = crate::q!(
            "UPDATE badges SET spent_order = $1 WHERE id IN (SELECT id FROM badges WHERE holder_kind = $2 AND holder_id = $3 \
             AND spent_order IS NULL ORDER BY awarded_at, id LIMIT $4)",
            order,
            Holder::Member.code(),
            member_id,
            prize.badge_price
        )
        .execute(&mut *conn)
        .await?;
        if (spent.rows_affected() as i64) < prize.badge_price {
            return Err(AppError::Conflict("未使用的党建徽章不足".into()));
        }
    }
    let taken = crate::q!(
        "UPDATE prizes SET stock = stock - 1 WHERE id = $1 AND stock > 0 AND active = 1",
        prize.id
    )
    .execute(&mut *conn)
    .await?;
    if taken.rows_affected() == 0 {
        return Err(AppError::Conflict("奖品已兑完".into()));
    }
    Ok(order)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Order {
    pub id: i64,
    pub prize_id: i64,
    pub member_id: i64,
    pub price: i64,
    pub badges: i64,
    #[sqlx(try_from = "String")]
    pub status: OrderStatus,
    pub created_at: i64,
    pub prize_name: String,
    pub member_name: String,
    pub org_path: String,
}

impl Order {
    pub fn is_pending(&self) -> bool {
        self.status == OrderStatus::Pending
    }
}

const ORDER_SELECT: &str = "SELECT r.id, r.prize_id, r.member_id, r.price, r.badges, r.status, r.created_at, p.name AS prize_name, \
     m.name AS member_name, o.path AS org_path FROM prize_orders r JOIN prizes p ON p.id = r.prize_id \
     JOIN members m ON m.id = r.member_id JOIN orgs o ON o.id = p.org_id";

pub async fn order(conn: &mut AnyConnection, id: i64) -> AppResult<Order> {
    Ok(sqlx::query_as(&format!("{ORDER_SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?)
}

pub async fn orders_of(db: &super::Db, member_id: i64) -> AppResult<Vec<Order>> {
    Ok(sqlx::query_as(&format!(
        "{ORDER_SELECT} WHERE r.member_id = $1 ORDER BY r.id DESC LIMIT 100"
    ))
    .bind(member_id)
    .fetch_all(db.pool())
    .await?)
}

/// Orders of prizes set up in the administrator's subtrees, pending first.
pub async fn orders_to_fulfil(db: &super::Db, roots: &[&str]) -> AppResult<Vec<Order>> {
    let (scope, args) = super::orgs::scope_clause("o.path", roots, 1);
    let sql = format!(
        "{ORDER_SELECT} WHERE {scope} ORDER BY (CASE WHEN r.status = '{}' THEN 0 ELSE 1 END), r.id DESC LIMIT 300",
        OrderStatus::Pending.code()
    );
    let mut q = sqlx::query_as(&sql);
    for a in args {
        q = q.bind(a);
    }
    Ok(q.fetch_all(db.pool()).await?)
}

/// 待领取 → 已领取, or → 已取消 with the points and badges back and the stock returned.
pub async fn settle(
    conn: &mut AnyConnection,
    o: &Order,
    collected: bool,
    by: Option<i64>,
    now: i64,
) -> AppResult<()> {
    let done = crate::q!(
        "UPDATE prize_orders SET status = $1, handled_by = $2, updated_at = $3 WHERE id = $4 AND status = $5",
        if collected {
            OrderStatus::Collected
        } else {
            OrderStatus::Cancelled
        }
        .code(),
        by,
        now,
        o.id,
        OrderStatus::Pending.code()
    )
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::Conflict("该订单已处理".into()));
    }
    // Member row before prize row, the order a redemption takes them in.
    if !collected {
        let reason = format!("取消兑换{}", o.prize_name);
        if o.price > 0 {
            super::points::refund(&mut *conn, o.member_id, o.price, o.id, &reason, by, now).await?;
        }
        crate::q!(
            "UPDATE badges SET spent_order = NULL WHERE spent_order = $1",
            o.id
        )
        .execute(&mut *conn)
        .await?;
        crate::q!(
            "UPDATE prizes SET stock = stock + 1 WHERE id = $1",
            o.prize_id
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
