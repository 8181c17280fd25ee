use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::{DateTime, Utc};

use shared::Permission;

use super::sessions;
use super::tokens::Claims;
use crate::cache::memory::{Generation, Memory};
use crate::error::ApiError;
use crate::state::AppState;
use crate::users::{self, UserRow};

/// The authenticated caller: a valid bearer JWT whose session is live and whose user is
/// active. Checked against the database, or against this process's memory of that check while
/// it hears the database's notifications of ended sessions and changed users ([`Callers`]), so
/// logout and deactivation take effect at once on every replica.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: UserRow,
    pub claims: Claims,
}

impl CurrentUser {
    pub fn id(&self) -> i64 {
        self.user.id
    }

    /// 403 unless the caller's role grants `permission` (see `shared::permissions`).
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.user.role().can(permission) { Ok(()) } else { Err(ApiError::Forbidden) }
    }
}

/// The token from `Authorization: Bearer <token>`, if the header is present at all.
pub(super) fn bearer_token(req: &HttpRequest) -> Result<Option<&str>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::InvalidToken("malformed Authorization header"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim()))
        }
        _ => Err(ApiError::InvalidToken("expected `Authorization: Bearer <token>`")),
    }
}

/// How long a remembered check is trusted at most (notifications make it exact before that).
const CALLER_TTL: Duration = Duration::from_secs(30);
/// How many sessions each process remembers.
const CALLERS_KEPT: usize = 10_000;

/// The sessions this process checked recently: who is behind each one, and until when it lives.
pub struct Callers(Memory<i64, Caller>);

#[derive(Clone)]
struct Caller {
    user: UserRow,
    session_expires_at: DateTime<Utc>,
}

impl Default for Callers {
    fn default() -> Self {
        Callers(Memory::new(CALLER_TTL, CALLERS_KEPT, |_| 1))
    }
}

impl Callers {
    pub fn generation(&self) -> &Arc<Generation> {
        self.0.generation()
    }

    /// Forgets every remembered check (after this process served a write, which may have ended
    /// a session or changed a user).
    pub fn forget(&self) {
        self.0.generation().advance();
    }

    async fn check(&self, state: &AppState, claims: &Claims) -> Result<UserRow, ApiError> {
        let user_id = claims.user_id()?;
        let remembered = self.0.get(&claims.sid).filter(|caller| caller.session_expires_at > Utc::now());
        if let Some(caller) = remembered.filter(|caller| caller.user.id == user_id) {
            return Ok(caller.user);
        }
        let stamp = self.0.stamp();
        let conn = state.pool.get().await?;
        // Both questions go to PostgreSQL at once (pipelined): one round trip.
        let (session_expires_at, user) = futures_util::try_join!(
            sessions::live_until(&conn, claims.sid, user_id),
            users::find_by_id(&conn, user_id)
        )?;
        let session_expires_at = session_expires_at.ok_or(ApiError::InvalidToken("session has ended"))?;
        let user = user.filter(|user| user.is_active).ok_or(ApiError::InvalidToken("user is not active"))?;
        self.0.put(claims.sid, Caller { user: user.clone(), session_expires_at }, stamp);
        Ok(user)
    }
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req.app_data::<web::Data<AppState>>().expect("AppState is registered").clone();
            let token = bearer_token(&req)?.ok_or(ApiError::Unauthenticated)?;
            let claims = state.jwt.verify(token)?;
            let user = state.callers.check(&state, &claims).await?;
            Ok(CurrentUser { user, claims })
        })
    }
}
