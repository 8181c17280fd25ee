use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, middleware, patch, post, web};
use shared::auth::{LoginRequest, RefreshRequest, TokenResponse};
use shared::users::{ChangePasswordRequest, ProfileInput, SessionInfo, User};
use shared::{ErrorBody, FieldProblem};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extractor::bearer_token;
use super::sessions::{self, Rotation};
use super::{CurrentUser, client_info, password, throttle};
use crate::error::{ApiError, ApiResult, Problems};
use crate::json_body::JsonBody;
use crate::state::{AppState, forget_callers_after_writes};
use crate::users::{self, UserRow};

/// The SPA's refresh token: HttpOnly (no script can read it), SameSite=Strict and scoped
/// to the auth endpoints, so it is sent nowhere else.
pub const REFRESH_COOKIE: &str = "dealaai_refresh";
const REFRESH_COOKIE_PATH: &str = "/api/auth";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/auth")
            .service(login)
            .service(refresh)
            .service(logout)
            .service(logout_all)
            .service(me)
            .service(update_me)
            .service(change_password)
            .service(list_sessions)
            .service(revoke_session),
    );
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
    post, tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; the refresh token is also set as an HttpOnly cookie", body = TokenResponse),
        (status = 401, description = "Wrong username or password", body = ErrorBody),
        (status = 403, description = "Production: the account still has the development demo password", body = ErrorBody),
        (status = 422, description = "Missing username or password", body = ErrorBody),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = ErrorBody),
    )
)]
#[post("/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let LoginRequest { username, password } = body.into_inner();
    let mut problems = Problems::default();
    for (field, value) in [("username", &username), ("password", &password)] {
        if value.trim().is_empty() {
            problems.add(field, FieldProblem::Required);
        }
    }
    problems.into_result()?;

    let client = client_info(&req);
    let user = {
        let mut conn = state.pool.get().await?;
        // Counted as a failure until the password proves right.
        throttle::reserve(&mut conn, &username, client.ip.as_deref()).await?;
        users::credentials_by_username(&mut conn, username.trim()).await?
    };
    // Compared with a constant, and acted on only once the password proved right.
    let is_demo_password = password == password::DEMO_ADMIN_PASSWORD;
    // No connection is held while hashing. Always verify against some hash, so unknown
    // users cost as much time as known ones.
    let (user, hash) = user.unzip();
    let password_ok = password::verify(password, hash).await?;
    let user = match user {
        Some(user) if password_ok && user.is_active => user,
        _ => {
            tracing::info!(username = %username.trim(), ip = ?client.ip, "failed login");
            return Err(ApiError::InvalidCredentials);
        }
    };
    // A database seeded in development and then deployed must not open with the demo login;
    // the attempt stays counted as a failure.
    if is_demo_password && state.config.is_production() {
        tracing::warn!(user_id = user.id, "login refused: the account still has the demo password");
        return Err(ApiError::DemoPassword(user.username));
    }
    let mut conn = state.pool.get().await?;
    throttle::clear(&mut conn, &username, client.ip.as_deref()).await?;
    let session = sessions::create(&mut conn, user.id, state.config.refresh_token_ttl, &client).await?;
    tracing::info!(user_id = user.id, session_id = session.session_id, "login");
    token_response(&state, &user, session.session_id, session.refresh_token)
}

/// Exchange a refresh token (cookie or body) for a new access token and a new refresh
/// token. Each refresh token works once; replaying a used one revokes the whole session.
#[utoipa::path(
    post, tag = "auth",
    request_body(content = RefreshRequest, description = "Optional: the SPA sends the cookie instead"),
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token", body = ErrorBody),
    )
)]
#[post("/refresh", wrap = "middleware::from_fn(forget_callers_after_writes)")]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Option<JsonBody<RefreshRequest>>,
) -> ApiResult<HttpResponse> {
    let presented = body
        .and_then(|b| b.into_inner().refresh_token)
        .or_else(|| req.cookie(REFRESH_COOKIE).map(|c| c.value().to_owned()))
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthenticated)?;

    let mut conn = state.pool.get().await?;
    let failure = match sessions::rotate(&mut conn, &presented, state.config.refresh_reuse_grace).await? {
        Rotation::Rotated { user_id, session_id, refresh_token } => {
            match users::find_by_id(&conn, user_id).await?.filter(|u| u.is_active) {
                Some(user) => return token_response(&state, &user, session_id, refresh_token),
                None => {
                    sessions::revoke(&mut conn, session_id).await?;
                    ApiError::InvalidToken("user is not active")
                }
            }
        }
        Rotation::Invalid => ApiError::InvalidToken("invalid or expired refresh token"),
        // Keep the cookie: the browser already holds the newer token from the other request.
        Rotation::Superseded => return Err(ApiError::InvalidToken("refresh token was just rotated; retry")),
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
    post, tag = "auth",
    responses((status = 204, description = "Session revoked; the refresh cookie is cleared"))
)]
#[post("/logout", wrap = "middleware::from_fn(forget_callers_after_writes)")]
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
    get, tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = User), (status = 401, body = ErrorBody))
)]
#[get("/me")]
pub async fn me(current: CurrentUser) -> web::Json<User> {
    web::Json(current.user.to_api())
}

/// End every session of the caller, on every device.
#[utoipa::path(
    post, tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "All sessions revoked"), (status = 401, body = ErrorBody))
)]
#[post("/logout-all", wrap = "middleware::from_fn(forget_callers_after_writes)")]
pub async fn logout_all(state: web::Data<AppState>, current: CurrentUser) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    sessions::revoke_all_for_user(&mut conn, current.id(), None).await?;
    Ok(clear_refresh_cookie(&state, HttpResponse::NoContent().finish()))
}

/// Change one's own contact details (names, email, mobile).
#[utoipa::path(
    patch, tag = "auth", security(("bearer" = [])),
    request_body = ProfileInput,
    responses((status = 200, body = User), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[patch("/me", wrap = "middleware::from_fn(forget_callers_after_writes)")]
pub async fn update_me(
    state: web::Data<AppState>,
    current: CurrentUser,
    body: JsonBody<ProfileInput>,
) -> ApiResult<web::Json<User>> {
    let mut conn = state.pool.get().await?;
    let changes = users::apply_profile(&mut conn, &current.user, body.into_inner()).await?;
    Ok(web::Json(users::update(&mut conn, current.id(), &changes).await?.to_api()))
}

/// Change one's own password. Every other session of the user ends; this one stays.
#[utoipa::path(
    post, tag = "auth", security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204), (status = 401, body = ErrorBody),
        (status = 422, description = "Wrong current password or a weak new one", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords (counted with failed logins)", body = ErrorBody),
    )
)]
#[post("/password", wrap = "middleware::from_fn(forget_callers_after_writes)")]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    body: JsonBody<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let ChangePasswordRequest { current_password, new_password } = body.into_inner();
    // Guesses of the current password (a stolen session) count as failed logins.
    let client = client_info(&req);
    let username = current.user.username.clone();
    let hash = {
        let mut conn = state.pool.get().await?;
        throttle::reserve(&mut conn, &username, client.ip.as_deref()).await?;
        crate::users::password_hash(&mut conn, current.id()).await?
    };
    if !password::verify(current_password, hash).await? {
        return Err(ApiError::field("current_password", FieldProblem::WrongPassword));
    }
    let mut conn = state.pool.get().await?;
    throttle::clear(&mut conn, &username, client.ip.as_deref()).await?;
    crate::users::replace_password(&mut conn, &current.user, new_password, Some(current.claims.sid)).await?;
    tracing::info!(user_id = current.id(), "password changed");
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's live sessions (devices), most recent first.
#[utoipa::path(
    get, tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionInfo>), (status = 401, body = ErrorBody))
)]
#[get("/sessions")]
pub async fn list_sessions(state: web::Data<AppState>, current: CurrentUser) -> ApiResult<web::Json<Vec<SessionInfo>>> {
    let mut conn = state.pool.get().await?;
    let rows = sessions::live_for_user(&mut conn, current.id()).await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|row| SessionInfo {
                current: row.id == current.claims.sid,
                id: row.id,
                created_at: row.created_at,
                last_used_at: row.last_used_at,
                expires_at: row.expires_at,
                user_agent: row.user_agent,
                ip: row.ip,
            })
            .collect(),
    ))
}

/// Revoke one of the caller's sessions (log out a device).
#[utoipa::path(
    delete, tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[delete("/sessions/{id}", wrap = "middleware::from_fn(forget_callers_after_writes)")]
pub async fn revoke_session(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    if !sessions::revoke_own(&mut conn, current.id(), id.into_inner()).await? {
        return Err(ApiError::NotFound("session"));
    }
    Ok(HttpResponse::NoContent().finish())
}
