//! 积分商城 pages: members redeem and see their orders; administrators set up prizes for
//! their subtree and hand them out.
use super::access::{Admin, Found, Member};
use super::context::{Page, flash_redirect};
use super::form::{Choice, FieldErrors, Id, choices, org_choices, render, render_invalid};
use super::stored::{check_photo, discard, read_upload, save_photos};
use super::{AppState, Ctx};
use crate::domain::badges::meets_badge;
use crate::domain::badges::prize_badge_choices;
use crate::domain::clock::{format_minute, now_epoch};
use crate::domain::policy::Actor;
use crate::domain::shop::{Holding, OrderStatus, PrizeInput, PrizeTerms, parse_prize, why_not};
use crate::error::{AppError, AppResult};
use crate::files::SavedPhoto;
use crate::store::orgs::Org;
use crate::store::shop::{self, Order, Prize};
use crate::store::{orgs, photos, points};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "shop.html")]
struct ShopPage {
    page: Page,
    balance: i64,
    unspent_badges: usize,
    /// Each prize with why the member cannot redeem it now, if they cannot.
    prizes: Vec<(Prize, Option<&'static str>)>,
    orders: Vec<Order>,
}

impl ShopPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

pub async fn index(State(state): State<AppState>, ctx: Ctx, member: Member) -> AppResult<Response> {
    let offered = shop::offered_to(&state.db, &member.branch_path).await?;
    let balance = points::totals(&state.db, member.id).await?.balance;
    let mut conn = state.db.conn().await?;
    let held = shop::unspent_badges(&mut conn, member.id).await?;
    drop(conn);
    let orders = shop::orders_of(&state.db, member.id).await?;
    let month = crate::domain::clock::local_date(now_epoch());
    let this_month = |prize: i64| {
        orders
            .iter()
            .filter(|o| o.prize_id == prize && o.status != OrderStatus::Cancelled)
            .filter(|o| {
                let d = crate::domain::clock::local_date(o.created_at);
                (d.year(), d.month()) == (month.year(), month.month())
            })
            .count() as i64
    };
    let prizes = with_photos(&state, offered)
        .await?
        .into_iter()
        .map(|p| {
            let holding = Holding {
                balance,
                unspent_badges: held.len() as i64,
                has_required_badge: meets_badge(&held, &p.required_badge),
                this_month: this_month(p.id),
            };
            let why = why_not(&p.terms(), &holding);
            (p, why)
        })
        .collect();
    render(&ShopPage {
        page: ctx.page("积分商城"),
        balance,
        unspent_badges: held.len(),
        prizes,
        orders,
    })
}

pub async fn redeem(
    State(state): State<AppState>,
    ctx: Ctx,
    Member { id: member, .. }: Member,
    Id(id): Id,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    // Offered by an organization above the member's branch, or not at all.
    let prize = shop::get(&state.db, id)
        .await
        .found_if(|p| p.active != 0 && actor.in_audience(&p.org_path))?;
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    match shop::redeem(tx.conn(), &prize, member, now).await {
        Ok(order) => {
            ctx.audit(
                &mut tx,
                "积分兑换",
                &format!("订单 {order} {}", prize.name),
                &format!("{}积分", prize.price),
            )
            .await?;
            tx.commit().await?;
            Ok(flash_redirect(
                &state,
                "/shop",
                &if actor.branch_path.as_deref() == Some(prize.org_path.as_str()) {
                    format!("已兑换{}，请到本支部（{}）领取", prize.name, prize.org_name)
                } else {
                    format!(
                        "已兑换{}，由{}统一发放，发放时间、地点以通知为准",
                        prize.name, prize.org_name
                    )
                },
            ))
        }
        Err(AppError::Conflict(why)) => {
            drop(tx);
            Ok(flash_redirect(&state, "/shop", &why))
        }
        Err(e) => Err(e),
    }
}

/// A member cancels their own pending order; an administrator any in their scope.
pub async fn cancel(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    settle(state, ctx, id, false).await
}

pub async fn collect(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    settle(state, ctx, id, true).await
}

async fn settle(state: AppState, ctx: Ctx, id: i64, collected: bool) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let mut tx = state.db.begin().await?;
    let o = shop::order(tx.conn(), id)
        .await
        .found_if(|o| actor.may_settle_order(o.member_id, &o.org_path, collected))?;
    let back = if !actor.is_member(o.member_id) {
        "/shop/admin"
    } else {
        "/shop"
    };
    if let Err(AppError::Conflict(why)) =
        shop::settle(tx.conn(), &o, collected, Some(actor.user_id), now_epoch()).await
    {
        drop(tx);
        return Ok(flash_redirect(&state, back, &why));
    }
    let action = if collected {
        "奖品领取"
    } else {
        "取消兑换"
    };
    ctx.audit(
        &mut tx,
        action,
        &format!("订单 {} {}", o.id, o.prize_name),
        &o.member_name,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        back,
        if collected {
            "已登记领取"
        } else {
            "已取消，积分和徽章已退回"
        },
    ))
}

#[derive(Template)]
#[template(path = "shop_admin.html")]
struct AdminPage {
    page: Page,
    prizes: Vec<Prize>,
    orders: Vec<Order>,
    orgs: Vec<Choice>,
    badges: Vec<Choice>,
    form: PrizeForm,
    errors: FieldErrors,
}

impl AdminPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

/// The prize, its photo's row and the audit entry, in one transaction.
async fn write_prize(
    ctx: &Ctx,
    state: &AppState,
    by: &Actor,
    org: &Org,
    p: &PrizeTerms,
    photo: &[SavedPhoto],
) -> AppResult<()> {
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    let id = shop::create(tx.conn(), org.id, p, by.user_id, now).await?;
    photos::attach(tx.conn(), (photos::PRIZE, id), photos::COVER, 0, photo, now).await?;
    ctx.audit(
        &mut tx,
        "上架奖品",
        &format!("奖品 {id} {}", p.name),
        &format!("{}积分，库存{}，{}", p.price, p.stock, org.name),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Each prize's photo, with one query.
async fn with_photos(state: &AppState, mut prizes: Vec<Prize>) -> AppResult<Vec<Prize>> {
    let ids: Vec<i64> = prizes.iter().map(|p| p.id).collect();
    for ph in photos::of(&state.db, photos::PRIZE, &ids).await? {
        if let Some(p) = prizes.iter_mut().find(|p| p.id == ph.owner_id) {
            p.photo = Some(ph.id);
        }
    }
    Ok(prizes)
}

/// Whether the actor may see a prize's photo: it is offered to them, or they administer it.
pub async fn visible(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<()> {
    let actor = ctx.actor()?;
    shop::get(&state.db, id)
        .await
        .found_if(|p| actor.in_audience(&p.org_path) || actor.administers(&p.org_path))?;
    Ok(())
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PrizeForm {
    org: String,
    name: String,
    description: String,
    price: String,
    stock: String,
    monthly_limit: String,
    required_badges: String,
    required_badge: String,
    badge_price: String,
}

impl PrizeForm {
    fn input(&self) -> PrizeInput<'_> {
        PrizeInput {
            name: &self.name,
            description: &self.description,
            price: &self.price,
            stock: &self.stock,
            monthly_limit: &self.monthly_limit,
            required_badges: &self.required_badges,
            required_badge: &self.required_badge,
            badge_price: &self.badge_price,
        }
    }
}

async fn admin_page(
    state: &AppState,
    ctx: &Ctx,
    admin: &Actor,
    form: PrizeForm,
    errors: FieldErrors,
) -> AppResult<AdminPage> {
    let roots = admin.admin_roots();
    let offering = orgs::at_roots(&state.db, &roots).await?;
    Ok(AdminPage {
        page: ctx.page("积分商城管理"),
        prizes: with_photos(state, shop::managed(&state.db, &roots).await?).await?,
        orders: shop::orders_to_fulfil(&state.db, &roots).await?,
        orgs: org_choices(&offering, &form.org),
        badges: choices(prize_badge_choices(), &form.required_badge),
        form,
        errors,
    })
}

pub async fn admin(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
) -> AppResult<Response> {
    render(
        &admin_page(
            &state,
            &ctx,
            &admin,
            PrizeForm {
                monthly_limit: "1".into(),
                required_badges: "0".into(),
                badge_price: "0".into(),
                ..Default::default()
            },
            FieldErrors::default(),
        )
        .await?,
    )
}

/// The prize form (multipart: an optional photo beside the fields, CSRF in the address).
pub async fn create_prize(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let upload = read_upload(multipart, "照片太大：不能超过10MB").await?;
    let field = |name: &str| upload.field(name).to_string();
    let form = PrizeForm {
        org: field("org"),
        name: field("name"),
        description: field("description"),
        price: field("price"),
        stock: field("stock"),
        monthly_limit: field("monthly_limit"),
        required_badges: field("required_badges"),
        required_badge: field("required_badge"),
        badge_price: field("badge_price"),
    };
    let terms = parse_prize(&form.input());
    let mut errors = terms.clone().err().unwrap_or_default();
    let photo = upload.files("photo");
    if let Some(e) = photo.first().and_then(|p| check_photo(p).err()) {
        errors.add("photo", e);
    }
    let org = match form.org.trim().parse::<i64>() {
        Ok(id) => orgs::get(&state.db, id)
            .await
            .found_if(|o| admin.administers(&o.path))
            .ok(),
        Err(_) => None,
    };
    if org.is_none() {
        errors.add("org", "请选择提供奖品的组织");
    }
    let (Some(org), Ok(terms), true) = (org, terms, errors.is_empty()) else {
        return render_invalid(&admin_page(&state, &ctx, &admin, form, errors).await?);
    };
    let pictures = photo.iter().take(1).map(|p| p.to_vec()).collect();
    let saved = save_photos(&state, &format!("prizes/{}", org.id), pictures).await?;
    if let Err(e) = write_prize(&ctx, &state, &admin, &org, &terms, &saved).await {
        discard(&state, &saved).await;
        return Err(e);
    }
    Ok(flash_redirect(
        &state,
        "/shop/admin",
        &format!("已上架{}", terms.name),
    ))
}

#[derive(Template)]
#[template(path = "prize_edit.html")]
struct EditPage {
    page: Page,
    prize: Prize,
    badges: Vec<Choice>,
    form: PrizeForm,
    amount: String,
    errors: FieldErrors,
}

/// A prize the administrator set up (in their subtree); another's is 404.
async fn managed_prize(state: &AppState, admin: &Actor, id: i64) -> AppResult<Prize> {
    shop::get(&state.db, id)
        .await
        .found_if(|p| admin.administers(&p.org_path))
}

fn edit_page(
    ctx: &Ctx,
    prize: Prize,
    form: PrizeForm,
    amount: String,
    errors: FieldErrors,
) -> EditPage {
    EditPage {
        page: ctx.page(format!("编辑奖品：{}", prize.name)),
        badges: choices(prize_badge_choices(), &form.required_badge),
        prize,
        form,
        amount,
        errors,
    }
}

pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let p = managed_prize(&state, &admin, id).await?;
    let form = PrizeForm {
        org: p.org_id.to_string(),
        name: p.name.clone(),
        description: p.description.clone(),
        price: p.price.to_string(),
        stock: p.stock.to_string(),
        monthly_limit: p.monthly_limit.to_string(),
        required_badges: p.required_badges.to_string(),
        required_badge: p.required_badge.clone(),
        badge_price: p.badge_price.to_string(),
    };
    render(&edit_page(
        &ctx,
        p,
        form,
        String::new(),
        FieldErrors::default(),
    ))
}

/// Saves a prize's terms (its stock changes by restocking), audited.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Id(id): Id,
    crate::http::form::Form(mut form): crate::http::form::Form<PrizeForm>,
) -> AppResult<Response> {
    let p = managed_prize(&state, &admin, id).await?;
    form.stock = p.stock.to_string();
    let terms = match parse_prize(&form.input()) {
        Ok(t) => t,
        Err(errors) => return render_invalid(&edit_page(&ctx, p, form, String::new(), errors)),
    };
    let mut tx = state.db.begin().await?;
    shop::update(tx.conn(), id, &terms).await?;
    ctx.audit(
        &mut tx,
        "修改奖品",
        &format!("奖品 {id} {}", terms.name),
        &format!("{}积分，{}枚徽章", terms.price, terms.badge_price),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/shop/admin/prizes/{id}"),
        "已保存",
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RestockForm {
    amount: String,
}

/// 补货: adds to the stock, audited.
pub async fn restock(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Id(id): Id,
    crate::http::form::Form(f): crate::http::form::Form<RestockForm>,
) -> AppResult<Response> {
    let p = managed_prize(&state, &admin, id).await?;
    let n = match crate::domain::shop::number_in(
        &f.amount,
        &crate::domain::shop::RESTOCK_RANGE,
        "补货数量",
    ) {
        Ok(n) => n,
        Err(message) => {
            let mut errors = FieldErrors::default();
            errors.add("amount", message);
            let form = PrizeForm {
                name: p.name.clone(),
                description: p.description.clone(),
                price: p.price.to_string(),
                monthly_limit: p.monthly_limit.to_string(),
                required_badges: p.required_badges.to_string(),
                required_badge: p.required_badge.clone(),
                badge_price: p.badge_price.to_string(),
                ..Default::default()
            };
            return render_invalid(&edit_page(&ctx, p, form, f.amount, errors));
        }
    };
    let mut tx = state.db.begin().await?;
    shop::restock(tx.conn(), id, n).await?;
    ctx.audit(
        &mut tx,
        "奖品补货",
        &format!("奖品 {id} {}", p.name),
        &format!("+{n}"),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/shop/admin/prizes/{id}"),
        &format!("已补货{n}件，库存{}件", p.stock + n),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActiveForm {
    active: String,
}

/// 下架 or 重新上架: members see the prize or not; orders already placed stand.
pub async fn set_active(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Id(id): Id,
    crate::http::form::Form(f): crate::http::form::Form<ActiveForm>,
) -> AppResult<Response> {
    let p = managed_prize(&state, &admin, id).await?;
    let active = f.active == "1";
    let mut tx = state.db.begin().await?;
    shop::set_active(tx.conn(), id, active).await?;
    let action = if active {
        "重新上架"
    } else {
        "下架奖品"
    };
    ctx.audit(&mut tx, action, &format!("奖品 {id} {}", p.name), "")
        .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/shop/admin/prizes/{id}"),
        &format!("{}已{}", p.name, if active { "重新上架" } else { "下架" }),
    ))
}
