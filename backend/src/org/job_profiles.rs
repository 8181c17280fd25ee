use actix_web::{HttpResponse, delete, get, patch, post, web};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::org::{JobProfile, JobProfileInput};
use shared::{ErrorBody, Page};

use super::reference::{self, Table};
use super::{REFERENCE_PAGE_SIZE, required_text, text_field};
use crate::auth::CurrentUser;
use crate::db::pagination::PageParams;
use crate::db::schema::{job_profiles, users};
use crate::error::{ApiResult, Problems};
use crate::json_body::JsonBody;
use crate::state::AppState;

#[derive(Queryable, Selectable)]
#[diesel(table_name = job_profiles, check_for_backend(diesel::pg::Pg))]
struct JobProfileRow {
    id: i64,
    code: String,
    name: String,
    description: String,
    is_active: bool,
}

impl From<JobProfileRow> for JobProfile {
    fn from(r: JobProfileRow) -> Self {
        JobProfile { id: r.id, code: r.code, name: r.name, description: r.description, is_active: r.is_active }
    }
}

#[derive(AsChangeset, Insertable)]
#[diesel(table_name = job_profiles)]
pub(super) struct JobProfileChanges {
    code: Option<String>,
    name: Option<String>,
    description: Option<String>,
    is_active: Option<bool>,
}

/// Job profiles: a code (upper case) and a name, both required; users hold them.
pub(super) struct JobProfiles;

impl Table for JobProfiles {
    const NAME: &'static str = "job profile";
    type Item = JobProfile;
    type Input = JobProfileInput;
    type Changes = JobProfileChanges;

    async fn validate(
        _: &mut AsyncPgConnection,
        input: JobProfileInput,
        creating: bool,
    ) -> ApiResult<JobProfileChanges> {
        let mut problems = Problems::default();
        let code = required_text(&mut problems, "code", input.code, creating, 20).map(|c| c.to_uppercase());
        let name = required_text(&mut problems, "name", input.name, creating, 100);
        let description = text_field(&mut problems, "description", input.description, 1000);
        problems.into_result()?;
        Ok(JobProfileChanges { code, name, description, is_active: input.is_active })
    }

    async fn insert(conn: &mut AsyncPgConnection, values: &JobProfileChanges) -> QueryResult<JobProfile> {
        let row: JobProfileRow = diesel::insert_into(job_profiles::table)
            .values(values)
            .returning(JobProfileRow::as_returning())
            .get_result(conn)
            .await?;
        Ok(row.into())
    }

    async fn update(
        conn: &mut AsyncPgConnection,
        id: i64,
        changes: &JobProfileChanges,
    ) -> QueryResult<Option<JobProfile>> {
        let row = diesel::update(job_profiles::table.find(id)).set(changes).returning(JobProfileRow::as_returning());
        Ok(row.get_result::<JobProfileRow>(conn).await.optional()?.map(JobProfile::from))
    }

    async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<JobProfile>> {
        let row = job_profiles::table.find(id).select(JobProfileRow::as_select());
        Ok(row.first::<JobProfileRow>(conn).await.optional()?.map(JobProfile::from))
    }

    async fn in_use(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(users::table.filter(users::job_profile_id.eq(id)))).get_result(conn).await
    }

    async fn delete(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<usize> {
        diesel::delete(job_profiles::table.find(id)).execute(conn).await
    }
}

/// Job profiles, by code.
#[utoipa::path(
    get, tag = "organisation", security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, body = Page<JobProfile>), (status = 401, body = ErrorBody))
)]
#[get("")]
pub async fn list_job_profiles(
    state: web::Data<AppState>,
    _caller: CurrentUser,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<JobProfile>>> {
    let page = page.into_inner().resolve(REFERENCE_PAGE_SIZE)?;
    let mut conn = state.pool.get().await?;
    let total = job_profiles::table.count().get_result(&mut conn).await?;
    let rows: Vec<JobProfileRow> = job_profiles::table
        .select(JobProfileRow::as_select())
        .order(job_profiles::code.asc())
        .limit(page.page_size)
        .offset(page.offset())
        .load(&mut conn)
        .await?;
    Ok(web::Json(page.page_of(rows.into_iter().map(JobProfile::from).collect(), total)))
}

#[utoipa::path(
    post, tag = "organisation", security(("bearer" = [])),
    request_body = JobProfileInput,
    responses((status = 201, body = JobProfile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("")]
pub async fn create_job_profile(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: JsonBody<JobProfileInput>,
) -> ApiResult<HttpResponse> {
    reference::create::<JobProfiles>(&state, &caller, body.into_inner()).await
}

#[utoipa::path(
    patch, tag = "organisation", security(("bearer" = [])),
    request_body = JobProfileInput,
    responses((status = 200, body = JobProfile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[patch("/{id}")]
pub async fn update_job_profile(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
    body: JsonBody<JobProfileInput>,
) -> ApiResult<HttpResponse> {
    reference::update::<JobProfiles>(&state, &caller, id.into_inner(), body.into_inner()).await
}

/// Delete a job profile nobody has; otherwise 409 (deactivate it instead).
#[utoipa::path(
    delete, tag = "organisation", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
#[delete("/{id}")]
pub async fn delete_job_profile(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    reference::delete::<JobProfiles>(&state, &caller, id.into_inner()).await
}
