//! 积分商城 pages: members redeem and see their orders; administrators set up prizes for
//! their subtree and hand them out.
use super::access::{Admin, Found, Member};
use super::context::{Page, flash_redirect};
use super::form::{Choice, FieldErrors, Id, choices, org_choices, render, render_invalid};
use super::stored::{check_photo, discard, read_upload, save_photos};
use super::{AppState, Ctx};
use crate::domain::badges::prize_badge_choices;
use crate::domain::clock::{format_minute, now_epoch};
use crate::domain::policy::Actor;
use crate::domain::shop::{PrizeInput, PrizeTerms, parse_prize};
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
    prizes: Vec<Prize>,
    orders: Vec<Order>,
}

impl ShopPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

pub async fn index(State(state): State<AppState>, ctx: Ctx, member: Member) -> AppResult<Response> {
    let offered = shop::offered_to(&state.db, &member.branch_path).await?;
    render(&ShopPage {
        page: ctx.page("积分商城"),
        balance: points::totals(&state.db, member.id).await?.balance,
        prizes: with_photos(&state, offered).await?,
        orders: shop::orders_of(&state.db, member.id).await?,
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
                &format!("已兑换{}，请到{}领取", prize.name, prize.org_name),
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
            "已取消，积分已退回"
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
    };
    let terms = parse_prize(&PrizeInput {
        name: &form.name,
        description: &form.description,
        price: &form.price,
        stock: &form.stock,
        monthly_limit: &form.monthly_limit,
        required_badges: &form.required_badges,
        required_badge: &form.required_badge,
    });
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
