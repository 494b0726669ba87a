//! The web layer: one route table in which every route declares who may use it, the request
//! context (session, CSRF, client address), and the pages by feature.
mod access;
mod account;
mod appraisals;
mod arena;
mod articles;
pub mod assets;
mod care;
mod committees;
mod context;
pub use context::SESSION_COOKIE;
mod daily;
mod dashboard;
mod development;
mod dues;
mod flows;
mod followups;
mod form;
mod history;
mod home;
mod honours;
mod members;
mod officers;
mod orglife;
mod orgs;
mod points;
mod posts;
mod rankings;
mod reports;
mod roster;
mod second_factor;
mod shop;
mod stored;
mod supervision;
mod town;
mod transfers;

pub use access::Access;
pub use context::{Ctx, Principal};
pub use form::FieldErrors;

use crate::config::Config;
use crate::crypto::Keys;
use crate::domain::rate::Action;
use crate::error::AppError;
use crate::store::Db;
use crate::store::settings::Security;
use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub files: crate::files::Storage,
    pub keys: Arc<Keys>,
    pub config: Arc<Config>,
    pub rankings: Arc<crate::rankings::Rankings>,
    pub imports: Arc<crate::roster::Imports>,
    security: Arc<RwLock<(Security, Instant)>>,
    pub limiter: Arc<std::sync::Mutex<crate::domain::rate::Limiter>>,
}

impl AppState {
    pub fn new(db: Db, keys: Keys, config: Config, security: Security) -> Self {
        Self {
            db,
            files: crate::files::Storage::for_config(&config),
            keys: Arc::new(keys),
            config: Arc::new(config),
            rankings: Arc::new(crate::rankings::Rankings::default()),
            imports: Arc::new(crate::roster::Imports::default()),
            security: Arc::new(RwLock::new((security, Instant::now()))),
            limiter: Arc::default(),
        }
    }

    /// Security settings, re-read at most every 30 s so that other instances' changes apply.
    pub async fn security(&self) -> Security {
        let (cached, at) = *self.security.read().expect("not poisoned");
        if at.elapsed() < Duration::from_secs(30) {
            return cached;
        }
        let fresh = crate::store::settings::load_security(&self.db)
            .await
            .unwrap_or(cached);
        *self.security.write().expect("not poisoned") = (fresh, Instant::now());
        fresh
    }

    pub fn set_security(&self, s: Security) {
        *self.security.write().expect("not poisoned") = (s, Instant::now());
    }
}

/// Uploads may be a little over their limit so that the handler, not the transport, says
/// what is too large.
pub(crate) const UPLOAD_BODY_LIMIT: usize = 32 * 1024 * 1024;
/// An article or a post with several phone photos of up to 10 MB each.
const ARTICLE_BODY_LIMIT: usize = 100 * 1024 * 1024;

#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

struct Route {
    spec: RouteSpec,
    handler: MethodRouter<AppState>,
}

fn r(
    method: &'static str,
    path: &'static str,
    access: Access,
    handler: MethodRouter<AppState>,
) -> Route {
    Route {
        spec: RouteSpec {
            method,
            path,
            access,
        },
        handler,
    }
}

/// An export, a document or an import: seconds of CPU (and a long read) for a county. They
/// take turns (`heavy_work_at_once`) and the rest wait, holding no connection meanwhile, so
/// that pages stay quick however many are asked for at once.
fn heavy(handler: MethodRouter<AppState>) -> MethodRouter<AppState> {
    async fn take_turns(req: Request, next: Next) -> Response {
        static TURNS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
        let turns =
            TURNS.get_or_init(|| tokio::sync::Semaphore::new(crate::config::heavy_work_at_once()));
        let _turn = turns.acquire().await.expect("never closed");
        next.run(req).await
    }
    handler.layer(middleware::from_fn(take_turns))
}

/// A sign-in, check-in, answer or upload: counted per account and per address
/// (`Ctx::limit`), refused with how long to wait when either has used up its tries.
fn limited(action: Action, handler: MethodRouter<AppState>) -> MethodRouter<AppState> {
    handler.layer(middleware::from_fn(
        move |req: Request, next: Next| async move {
            let counted = match req.extensions().get::<Ctx>() {
                Some(ctx) => ctx.limit(action, None),
                None => Err(AppError::internal("request context missing")),
            };
            match counted {
                Ok(()) => next.run(req).await,
                Err(e) => {
                    // Read to its end first, so that the sender hears why instead of a cut
                    // connection while it still sends.
                    let _ = axum::body::to_bytes(req.into_body(), UPLOAD_BODY_LIMIT).await;
                    axum::response::IntoResponse::into_response(e)
                }
            }
        },
    ))
}

/// A route that takes files (photos, materials, spreadsheets): a body up to `limit`,
/// counted as an upload.
fn upload(limit: usize, handler: MethodRouter<AppState>) -> MethodRouter<AppState> {
    limited(
        Action::Upload,
        handler.layer(axum::extract::DefaultBodyLimit::max(limit)),
    )
}

/// Every route of the application. There is no other way to add one.
#[rustfmt::skip]
fn routes() -> Vec<Route> {
    use Access::*;
    let application = vec![
        r("GET", "/healthz", Public, get(assets::healthz)),
        r("GET", "/static/{file}", Public, get(assets::file)),
        r("GET", "/manifest.webmanifest", Public, get(assets::manifest)),
        r("GET", "/sw.js", Public, get(assets::service_worker)),
        r("GET", "/", SignedIn, get(home::home)),
        r("GET", "/dashboard", Admin, get(dashboard::page)),
        r("GET", "/dashboard/export", Admin, heavy(get(dashboard::export))),
        r("GET", "/dashboard/trend", Admin, get(dashboard::trend::trend)),
        r("GET", "/dashboard/wall", Admin, get(dashboard::wall::wall)),
        r("GET", "/followups", Admin, get(followups::list)),
        r("POST", "/followups", Admin, post(followups::create)),
        r("GET", "/followups/new", Admin, get(followups::new_page)),
        r("GET", "/followups/{id}", Admin, get(followups::show)),
        r("POST", "/followups/{id}/answer", Admin, post(followups::answer)),
        r("GET", "/orgs", Admin, get(orgs::index)),
        r("GET", "/orgs/{id}", SignedIn, get(orgs::show)),
        r("GET", "/orgs/{id}/new", Admin, get(orgs::new_page)),
        r("POST", "/orgs/{id}/new", Admin, post(orgs::create)),
        r("GET", "/orgs/{id}/edit", Admin, get(orgs::edit_page)),
        r("POST", "/orgs/{id}/edit", Admin, post(orgs::update)),
        r("GET", "/orgs/{id}/move", Admin, get(orgs::move_page)),
        r("POST", "/orgs/{id}/move", Admin, post(orgs::move_org)),
        r("POST", "/orgs/{id}/dissolve", Admin, post(orgs::dissolve)),
        r("GET", "/orgs/{id}/committee", Admin, get(committees::show)),
        r("GET", "/flows", Admin, get(flows::manage)),
        r("GET", "/orgs/{id}/flows", Admin, get(flows::show)),
        r("POST", "/orgs/{id}/flows", Admin, post(flows::register)),
        r("POST", "/flows/{id}/end", Admin, post(flows::end)),
        r("POST", "/meetings/{id}/guests", Admin, post(flows::add_guest)),
        r("POST", "/orgs/{id}/committee", Admin, post(committees::record)),
        r("GET", "/members", Admin, get(members::index)),
        r("GET", "/roster", Admin, get(roster::index)),
        r("GET", "/roster/template/{file}", Admin, get(roster::template)),
        r("POST", "/roster/check", Admin, heavy(upload(UPLOAD_BODY_LIMIT, post(roster::check)))),
        r("POST", "/roster/imports/{token}", Admin, post(roster::confirm)),
        r("GET", "/roster/imports/{token}", Admin, get(roster::progress)),
        r("GET", "/roster/orgs.xlsx", Admin, heavy(get(roster::export_orgs))),
        r("GET", "/roster/members.xlsx", Admin, heavy(get(roster::export_members))),
        r("POST", "/roster/full-exports", Admin, post(roster::request_full_export)),
        r("POST", "/roster/full-exports/{id}/decide", Admin, post(roster::decide_full_export)),
        r("GET", "/orgs/{id}/letters.pdf", Admin, heavy(get(roster::letters))),
        r("GET", "/members/new", Admin, get(members::new_page)),
        r("POST", "/members/new", Admin, post(members::create)),
        r("GET", "/members/{id}", SignedIn, get(members::show)),
        r("GET", "/members/{id}/edit", Admin, get(members::edit_page)),
        r("POST", "/members/{id}/edit", Admin, post(members::update)),
        r("GET", "/members/{id}/transfer", Admin, get(transfers::new_page)),
        r("POST", "/members/{id}/transfer", Admin, post(transfers::start)),
        r("GET", "/transfers", Admin, get(transfers::list)),
        r("GET", "/transfers/{id}", Admin, get(transfers::show)),
        r("GET", "/transfers/{id}/letter.pdf", Admin, heavy(get(transfers::letter))),
        r("POST", "/transfers/{id}/accept", Admin, post(transfers::accept)),
        r("POST", "/transfers/{id}/return", Admin, post(transfers::return_back)),
        r("POST", "/transfers/{id}/withdraw", Admin, post(transfers::withdraw)),
        r("POST", "/transfers/{id}/receipt", Admin, post(transfers::receipt)),
        r("POST", "/members/{id}/reveal", SignedIn, post(members::reveal)),
        r("GET", "/dues", Member, get(dues::mine)),
        r("GET", "/dues/manage", Admin, get(dues::manage)),
        r("POST", "/dues/settings", Admin, post(dues::save_settings)),
        r("GET", "/members/{id}/dues", SignedIn, get(dues::of_member)),
        r("GET", "/members/{id}/dues/card.pdf", SignedIn, heavy(get(dues::card))),
        r("POST", "/members/{id}/dues/assess", Admin, post(dues::assess)),
        r("POST", "/members/{id}/dues/pay", Admin, post(dues::pay)),
        r("GET", "/orgs/{id}/dues", Admin, get(dues::of_org)),
        r("POST", "/orgs/{id}/dues/collect", Admin, post(dues::collect)),
        r("POST", "/orgs/{id}/dues/handups", Admin, post(dues::hand_up)),
        r("GET", "/orgs/{id}/dues/bases", Admin, get(dues::bases_page)),
        r("POST", "/orgs/{id}/dues/bases", Admin, post(dues::save_bases)),
        r("GET", "/orgs/{id}/dues.xlsx", Admin, heavy(get(dues::ledger_xlsx))),
        r("GET", "/orglife", SignedIn, get(orglife::home)),
        r("GET", "/orgs/{id}/meetings", SignedIn, get(orglife::meetings::index)),
        r("GET", "/orgs/{id}/meetings/new", Admin, get(orglife::meetings::new_page)),
        r("POST", "/orgs/{id}/meetings/new", Admin, post(orglife::meetings::create)),
        r("GET", "/orgs/{id}/grid", SignedIn, get(orglife::grid::grid)),
        r("GET", "/orgs/{id}/requirements", Admin, get(orglife::requirements::requirements)),
        r("POST", "/orgs/{id}/requirements", Admin, post(orglife::requirements::change_requirement)),
        r("POST", "/orgs/{id}/geofence", Admin, post(orglife::requirements::set_geofence)),
        r("GET", "/meetings/{id}", SignedIn, get(orglife::meetings::show)),
        r("GET", "/meetings/{id}/pdf", SignedIn, get(orglife::meetings::record_pdf)),
        r("GET", "/meetings/{id}/qr", Admin, get(orglife::checkin::qr)),
        r("POST", "/meetings/{id}/manual-checkin", Admin, post(orglife::checkin::manual_check_in)),
        r("POST", "/meetings/{id}/leave", Member, post(orglife::meetings::ask_leave)),
        r("POST", "/meetings/{id}/leave-decision", Admin, post(orglife::meetings::decide_leave)),
        r("POST", "/meetings/{id}/minutes", Admin, post(orglife::meetings::save_minutes)),
        r("POST", "/meetings/{id}/close", Admin, post(orglife::meetings::close)),
        r("POST", "/meetings/{id}/reschedule", Admin, post(orglife::meetings::reschedule)),
        r("POST", "/meetings/{id}/reopen", Admin, post(orglife::meetings::reopen)),
        r("POST", "/meetings/{id}/files", Admin, upload(UPLOAD_BODY_LIMIT, post(orglife::files::upload))),
        r("GET", "/files/{id}", SignedIn, get(orglife::files::file)),
        r("GET", "/files/{id}/thumb", SignedIn, get(orglife::files::thumb)),
        r("GET", "/checkin/{id}", SignedIn, get(orglife::checkin::checkin_page)),
        r("POST", "/checkin/{id}", Member, limited(Action::CheckIn, post(orglife::checkin::check_in))),
        r("GET", "/calendar/{file}", Public, get(orglife::calendar::calendar)),
        r("POST", "/orglife/calendar", Member, post(orglife::calendar::renew)),
    ];
    application
        .into_iter()
        .chain(account_routes())
        .chain(development_routes())
        .chain(care_routes())
        .chain(study_routes())
        .chain(arena_routes())
        .chain(supervision_routes())
        .chain(officer_routes())
        .collect()
}

/// Signing in (both steps) and out, and one's own account.
#[rustfmt::skip]
fn account_routes() -> Vec<Route> {
    use Access::*;
    vec![
        r("GET", "/login", Public, get(account::login_page)),
        r("POST", "/login", Public, post(account::login)),
        r("POST", "/login/second", Public, post(account::login_second_step)),
        r("POST", "/logout", SignedIn, post(account::logout)),
        r("GET", "/me", SignedIn, get(account::me)),
        r("GET", "/me/password", SignedIn, get(account::password_page)),
        r("POST", "/me/password", SignedIn, post(account::change_password)),
        r("POST", "/me/large-font", SignedIn, post(account::toggle_large_font)),
        r("GET", "/me/sessions", SignedIn, get(account::sessions_page)),
        r("GET", "/me/data", Member, heavy(get(members::my_data))),
        r("GET", "/me/second-factor", SignedIn, get(second_factor::show)),
        r("POST", "/me/second-factor/begin", SignedIn, post(second_factor::begin)),
        r("POST", "/me/second-factor/confirm", SignedIn, post(second_factor::confirm)),
        r("POST", "/me/second-factor/recovery", SignedIn, post(second_factor::renew_recovery)),
        r("POST", "/me/second-factor/off", SignedIn, post(second_factor::turn_off)),
        r("GET", "/notifications", SignedIn, get(account::notifications)),
        r("POST", "/notifications/read", SignedIn, post(account::read_notifications)),
        r("POST", "/me/sessions/{id}/end", SignedIn, post(account::end_session)),
    ]
}

/// 关怀与评议's routes: 困难党员 and 慰问, 民主评议党员, 评先评优 and its 公示.
#[rustfmt::skip]
fn care_routes() -> Vec<Route> {
    use Access::*;
    vec![
        r("GET", "/care", Admin, get(care::manage)),
        r("GET", "/orgs/{id}/care", Admin, get(care::show)),
        r("POST", "/orgs/{id}/care/hardships", Admin, post(care::register)),
        r("POST", "/care/hardships/{id}/review", Admin, post(care::review)),
        r("POST", "/orgs/{id}/care/visits", Admin, upload(ARTICLE_BODY_LIMIT, post(care::visit))),
        r("POST", "/orgs/{id}/care/plans", Admin, post(care::plan)),
        r("GET", "/appraisals", Admin, get(appraisals::manage)),
        r("GET", "/orgs/{id}/appraisals", Admin, get(appraisals::show)),
        r("POST", "/orgs/{id}/appraisals", Admin, post(appraisals::open)),
        r("GET", "/appraisals/{id}", Admin, get(appraisals::appraisal)),
        r("POST", "/appraisals/{id}/decide", Admin, post(appraisals::decide)),
        r("POST", "/appraisals/{id}/close", Admin, post(appraisals::close)),
        r("GET", "/appraisals/{id}/ballot", Member, get(appraisals::ballot)),
        r("POST", "/appraisals/{id}/self", Member, post(appraisals::write_self)),
        r("POST", "/appraisals/{id}/votes", Member, post(appraisals::vote)),
        r("GET", "/honours", Admin, get(honours::list)),
        r("POST", "/honours", Admin, post(honours::create)),
        r("GET", "/honours/{id}", Admin, get(honours::show)),
        r("POST", "/honours/{id}/nominations", Admin, post(honours::nominate)),
        r("POST", "/nominations/{id}/review", Admin, post(honours::review)),
        r("POST", "/honours/{id}/publish", Admin, post(honours::publish)),
        r("POST", "/nominations/{id}/withdraw", Admin, post(honours::withdraw)),
        r("POST", "/honours/{id}/award", Admin, post(honours::award)),
        r("GET", "/honours/{id}/publicity", Member, get(honours::publicity)),
        r("POST", "/honours/{id}/objections", Member, post(honours::object)),
    ]
}

/// 发展党员's routes: the boards and the 台账, a person's path and its steps, 思想汇报.
#[rustfmt::skip]
fn development_routes() -> Vec<Route> {
    use Access::*;
    use development::{person, reports};
    vec![
        r("GET", "/development", Admin, get(development::manage)),
        r("GET", "/orgs/{id}/development", Admin, get(development::board)),
        r("GET", "/orgs/{id}/development.xlsx", Admin, heavy(get(development::ledger_xlsx))),
        r("GET", "/orgs/{id}/development/new", Admin, get(person::new_page)),
        r("POST", "/orgs/{id}/development/new", Admin, post(person::create)),
        r("GET", "/development/people/{id}", SignedIn, get(person::show)),
        r("POST", "/development/people/{id}/steps", Admin, upload(UPLOAD_BODY_LIMIT, post(person::record))),
        r("POST", "/development/people/{id}/void", Admin, post(person::void)),
        r("POST", "/development/people/{id}/account", Admin, post(person::open_account)),
        r("GET", "/development/steps/{id}/document", SignedIn, get(person::document)),
        r("GET", "/development/me", Applicant, get(reports::me)),
        r("POST", "/development/me/reports", Applicant, post(reports::submit)),
        r("POST", "/development/reports/{id}/comment", Member, post(reports::comment)),
    ]
}

/// 云上讲堂's routes: points and rankings, 每日一题, 理论自习室, 党建新鲜事, 党史上的今天, 积分商城.
#[rustfmt::skip]
fn study_routes() -> Vec<Route> {
    use Access::*;
    vec![
        r("GET", "/points", Member, get(points::mine)),
        r("GET", "/members/{id}/points", SignedIn, get(points::of_member)),
        r("POST", "/members/{id}/points", Admin, post(points::correct)),
        r("GET", "/points/rules", Admin, get(points::rules)),
        r("GET", "/rankings", Member, get(rankings::page)),
        r("GET", "/town", Member, get(town::page)),
        r("POST", "/town/remind", Member, post(town::remind)),
        r("GET", "/daily", Member, get(daily::page)),
        r("POST", "/daily", Member, limited(Action::Answer, post(daily::answer))),
        r("POST", "/daily/flag", Member, post(daily::flag)),
        r("GET", "/daily/{day}", Member, get(daily::past)),
        r("GET", "/orgs/{id}/daily", Admin, get(daily::branch)),
        r("GET", "/articles", Member, get(articles::index)),
        r("GET", "/articles/new", Editor, get(articles::new_page)),
        r("POST", "/articles/new", Editor, upload(ARTICLE_BODY_LIMIT, post(articles::create))),
        r("GET", "/articles/manage", Editor, get(articles::manage)),
        r("GET", "/articles/{id}", Member, get(articles::show)),
        r("GET", "/articles/{id}/edit", Editor, get(articles::edit_page)),
        r("POST", "/articles/{id}/edit", Editor, upload(ARTICLE_BODY_LIMIT, post(articles::update))),
        r("POST", "/articles/{id}/withdraw", Editor, post(articles::withdraw)),
        r("POST", "/articles/{id}/republish", Editor, post(articles::republish)),
        r("POST", "/articles/{id}/done", Member, post(articles::complete)),
        r("GET", "/posts", SignedIn, get(posts::feed)),
        r("POST", "/posts", Admin, upload(ARTICLE_BODY_LIMIT, post(posts::create))),
        r("GET", "/photos/{id}", SignedIn, get(stored::photo)),
        r("GET", "/photos/{id}/thumb", SignedIn, get(stored::photo_thumb)),
        r("POST", "/posts/{id}/review", Admin, post(posts::review)),
        r("POST", "/posts/trust/{id}", Admin, post(posts::trust)),
        r("POST", "/posts/{id}/like", SignedIn, post(posts::like)),
        r("POST", "/posts/{id}/withdraw", SignedIn, post(posts::withdraw)),
        r("POST", "/posts/{id}/take-down", Admin, post(posts::take_down)),
        r("GET", "/history", SignedIn, get(history::page)),
        r("POST", "/history", Member, post(history::contribute)),
        r("GET", "/history/review", Editor, get(history::review_page)),
        r("POST", "/history/{id}/review", Editor, post(history::review)),
        r("GET", "/history/{id}/edit", Editor, get(history::edit_page)),
        r("POST", "/history/{id}/edit", Editor, post(history::update)),
        r("POST", "/history/{id}/unpublish", Editor, post(history::unpublish)),
        r("GET", "/questions", Editor, get(daily::questions)),
        r("POST", "/questions", Editor, post(daily::add_question)),
        r("GET", "/questions/template.xlsx", Editor, get(daily::import_template)),
        r("GET", "/questions/{id}/edit", Editor, get(daily::edit_question)),
        r("POST", "/questions/{id}/edit", Editor, post(daily::update_question)),
        r("POST", "/questions/{id}/retire", Editor, post(daily::retire_question)),
        r("POST", "/questions/{id}/flags/dismiss", Editor, post(daily::dismiss_flags)),
        r("POST", "/questions/import", Editor, heavy(upload(UPLOAD_BODY_LIMIT, post(daily::import)))),
        r("POST", "/points/rules", Admin, post(points::save_rule)),
        r("POST", "/points/read-time", Admin, post(points::save_read_time)),
        r("GET", "/shop", Member, get(shop::index)),
        r("POST", "/shop/{id}/redeem", Member, post(shop::redeem)),
        r("POST", "/shop/orders/{id}/cancel", SignedIn, post(shop::cancel)),
        r("POST", "/shop/orders/{id}/collect", Admin, post(shop::collect)),
        r("GET", "/shop/admin", Admin, get(shop::admin)),
        r("GET", "/shop/admin/prizes/{id}", Admin, get(shop::edit)),
        r("POST", "/shop/admin/prizes/{id}", Admin, post(shop::update)),
        r("POST", "/shop/admin/prizes/{id}/restock", Admin, post(shop::restock)),
        r("POST", "/shop/admin/prizes/{id}/active", Admin, post(shop::set_active)),
        r("POST", "/shop/admin/prizes", Admin, upload(UPLOAD_BODY_LIMIT, post(shop::create_prize))),
    ]
}

/// 云上擂台's routes: 擂台比武, 书记项目, 兵支书, 联村党总支, 党员先锋岗, 好经验好做法.
#[rustfmt::skip]
fn arena_routes() -> Vec<Route> {
    use Access::*;
    use arena::{contests, experiences, projects, showcase};
    vec![
        r("GET", "/arena", SignedIn, get(arena::column)),
        r("GET", "/arena/new", Admin, get(contests::new_page)),
        r("POST", "/arena/new", Admin, post(contests::create)),
        r("GET", "/arena/{id}", SignedIn, get(contests::show)),
        r("POST", "/arena/{id}/entries", Admin, upload(ARTICLE_BODY_LIMIT, post(contests::enter))),
        r("POST", "/arena/{id}/vote", Member, post(contests::vote)),
        r("POST", "/arena/{id}/publish", Admin, post(contests::publish)),
        r("GET", "/arena/entries/{id}", SignedIn, get(arena::entry)),
        r("POST", "/arena/entries/{id}/scores", Admin, post(contests::score)),
        r("GET", "/arena/orgs/{id}", SignedIn, get(arena::org_entries)),
        r("GET", "/projects", SignedIn, get(projects::list)),
        r("GET", "/projects/new", Admin, get(projects::new_page)),
        r("POST", "/projects/new", Admin, post(projects::create)),
        r("GET", "/projects/{id}", SignedIn, get(projects::show)),
        r("POST", "/projects/{id}/updates", Admin, upload(ARTICLE_BODY_LIMIT, post(projects::report))),
        r("POST", "/projects/{id}/done", Admin, post(projects::milestone_done)),
        r("POST", "/projects/{id}/comments", Admin, post(projects::comment)),
        r("GET", "/veterans", SignedIn, get(showcase::veterans)),
        r("GET", "/veterans/{id}", SignedIn, get(showcase::veteran)),
        r("POST", "/veterans/{id}/story", Admin, post(showcase::save_story)),
        r("GET", "/joint", SignedIn, get(showcase::joint)),
        r("GET", "/vanguard", SignedIn, get(showcase::vanguard)),
        r("GET", "/vanguard/manage", Admin, get(showcase::manage)),
        r("POST", "/vanguard/manage", Admin, upload(UPLOAD_BODY_LIMIT, post(showcase::add))),
        r("POST", "/vanguard/categories", Admin, post(showcase::add_category)),
        r("POST", "/vanguard/{id}/retire", Admin, post(showcase::retire)),
        r("GET", "/experiences", SignedIn, get(experiences::list)),
        r("POST", "/experiences", Member, upload(ARTICLE_BODY_LIMIT, post(experiences::create))),
        r("GET", "/experiences/{id}", SignedIn, get(experiences::show)),
        r("GET", "/experiences/files/{id}", SignedIn, get(experiences::file)),
        r("POST", "/experiences/{id}/review", Admin, post(experiences::review)),
        r("POST", "/experiences/{id}/useful", Member, post(experiences::useful)),
    ]
}

/// 纵向监管's routes: 电子监察, 分级分档 and 月度通报.
#[rustfmt::skip]
fn supervision_routes() -> Vec<Route> {
    use Access::*;
    vec![
        r("GET", "/findings", Admin, get(supervision::list)),
        r("POST", "/findings/scan", Admin, post(supervision::scan)),
        r("GET", "/findings/settings", Admin, get(supervision::settings)),
        r("GET", "/tiers", Admin, get(supervision::tiers)),
        r("GET", "/tiers/settings", Admin, get(supervision::formula)),
        r("POST", "/tiers/settings", Admin, post(supervision::save_formula)),
        r("POST", "/findings/settings", Admin, post(supervision::save_settings)),
        r("GET", "/findings/{id}", Admin, get(supervision::show)),
        r("GET", "/findings/{id}/photos/{n}", Admin, get(supervision::photo)),
        r("POST", "/findings/{id}/appeal", Admin, upload(UPLOAD_BODY_LIMIT, post(supervision::appeal))),
        r("GET", "/findings/{id}/files/{event}", Admin, get(supervision::attachment)),
        r("POST", "/findings/{id}/decide", Admin, post(supervision::decide)),
        r("GET", "/reports", Admin, get(reports::list)),
        r("POST", "/reports/generate", Admin, post(reports::generate)),
        r("GET", "/reports/{id}", Admin, get(reports::show)),
        r("GET", "/reports/{id}/pdf", Admin, heavy(get(reports::pdf))),
        r("GET", "/reports/{id}/xlsx", Admin, heavy(get(reports::xlsx))),
    ]
}

/// The officers' routes: accounts, grants, security settings and the audit log.
#[rustfmt::skip]
fn officer_routes() -> Vec<Route> {
    use Access::*;
    vec![
        r("GET", "/admin/accounts", SystemAdmin, get(officers::accounts)),
        r("GET", "/admin/backups", SystemAdmin, get(officers::backups)),
        r("POST", "/admin/accounts", SystemAdmin, post(officers::create_account)),
        r("POST", "/admin/accounts/{id}/reset", SystemAdmin, post(officers::reset_password)),
        r("POST", "/admin/accounts/{id}/disable", SystemAdmin, post(officers::toggle_disabled)),
        r("GET", "/security/grants", SecurityAdmin, get(officers::grants)),
        r("POST", "/security/grants", SecurityAdmin, post(officers::add_grant)),
        r("POST", "/security/grants/{id}/revoke", SecurityAdmin, post(officers::revoke_grant)),
        r("POST", "/security/accounts/{id}/signout", SecurityAdmin, post(officers::sign_out_everywhere)),
        r("POST", "/security/accounts/{id}/second-factor/reset", SecurityAdmin, post(second_factor::reset)),
        r("POST", "/security/second-factor/reset", SecurityAdmin, post(second_factor::reset_by_phone)),
        r("GET", "/security/settings", SecurityAdmin, get(officers::settings_page)),
        r("POST", "/security/settings", SecurityAdmin, post(officers::save_settings)),
        r("GET", "/audit", AuditAdmin, get(officers::audit_log)),
        r("GET", "/audit/verify", AuditAdmin, heavy(get(officers::verify_audit))),
        r("GET", "/audit/export", AuditAdmin, heavy(get(officers::export_audit))),
    ]
}

/// The declared rule of every route, for the permission-matrix test and the docs.
pub fn route_table() -> Vec<RouteSpec> {
    routes().into_iter().map(|r| r.spec).collect()
}

async fn guard(State(access): State<Access>, req: Request, next: Next) -> Response {
    let ctx = req.extensions().get::<Ctx>().cloned();
    let principal = ctx.as_ref().and_then(|c| c.principal.as_ref());
    match access.check(principal) {
        Ok(()) => {}
        // Back to this page after signing in (a scanned check-in code, say).
        Err(AppError::SignIn) if req.method() == axum::http::Method::GET => {
            let here = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let to = if here == "/" {
                "/login".to_string()
            } else {
                let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
                format!("/login?next={next}")
            };
            return axum::response::IntoResponse::into_response(axum::response::Redirect::to(&to));
        }
        Err(e) => return axum::response::IntoResponse::into_response(e),
    }
    // An account with a one-time password may only change it (or leave).
    if let Some(p) = principal
        && p.must_change_password
        && access != Access::Public
        && !matches!(req.uri().path(), "/me/password" | "/logout")
    {
        return axum::response::IntoResponse::into_response(axum::response::Redirect::to(
            "/me/password",
        ));
    }
    // An administrator without the second factor the county requires may only enrol.
    if let Some(p) = principal
        && p.must_enrol_second_factor
        && access != Access::Public
        && !matches!(
            req.uri().path(),
            "/me/second-factor"
                | "/me/second-factor/begin"
                | "/me/second-factor/confirm"
                | "/logout"
        )
    {
        return axum::response::IntoResponse::into_response(axum::response::Redirect::to(
            "/me/second-factor",
        ));
    }
    next.run(req).await
}

/// A fault that panicked is answered like any other inner fault (the usual error page, 500)
/// instead of a dropped connection, and logged in the request's span (which names the route).
fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message")
        .to_string();
    axum::response::IntoResponse::into_response(AppError::internal_in("a panic", detail))
}

pub fn router(state: AppState) -> Router {
    let mut app = Router::new();
    for route in routes() {
        let guarded = route
            .handler
            .route_layer(middleware::from_fn_with_state(route.spec.access, guard));
        app = app.route(route.spec.path, guarded);
    }
    app.fallback(|| async { AppError::NotFound })
        .layer(middleware::from_fn_with_state(state.clone(), context::load))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn(context::trace))
        // Pages and styles travel compressed when the browser accepts it (photos do not).
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state)
}
