use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use shared::ErrorBody;
use shared::auth::{LoginRequest, RefreshRequest, TokenResponse};
use shared::users::User;

use super::extractor::bearer_token;
use super::sessions::{self, ClientInfo, Rotation};
use super::{CurrentUser, password};
use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::users::{self, UserRow};

/// The SPA's refresh token: HttpOnly (no script can read it), SameSite=Strict and scoped
/// to the auth endpoints, so it is sent nowhere else.
pub const REFRESH_COOKIE: &str = "dealaai_refresh";
const REFRESH_COOKIE_PATH: &str = "/api/auth";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/auth").service(login).service(refresh).service(logout).service(me));
}

fn client_info(req: &HttpRequest) -> ClientInfo {
    ClientInfo {
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect()),
        ip: req.connection_info().realip_remote_addr().map(str::to_owned),
    }
}

fn refresh_cookie(state: &AppState, value: &str, max_age: CookieDuration) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, value.to_owned())
        .path(REFRESH_COOKIE_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.is_production())
        .max_age(max_age)
        .finish()
}

fn token_response(state: &AppState, user: &UserRow, session_id: i64, refresh_token: String) -> ApiResult<HttpResponse> {
    let access_token = state.jwt.issue(user.id, session_id, user.role())?;
    let max_age = CookieDuration::seconds(state.config.refresh_token_ttl.as_secs() as i64);
    let cookie = refresh_cookie(state, &refresh_token, max_age);
    Ok(HttpResponse::Ok().cookie(cookie).insert_header((header::CACHE_CONTROL, "no-store")).json(TokenResponse {
        access_token,
        refresh_token,
        token_type: "Bearer".to_owned(),
        expires_in: state.jwt.access_ttl.as_secs() as i64,
        user: user.to_api(),
    }))
}

fn clear_refresh_cookie(state: &AppState, mut response: HttpResponse) -> HttpResponse {
    let mut cookie = refresh_cookie(state, "", CookieDuration::ZERO);
    cookie.make_removal();
    let _ = response.add_cookie(&cookie);
    response
}

/// Log in with a username and password.
#[utoipa::path(
    post, path = "/api/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; the refresh token is also set as an HttpOnly cookie", body = TokenResponse),
        (status = 401, description = "Wrong username or password", body = ErrorBody),
        (status = 422, description = "Missing username or password", body = ErrorBody),
    )
)]
#[post("/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let LoginRequest { username, password } = body.into_inner();
    let mut missing = shared::FieldErrors::new();
    for (field, value) in [("username", &username), ("password", &password)] {
        if value.trim().is_empty() {
            missing.insert(field.to_owned(), vec!["is required".to_owned()]);
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::Validation(missing));
    }

    let mut conn = state.pool.get().await?;
    let user = users::find_by_username(&mut conn, username.trim()).await?;
    // Always verify against some hash, so unknown users cost as much time as known ones.
    let password_ok = password::verify(password, user.as_ref().map(|u| u.password_hash.clone())).await?;
    let user = match user {
        Some(user) if password_ok && user.is_active => user,
        _ => {
            tracing::info!(username = %username.trim(), "failed login");
            return Err(ApiError::InvalidCredentials);
        }
    };
    let session = sessions::create(&mut conn, user.id, state.config.refresh_token_ttl, &client_info(&req)).await?;
    tracing::info!(user_id = user.id, session_id = session.session_id, "login");
    token_response(&state, &user, session.session_id, session.refresh_token)
}

/// Exchange a refresh token (cookie or body) for a new access token and a new refresh
/// token. Each refresh token works once; replaying a used one revokes the whole session.
#[utoipa::path(
    post, path = "/api/auth/refresh", tag = "auth",
    request_body(content = RefreshRequest, description = "Optional: the SPA sends the cookie instead"),
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token", body = ErrorBody),
    )
)]
#[post("/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Option<web::Json<RefreshRequest>>,
) -> ApiResult<HttpResponse> {
    let presented = body
        .and_then(|b| b.into_inner().refresh_token)
        .or_else(|| req.cookie(REFRESH_COOKIE).map(|c| c.value().to_owned()))
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthenticated)?;

    let mut conn = state.pool.get().await?;
    let failure = match sessions::rotate(&mut conn, &presented).await? {
        Rotation::Rotated { user_id, session_id, refresh_token } => {
            match users::find_by_id(&mut conn, user_id).await?.filter(|u| u.is_active) {
                Some(user) => return token_response(&state, &user, session_id, refresh_token),
                None => {
                    sessions::revoke(&mut conn, session_id).await?;
                    ApiError::InvalidToken("user is not active")
                }
            }
        }
        Rotation::Invalid => ApiError::InvalidToken("invalid or expired refresh token"),
        Rotation::Reused => {
            tracing::warn!("refresh token reuse detected; session revoked");
            ApiError::InvalidToken("refresh token was already used; the session has been revoked")
        }
    };
    let response = actix_web::ResponseError::error_response(&failure);
    Ok(clear_refresh_cookie(&state, response))
}

/// End the current session (from the bearer token, or else the refresh cookie).
#[utoipa::path(
    post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204, description = "Session revoked; the refresh cookie is cleared"))
)]
#[post("/logout")]
pub async fn logout(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let session_id = match bearer_token(&req).ok().flatten().and_then(|t| state.jwt.verify(t).ok()) {
        Some(claims) => Some(claims.sid),
        None => match req.cookie(REFRESH_COOKIE) {
            Some(cookie) => sessions::session_of_token(&mut conn, cookie.value()).await?,
            None => None,
        },
    };
    if let Some(session_id) = session_id {
        sessions::revoke(&mut conn, session_id).await?;
    }
    Ok(clear_refresh_cookie(&state, HttpResponse::NoContent().finish()))
}

/// The logged-in user.
#[utoipa::path(
    get, path = "/api/auth/me", tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = User), (status = 401, body = ErrorBody))
)]
#[get("/me")]
pub async fn me(current: CurrentUser) -> web::Json<User> {
    web::Json(current.user.to_api())
}
