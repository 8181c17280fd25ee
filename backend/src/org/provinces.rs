use actix_web::{HttpResponse, delete, get, patch, post, web};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::org::{Province, ProvinceInput};
use shared::{ErrorBody, Page};

use super::reference::{self, Table};
use super::{REFERENCE_PAGE_SIZE, required_text};
use crate::auth::CurrentUser;
use crate::db::pagination::PageParams;
use crate::db::schema::{provinces, users};
use crate::error::{ApiResult, Problems};
use crate::json_body::JsonBody;
use crate::state::AppState;

#[derive(Queryable, Selectable)]
#[diesel(table_name = provinces, check_for_backend(diesel::pg::Pg))]
struct ProvinceRow {
    id: i64,
    code: String,
    name: String,
}

impl From<ProvinceRow> for Province {
    fn from(row: ProvinceRow) -> Self {
        Province { id: row.id, code: row.code, name: row.name }
    }
}

#[derive(AsChangeset, Insertable)]
#[diesel(table_name = provinces)]
pub(super) struct ProvinceChanges {
    code: Option<String>,
    name: Option<String>,
}

/// Provinces: a code and a name, both required; users and dealerships refer to them.
pub(super) struct Provinces;

impl Table for Provinces {
    const NAME: &'static str = "province";
    type Item = Province;
    type Input = ProvinceInput;
    type Changes = ProvinceChanges;

    async fn validate(_: &mut AsyncPgConnection, input: ProvinceInput, creating: bool) -> ApiResult<ProvinceChanges> {
        let mut problems = Problems::default();
        let code = required_text(&mut problems, "code", input.code, creating, 10);
        let name = required_text(&mut problems, "name", input.name, creating, 100);
        problems.into_result()?;
        Ok(ProvinceChanges { code, name })
    }

    async fn insert(conn: &mut AsyncPgConnection, values: &ProvinceChanges) -> QueryResult<Province> {
        let row: ProvinceRow = diesel::insert_into(provinces::table)
            .values(values)
            .returning(ProvinceRow::as_returning())
            .get_result(conn)
            .await?;
        Ok(row.into())
    }

    async fn update(conn: &mut AsyncPgConnection, id: i64, changes: &ProvinceChanges) -> QueryResult<Option<Province>> {
        let row = diesel::update(provinces::table.find(id)).set(changes).returning(ProvinceRow::as_returning());
        Ok(row.get_result::<ProvinceRow>(conn).await.optional()?.map(Province::from))
    }

    async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Province>> {
        let row = provinces::table.find(id).select(ProvinceRow::as_select());
        Ok(row.first::<ProvinceRow>(conn).await.optional()?.map(Province::from))
    }

    /// Users refer to provinces; a dealership's province is cleared with it (the foreign key).
    async fn in_use(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(users::table.filter(users::province_id.eq(id)))).get_result(conn).await
    }

    async fn delete(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<usize> {
        diesel::delete(provinces::table.find(id)).execute(conn).await
    }
}

/// All provinces, by name in Spanish order (Álava and Ávila among the A's).
#[utoipa::path(
    get, tag = "organisation", security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, body = Page<Province>), (status = 401, body = ErrorBody))
)]
#[get("")]
pub async fn list_provinces(
    state: web::Data<AppState>,
    _caller: CurrentUser,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Province>>> {
    let page = page.into_inner().resolve(REFERENCE_PAGE_SIZE)?;
    let mut conn = state.pool.get().await?;
    let total = provinces::table.count().get_result(&mut conn).await?;
    let rows: Vec<ProvinceRow> = provinces::table
        .select(ProvinceRow::as_select())
        .order((super::fold_text(provinces::name).asc(), provinces::name.asc(), provinces::id.asc()))
        .limit(page.page_size)
        .offset(page.offset())
        .load(&mut conn)
        .await?;
    Ok(web::Json(page.page_of(rows.into_iter().map(Province::from).collect(), total)))
}

#[utoipa::path(
    post, tag = "organisation", security(("bearer" = [])),
    request_body = ProvinceInput,
    responses((status = 201, body = Province), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("")]
pub async fn create_province(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: JsonBody<ProvinceInput>,
) -> ApiResult<HttpResponse> {
    reference::create::<Provinces>(&state, &caller, body.into_inner()).await
}

#[utoipa::path(
    patch, tag = "organisation", security(("bearer" = [])),
    request_body = ProvinceInput,
    responses((status = 200, body = Province), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[patch("/{id}")]
pub async fn update_province(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
    body: JsonBody<ProvinceInput>,
) -> ApiResult<HttpResponse> {
    reference::update::<Provinces>(&state, &caller, id.into_inner(), body.into_inner()).await
}

/// Delete a province; refused with 409 while dealerships or users refer to it.
#[utoipa::path(
    delete, tag = "organisation", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
#[delete("/{id}")]
pub async fn delete_province(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    reference::delete::<Provinces>(&state, &caller, id.into_inner()).await
}
