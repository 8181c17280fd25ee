use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use shared::Permission;

use super::sessions;
use super::tokens::Claims;
use crate::app::AppState;
use crate::error::ApiError;
use crate::users::{self, UserRow};

/// The authenticated caller: a valid bearer JWT whose session is live and whose user is
/// active. Checked against the database on every request, so logout and deactivation take
/// effect immediately on every replica.
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

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req.app_data::<web::Data<AppState>>().expect("AppState is registered").clone();
            let token = bearer_token(&req)?.ok_or(ApiError::Unauthenticated)?;
            let claims = state.jwt.verify(token)?;
            let user_id = claims.user_id()?;
            let conn = state.pool.get().await?;
            // Both questions go to PostgreSQL at once (pipelined): one round trip per request.
            let (live, user) =
                futures_util::try_join!(sessions::is_live(&conn, claims.sid), users::find_by_id(&conn, user_id))?;
            if !live {
                return Err(ApiError::InvalidToken("session has ended"));
            }
            let user = user.filter(|user| user.is_active).ok_or(ApiError::InvalidToken("user is not active"))?;
            Ok(CurrentUser { user, claims })
        })
    }
}
