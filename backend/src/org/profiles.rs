use actix_web::{HttpResponse, delete, get, patch, post, web};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use shared::org::{JobProfile, JobProfileInput};
use shared::{ErrorBody, Page, Permission};

use super::{REFERENCE_PAGE_SIZE, required_text, text_field};
use crate::auth::CurrentUser;
use crate::db::pagination::PageParams;
use crate::db::schema::{job_profiles, users};
use crate::error::{ApiError, ApiResult, Problems};
use crate::json_body::JsonBody;
use crate::state::AppState;

#[derive(Queryable, Selectable)]
#[diesel(table_name = job_profiles, check_for_backend(diesel::pg::Pg))]
struct ProfileRow {
    id: i64,
    code: String,
    name: String,
    description: String,
    is_active: bool,
}

impl From<ProfileRow> for JobProfile {
    fn from(r: ProfileRow) -> Self {
        JobProfile { id: r.id, code: r.code, name: r.name, description: r.description, is_active: r.is_active }
    }
}

#[derive(AsChangeset, Insertable)]
#[diesel(table_name = job_profiles)]
struct ProfileChanges {
    code: Option<String>,
    name: Option<String>,
    description: Option<String>,
    is_active: Option<bool>,
}

fn validate(input: JobProfileInput, creating: bool) -> ApiResult<ProfileChanges> {
    let mut problems = Problems::default();
    let code = required_text(&mut problems, "code", input.code, creating, 20).map(|c| c.to_uppercase());
    let name = required_text(&mut problems, "name", input.name, creating, 100);
    let description = text_field(&mut problems, "description", input.description, 1000);
    problems.into_result()?;
    Ok(ProfileChanges { code, name, description, is_active: input.is_active })
}

/// Job profiles, by code.
#[utoipa::path(
    get, path = "/api/profiles", tag = "organisation", security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, body = Page<JobProfile>), (status = 401, body = ErrorBody))
)]
#[get("")]
pub async fn list_profiles(
    state: web::Data<AppState>,
    _caller: CurrentUser,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<JobProfile>>> {
    let page = page.into_inner().resolve(REFERENCE_PAGE_SIZE)?;
    let mut conn = state.pool.get().await?;
    let total = job_profiles::table.count().get_result(&mut conn).await?;
    let rows: Vec<ProfileRow> = job_profiles::table
        .select(ProfileRow::as_select())
        .order(job_profiles::code.asc())
        .limit(page.page_size)
        .offset(page.offset())
        .load(&mut conn)
        .await?;
    Ok(web::Json(page.page_of(rows.into_iter().map(JobProfile::from).collect(), total)))
}

#[utoipa::path(
    post, path = "/api/profiles", tag = "organisation", security(("bearer" = [])),
    request_body = JobProfileInput,
    responses((status = 201, body = JobProfile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("")]
pub async fn create_profile(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: JsonBody<JobProfileInput>,
) -> ApiResult<HttpResponse> {
    caller.require(Permission::ManageOrganisation)?;
    let values = validate(body.into_inner(), true)?;
    let mut conn = state.pool.get().await?;
    let row: ProfileRow = diesel::insert_into(job_profiles::table)
        .values(&values)
        .returning(ProfileRow::as_returning())
        .get_result(&mut conn)
        .await?;
    Ok(HttpResponse::Created().json(JobProfile::from(row)))
}

#[utoipa::path(
    patch, path = "/api/profiles/{id}", tag = "organisation", security(("bearer" = [])),
    request_body = JobProfileInput,
    responses((status = 200, body = JobProfile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[patch("/{id}")]
pub async fn update_profile(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
    body: JsonBody<JobProfileInput>,
) -> ApiResult<web::Json<JobProfile>> {
    caller.require(Permission::ManageOrganisation)?;
    let changes = validate(body.into_inner(), false)?;
    let mut conn = state.pool.get().await?;
    let id = id.into_inner();
    let row: Option<ProfileRow> = match diesel::update(job_profiles::table.find(id))
        .set(&changes)
        .returning(ProfileRow::as_returning())
        .get_result(&mut conn)
        .await
    {
        Err(error) if crate::db::is_empty_changeset(&error) => {
            job_profiles::table.find(id).select(ProfileRow::as_select()).first(&mut conn).await.optional()?
        }
        other => other.optional()?,
    };
    Ok(web::Json(row.ok_or(ApiError::NotFound("job profile"))?.into()))
}

/// Delete a job profile nobody has; otherwise 409 (deactivate it instead).
#[utoipa::path(
    delete, path = "/api/profiles/{id}", tag = "organisation", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
#[delete("/{id}")]
pub async fn delete_profile(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    caller.require(Permission::ManageOrganisation)?;
    let mut conn = state.pool.get().await?;
    let id = id.into_inner();
    let in_use: bool = diesel::select(diesel::dsl::exists(users::table.filter(users::job_profile_id.eq(id))))
        .get_result(&mut conn)
        .await?;
    if in_use {
        return Err(ApiError::InUse("job profile"));
    }
    match diesel::delete(job_profiles::table.find(id)).execute(&mut conn).await? {
        0 => Err(ApiError::NotFound("job profile")),
        _ => Ok(HttpResponse::NoContent().finish()),
    }
}
