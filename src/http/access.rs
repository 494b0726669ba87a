//! Who may use what: the access each route declares (checked by the route table's guard),
//! what that access hands a handler, and the one way a handler keeps a record in scope.
use super::Ctx;
use super::context::Principal;
use crate::domain::policy::{Actor, Role};
use crate::error::{AppError, AppResult};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// Who may use a route. Checked before the handler runs; records inside are then checked
/// against the user's organization scope (and answer 404 when outside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    /// Any signed-in account.
    SignedIn,
    /// Accounts linked to a member record.
    Member,
    /// Accounts of someone on the 发展党员 path (an applicant, an activist...).
    Applicant,
    /// Branch or organization administrators.
    Admin,
    /// Content editors (理论自习室, 每日一题 bank).
    Editor,
    SystemAdmin,
    SecurityAdmin,
    AuditAdmin,
}

impl Access {
    pub fn check(self, principal: Option<&Principal>) -> Result<(), AppError> {
        if self == Access::Public {
            return Ok(());
        }
        let p = principal.ok_or(AppError::SignIn)?;
        let ok = match self {
            Access::Public | Access::SignedIn => true,
            Access::Member => p.actor.member_id.is_some(),
            Access::Applicant => p.actor.applicant_id.is_some(),
            Access::Admin => p.actor.is_admin(),
            Access::Editor => p.actor.has(Role::ContentEditor),
            Access::SystemAdmin => p.actor.has(Role::SystemAdmin),
            Access::SecurityAdmin => p.actor.has(Role::SecurityAdmin),
            Access::AuditAdmin => p.actor.has(Role::AuditAdmin),
        };
        if ok { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// Whether the principal may use routes of this access (the console menu asks).
    pub fn admits(self, principal: Option<&Principal>) -> bool {
        self.check(principal).is_ok()
    }
}

/// The principal of a route whose access `access` the guard has already checked.
async fn admitted<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    access: Access,
) -> AppResult<Principal> {
    let ctx = Ctx::from_request_parts(parts, state).await?;
    access.check(ctx.principal.as_ref())?;
    ctx.principal.ok_or(AppError::SignIn)
}

/// What a route declared `Access::Member` guarantees: the account is a member's.
pub struct Member {
    pub id: i64,
    /// The member's branch.
    pub branch_path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Member {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> AppResult<Self> {
        let p = admitted(parts, state, Access::Member).await?;
        Ok(Member {
            id: p.actor.member_id.ok_or(AppError::Forbidden)?,
            branch_path: p.actor.branch_path.unwrap_or_default(),
        })
    }
}

/// What a route declared `Access::Admin` guarantees: the actor administers a subtree.
pub struct Admin(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> AppResult<Self> {
        Ok(Admin(admitted(parts, state, Access::Admin).await?.actor))
    }
}

/// What a route declared `Access::Editor` guarantees: the actor edits content somewhere.
pub struct Editor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for Editor {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> AppResult<Self> {
        Ok(Editor(admitted(parts, state, Access::Editor).await?.actor))
    }
}

/// The one way a handler keeps a record it loaded by id: when the actor's rule (a
/// `domain::policy` predicate) allows it. Otherwise it does not exist for them: a record
/// outside one's scope answers 404, the same as a missing one.
pub trait Found<T> {
    fn found_if(self, allowed: impl FnOnce(&T) -> bool) -> AppResult<T>;
}

impl<T> Found<T> for AppResult<T> {
    fn found_if(self, allowed: impl FnOnce(&T) -> bool) -> AppResult<T> {
        match self {
            Ok(record) if allowed(&record) => Ok(record),
            Ok(_) => Err(AppError::NotFound),
            Err(e) => Err(e),
        }
    }
}
