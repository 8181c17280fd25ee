use actix_web::{HttpResponse, delete, get, middleware, patch, post, web};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde::Deserialize;
use shared::users::{Role, SetPasswordRequest, User, UserInput};
use shared::{ErrorBody, FieldProblem, Page, Permission};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use super::input::{validate_changes, validate_new_user};
use super::queries::{self, NewUser, UserChanges, UserRow};
use crate::auth::{CurrentUser, password, sessions};
use crate::db::pagination::PageParams;
use crate::db::schema::users;
use crate::error::{ApiError, ApiResult, Problems};
use crate::json_body::JsonBody;
use crate::state::{AppState, forget_callers_after_writes};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/users")
            .wrap(middleware::from_fn(forget_callers_after_writes))
            .service(list_users)
            .service(create_user)
            .service(get_user)
            .service(update_user)
            .service(deactivate_user)
            .service(set_password)
            .service(subordinates),
    );
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListParams {
    /// 1-based page number.
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// Items per page, at most 100.
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<i64>,
    /// Text in the username, email or names (case-insensitive).
    pub q: Option<String>,
    pub dealer_id: Option<i64>,
    pub province_id: Option<i64>,
    /// Users holding this job profile (`profile_id` is read too, as earlier clients send it).
    #[serde(alias = "profile_id")]
    pub job_profile_id: Option<i64>,
    pub boss_id: Option<i64>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub chat_enabled: Option<bool>,
    /// `username`, `last_name`, `email`, `role` or `created_at`; `-` for descending.
    #[param(pattern = "^-?(username|last_name|email|role|created_at)$")]
    pub sort: Option<String>,
}

/// Admins see everyone; managers their team (everyone under them); others nobody else.
async fn visible_ids(conn: &mut diesel_async::AsyncPgConnection, caller: &CurrentUser) -> ApiResult<Option<Vec<i64>>> {
    let role = caller.user.role();
    if role.can(Permission::ManageUsers) {
        Ok(None)
    } else if role.can(Permission::ViewTeam) {
        Ok(Some(queries::subordinate_ids(conn, caller.id(), true).await?))
    } else {
        Err(ApiError::Forbidden)
    }
}

async fn load_visible(conn: &mut diesel_async::AsyncPgConnection, caller: &CurrentUser, id: i64) -> ApiResult<UserRow> {
    if id != caller.id()
        && let Some(team) = visible_ids(conn, caller).await?
        && !team.contains(&id)
    {
        return Err(ApiError::Forbidden);
    }
    queries::find_by_id(conn, id).await?.ok_or(ApiError::NotFound("user"))
}

/// List users, filtered and paginated.
#[utoipa::path(
    get, tag = "users", security(("bearer" = [])),
    params(UserListParams),
    responses((status = 200, body = Page<User>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: CurrentUser,
    params: web::Query<UserListParams>,
) -> ApiResult<web::Json<Page<User>>> {
    let params = params.into_inner();
    let page = PageParams { page: params.page, page_size: params.page_size }.resolve_default()?;
    let (sort_column, descending) = match params.sort.as_deref().unwrap_or("username") {
        s if s.starts_with('-') => (&s[1..], true),
        s => (s, false),
    };
    if !["username", "last_name", "email", "role", "created_at"].contains(&sort_column) {
        return Err(ApiError::field("sort", FieldProblem::Invalid));
    }
    let mut conn = state.pool.get().await?;
    let scope = visible_ids(&mut conn, &caller).await?;

    let filtered = || {
        let mut query = users::table.into_boxed();
        if let Some(ids) = &scope {
            query = query.filter(users::id.eq_any(ids.clone()));
        }
        if let Some(q) = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let pattern = format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
            query = query.filter(
                users::username
                    .ilike(pattern.clone())
                    .or(users::email.ilike(pattern.clone()))
                    .or(users::first_name.ilike(pattern.clone()))
                    .or(users::last_name.ilike(pattern)),
            );
        }
        if let Some(id) = params.dealer_id {
            query = query.filter(users::dealer_id.eq(id));
        }
        if let Some(id) = params.province_id {
            query = query.filter(users::province_id.eq(id));
        }
        if let Some(id) = params.job_profile_id {
            query = query.filter(users::job_profile_id.eq(id));
        }
        if let Some(id) = params.boss_id {
            query = query.filter(users::boss_id.eq(id));
        }
        if let Some(role) = params.role {
            query = query.filter(users::role.eq(role.as_str()));
        }
        if let Some(active) = params.active {
            query = query.filter(users::is_active.eq(active));
        }
        if let Some(chat) = params.chat_enabled {
            query = query.filter(users::chat_enabled.eq(chat));
        }
        query
    };

    let total: i64 = filtered().count().get_result(&mut conn).await?;
    let mut query = filtered().select(UserRow::as_select());
    query = match (sort_column, descending) {
        ("last_name", false) => query.order((users::last_name.asc(), users::first_name.asc())),
        ("last_name", true) => query.order((users::last_name.desc(), users::first_name.desc())),
        ("email", false) => query.order(users::email.asc()),
        ("email", true) => query.order(users::email.desc()),
        ("role", false) => query.order(users::role.asc()),
        ("role", true) => query.order(users::role.desc()),
        ("created_at", false) => query.order(users::created_at.asc()),
        ("created_at", true) => query.order(users::created_at.desc()),
        (_, false) => query.order(users::username.asc()),
        (_, true) => query.order(users::username.desc()),
    };
    let rows: Vec<UserRow> =
        query.then_order_by(users::id.asc()).limit(page.page_size).offset(page.offset()).load(&mut conn).await?;
    Ok(web::Json(page.page_of(rows.iter().map(UserRow::to_api).collect(), total)))
}

/// Create a user (admins). There is no self-registration.
#[utoipa::path(
    post, tag = "users", security(("bearer" = [])),
    request_body = UserInput,
    responses(
        (status = 201, body = User),
        (status = 403, body = ErrorBody),
        (status = 409, description = "Username or email taken", body = ErrorBody),
        (status = 422, description = "Every invalid field, listed", body = ErrorBody),
    )
)]
#[post("")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: JsonBody<UserInput>,
) -> ApiResult<HttpResponse> {
    caller.require(Permission::ManageUsers)?;
    let mut conn = state.pool.get().await?;
    let valid = validate_new_user(&mut conn, body.into_inner()).await?;
    let hash = password::hash(valid.password.clone()).await?;
    let row = queries::try_insert(
        &mut conn,
        &NewUser {
            username: &valid.username,
            email: &valid.email,
            password_hash: &hash,
            first_name: &valid.first_name,
            last_name: &valid.last_name,
            role: valid.role.as_str(),
            is_active: valid.is_active,
            chat_enabled: valid.chat_enabled,
            job_profile_id: valid.job_profile_id,
            boss_id: valid.boss_id,
            dealer_id: valid.dealer_id,
            province_id: valid.province_id,
            mobile: &valid.mobile,
            birth_date: valid.birth_date,
            joining_date: valid.joining_date,
            leaving_date: valid.leaving_date,
        },
    )
    .await?;
    tracing::info!(user_id = row.id, by = caller.id(), "user created");
    Ok(HttpResponse::Created().json(row.to_api()))
}

/// One user: admins see anyone, managers their team, everyone themselves.
#[utoipa::path(
    get, tag = "users", security(("bearer" = [])),
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
) -> ApiResult<web::Json<User>> {
    let mut conn = state.pool.get().await?;
    Ok(web::Json(load_visible(&mut conn, &caller, id.into_inner()).await?.to_api()))
}

/// Change a user (admins). Deactivating, or setting a leaving date, ends their sessions.
#[utoipa::path(
    patch, tag = "users", security(("bearer" = [])),
    request_body = UserInput,
    responses(
        (status = 200, body = User),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[patch("/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
    body: JsonBody<UserInput>,
) -> ApiResult<web::Json<User>> {
    caller.require(Permission::ManageUsers)?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let current = queries::find_by_id(&conn, id).await?.ok_or(ApiError::NotFound("user"))?;
    let changes = validate_changes(&mut conn, &current, body.into_inner()).await?;
    if id == caller.id() {
        // An admin cannot lock themselves out.
        let mut problems = Problems::default();
        if changes.is_active == Some(false) {
            problems.add("is_active", FieldProblem::Invalid);
        }
        if changes.role.as_deref().is_some_and(|r| r != Role::Admin.as_str()) {
            problems.add("role", FieldProblem::Invalid);
        }
        problems.into_result()?;
    }
    let updated = save_and_revoke_if_deactivated(&mut conn, id, &changes).await?;
    Ok(web::Json(updated.to_api()))
}

async fn save_and_revoke_if_deactivated(
    conn: &mut diesel_async::AsyncPgConnection,
    id: i64,
    changes: &UserChanges,
) -> ApiResult<UserRow> {
    let deactivating = changes.is_active == Some(false);
    let updated = conn
        .transaction(async |conn| {
            let updated = queries::update(conn, id, changes).await?;
            if deactivating {
                sessions::revoke_all_for_user(conn, id, None).await?;
            }
            Ok::<_, diesel::result::Error>(updated)
        })
        .await?;
    Ok(updated)
}

/// Deactivate a user (admins): they can no longer log in and their sessions end. Nothing
/// is deleted, so their history stays attributed.
#[utoipa::path(
    delete, tag = "users", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[delete("/{id}")]
pub async fn deactivate_user(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    caller.require(Permission::ManageUsers)?;
    let id = id.into_inner();
    if id == caller.id() {
        return Err(ApiError::field("id", FieldProblem::SelfReference));
    }
    let mut conn = state.pool.get().await?;
    queries::find_by_id(&conn, id).await?.ok_or(ApiError::NotFound("user"))?;
    let changes = UserChanges { is_active: Some(false), ..Default::default() };
    save_and_revoke_if_deactivated(&mut conn, id, &changes).await?;
    tracing::info!(user_id = id, by = caller.id(), "user deactivated");
    Ok(HttpResponse::NoContent().finish())
}

/// Set another user's password (admins); all of that user's sessions end.
#[utoipa::path(
    post, tag = "users", security(("bearer" = [])),
    request_body = SetPasswordRequest,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/{id}/password")]
pub async fn set_password(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
    body: JsonBody<SetPasswordRequest>,
) -> ApiResult<HttpResponse> {
    caller.require(Permission::ManageUsers)?;
    let mut conn = state.pool.get().await?;
    let target = queries::find_by_id(&conn, id.into_inner()).await?.ok_or(ApiError::NotFound("user"))?;
    let new_password = body.into_inner().new_password;
    replace_password(&mut conn, &target, new_password, None).await?;
    tracing::info!(user_id = target.id, by = caller.id(), "password reset by an administrator");
    Ok(HttpResponse::NoContent().finish())
}

/// Checks, hashes and stores a new password, then ends the user's sessions (but `keep`).
pub async fn replace_password(
    conn: &mut diesel_async::AsyncPgConnection,
    user: &UserRow,
    new_password: String,
    keep_session: Option<i64>,
) -> ApiResult<()> {
    let mut problems = Problems::default();
    problems.check_new_password("new_password", &new_password, &user.username);
    problems.into_result()?;
    let hash = password::hash(new_password).await?;
    let changes = UserChanges { password_hash: Some(hash), ..Default::default() };
    conn.transaction(async |conn| {
        queries::update(conn, user.id, &changes).await?;
        sessions::revoke_all_for_user(conn, user.id, keep_session).await?;
        Ok::<_, diesel::result::Error>(())
    })
    .await?;
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubordinatesParams {
    /// The whole tree under the user, not only direct reports.
    #[serde(default)]
    pub recursive: bool,
}

/// The users under someone: direct reports, or the whole tree with `?recursive=true`.
#[utoipa::path(
    get, tag = "users", security(("bearer" = [])),
    params(SubordinatesParams),
    responses((status = 200, body = Vec<User>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/{id}/subordinates")]
pub async fn subordinates(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
    params: web::Query<SubordinatesParams>,
) -> ApiResult<web::Json<Vec<User>>> {
    let mut conn = state.pool.get().await?;
    let boss = load_visible(&mut conn, &caller, id.into_inner()).await?;
    let ids = queries::subordinate_ids(&mut conn, boss.id, params.recursive).await?;
    let rows: Vec<UserRow> = users::table
        .filter(users::id.eq_any(ids))
        .select(UserRow::as_select())
        .order((users::last_name.asc(), users::first_name.asc(), users::id.asc()))
        .load(&mut conn)
        .await?;
    Ok(web::Json(rows.iter().map(UserRow::to_api).collect()))
}
