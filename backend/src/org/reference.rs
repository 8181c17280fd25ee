//! The one shape of the organisation's reference tables (provinces, dealerships, job
//! profiles): everyone logged in lists them, admins create, change and delete them. Each table
//! states only what is its own ([`Table`]): its checks, its statements, and who refers to it;
//! the steps every write takes are here, once.

use actix_web::HttpResponse;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use shared::Permission;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What one reference table does differently from the others.
pub(super) trait Table {
    /// Its name in 404 and 409 answers ("dealer": "dealer not found", "dealer is in use").
    const NAME: &'static str;
    /// What the API answers.
    type Item: serde::Serialize;
    /// What a create or a change sends (every field optional: a change sends what changes).
    type Input;
    /// The checked values to write; a field left `None` is not written.
    type Changes;

    /// Checks every field of `input`, naming each problem; a create needs the required ones.
    async fn validate(conn: &mut AsyncPgConnection, input: Self::Input, creating: bool) -> ApiResult<Self::Changes>;
    async fn insert(conn: &mut AsyncPgConnection, values: &Self::Changes) -> QueryResult<Self::Item>;
    /// The changed row; `Ok(None)` if there is no row `id`. diesel refuses an UPDATE that sets
    /// nothing: [`update`] then answers the row as it is.
    async fn update(conn: &mut AsyncPgConnection, id: i64, changes: &Self::Changes) -> QueryResult<Option<Self::Item>>;
    async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Self::Item>>;
    /// Whether anything still refers to row `id` (a user, a dealership): it then cannot go.
    async fn in_use(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<bool>;
    /// How many rows went (0 or 1).
    async fn delete(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<usize>;
}

/// Creates a row: 201 with it, 422 naming each bad field, 409 for a duplicate.
pub(super) async fn create<T: Table>(
    state: &AppState,
    caller: &CurrentUser,
    input: T::Input,
) -> ApiResult<HttpResponse> {
    caller.require(Permission::ManageOrganisation)?;
    let mut conn = state.pool.get().await?;
    let values = T::validate(&mut conn, input, true).await?;
    let item = T::insert(&mut conn, &values).await?;
    Ok(HttpResponse::Created().json(item))
}

/// Changes what `input` sends of row `id`: 200 with the row, 404, 422, 409.
pub(super) async fn update<T: Table>(
    state: &AppState,
    caller: &CurrentUser,
    id: i64,
    input: T::Input,
) -> ApiResult<HttpResponse> {
    caller.require(Permission::ManageOrganisation)?;
    let mut conn = state.pool.get().await?;
    let changes = T::validate(&mut conn, input, false).await?;
    let item = match T::update(&mut conn, id, &changes).await {
        Err(error) if crate::db::is_empty_changeset(&error) => T::find(&mut conn, id).await?,
        other => other?,
    };
    Ok(HttpResponse::Ok().json(item.ok_or(ApiError::NotFound(T::NAME))?))
}

/// Row `id`, for everyone logged in: 200 or 404.
pub(super) async fn get<T: Table>(state: &AppState, id: i64) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Ok().json(T::find(&mut conn, id).await?.ok_or(ApiError::NotFound(T::NAME))?))
}

/// Deletes row `id` if nothing refers to it: 204, 404, or 409 (deactivate it instead).
pub(super) async fn delete<T: Table>(state: &AppState, caller: &CurrentUser, id: i64) -> ApiResult<HttpResponse> {
    caller.require(Permission::ManageOrganisation)?;
    let mut conn = state.pool.get().await?;
    if T::in_use(&mut conn, id).await? {
        return Err(ApiError::InUse(T::NAME));
    }
    match T::delete(&mut conn, id).await? {
        0 => Err(ApiError::NotFound(T::NAME)),
        _ => Ok(HttpResponse::NoContent().finish()),
    }
}
