use actix_web::{HttpResponse, delete, get, patch, post, web};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use shared::org::{Dealer, DealerInput};
use shared::validation::check_email;
use shared::{ErrorBody, FieldProblem, Page};

use super::reference::{self, Table};
use super::{REFERENCE_PAGE_SIZE, required_text, text_field};
use crate::auth::CurrentUser;
use crate::db::pagination::PageParams;
use crate::db::schema::{dealers, provinces, users};
use crate::error::{ApiResult, Problems};
use crate::json_body::JsonBody;
use crate::state::AppState;

#[derive(Queryable, Selectable)]
#[diesel(table_name = dealers, check_for_backend(diesel::pg::Pg))]
struct DealerRow {
    id: i64,
    name: String,
    address: String,
    phone: String,
    email: String,
    province_id: Option<i64>,
    is_active: bool,
}

impl From<DealerRow> for Dealer {
    fn from(r: DealerRow) -> Self {
        Dealer {
            id: r.id,
            name: r.name,
            address: r.address,
            phone: r.phone,
            email: r.email,
            province_id: r.province_id,
            is_active: r.is_active,
        }
    }
}

#[derive(AsChangeset, Insertable)]
#[diesel(table_name = dealers)]
pub(super) struct DealerChanges {
    name: Option<String>,
    address: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    province_id: Option<Option<i64>>,
    is_active: Option<bool>,
}

/// Dealerships: a name (required), contact details and a province that must exist; users
/// work at them and vehicles stand in them.
pub(super) struct Dealers;

impl Table for Dealers {
    const NAME: &'static str = "dealer";
    type Item = Dealer;
    type Input = DealerInput;
    type Changes = DealerChanges;

    async fn validate(conn: &mut AsyncPgConnection, input: DealerInput, creating: bool) -> ApiResult<DealerChanges> {
        let mut problems = Problems::default();
        let name = required_text(&mut problems, "name", input.name, creating, 200);
        let address = text_field(&mut problems, "address", input.address, 300);
        let phone = text_field(&mut problems, "phone", input.phone, 30);
        let email = text_field(&mut problems, "email", input.email, 254);
        if let Some(email) = email.as_deref().filter(|e| !e.is_empty()) {
            problems.check("email", check_email(email));
        }
        if let Some(Some(province_id)) = input.province_id {
            let exists: bool =
                diesel::select(diesel::dsl::exists(provinces::table.find(province_id))).get_result(conn).await?;
            if !exists {
                problems.add("province_id", FieldProblem::UnknownReference);
            }
        }
        problems.into_result()?;
        Ok(DealerChanges { name, address, phone, email, province_id: input.province_id, is_active: input.is_active })
    }

    async fn insert(conn: &mut AsyncPgConnection, values: &DealerChanges) -> QueryResult<Dealer> {
        let row: DealerRow = diesel::insert_into(dealers::table)
            .values(values)
            .returning(DealerRow::as_returning())
            .get_result(conn)
            .await?;
        Ok(row.into())
    }

    async fn update(conn: &mut AsyncPgConnection, id: i64, changes: &DealerChanges) -> QueryResult<Option<Dealer>> {
        let row = diesel::update(dealers::table.find(id)).set(changes).returning(DealerRow::as_returning());
        Ok(row.get_result::<DealerRow>(conn).await.optional()?.map(Dealer::from))
    }

    async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Dealer>> {
        let row = dealers::table.find(id).select(DealerRow::as_select());
        Ok(row.first::<DealerRow>(conn).await.optional()?.map(Dealer::from))
    }

    /// Users refer to dealerships; a vehicle's dealership is cleared with it (the foreign key).
    async fn in_use(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(users::table.filter(users::dealer_id.eq(id)))).get_result(conn).await
    }

    async fn delete(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<usize> {
        diesel::delete(dealers::table.find(id)).execute(conn).await
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DealerListParams {
    /// 1-based page number.
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// Items per page, at most 100.
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<i64>,
    pub province_id: Option<i64>,
    pub active: Option<bool>,
}

/// Dealerships, by name.
#[utoipa::path(
    get, tag = "organisation", security(("bearer" = [])),
    params(DealerListParams),
    responses((status = 200, body = Page<Dealer>), (status = 401, body = ErrorBody))
)]
#[get("")]
pub async fn list_dealers(
    state: web::Data<AppState>,
    _caller: CurrentUser,
    params: web::Query<DealerListParams>,
) -> ApiResult<web::Json<Page<Dealer>>> {
    let params = params.into_inner();
    let page = PageParams { page: params.page, page_size: params.page_size }.resolve(REFERENCE_PAGE_SIZE)?;
    let filtered = || {
        let mut query = dealers::table.into_boxed();
        if let Some(id) = params.province_id {
            query = query.filter(dealers::province_id.eq(id));
        }
        if let Some(active) = params.active {
            query = query.filter(dealers::is_active.eq(active));
        }
        query
    };
    let mut conn = state.pool.get().await?;
    let total = filtered().count().get_result(&mut conn).await?;
    let rows: Vec<DealerRow> = filtered()
        .select(DealerRow::as_select())
        .order((super::fold_text(dealers::name).asc(), dealers::name.asc(), dealers::id.asc()))
        .limit(page.page_size)
        .offset(page.offset())
        .load(&mut conn)
        .await?;
    Ok(web::Json(page.page_of(rows.into_iter().map(Dealer::from).collect(), total)))
}

#[utoipa::path(
    get, tag = "organisation", security(("bearer" = [])),
    responses((status = 200, body = Dealer), (status = 404, body = ErrorBody))
)]
#[get("/{id}")]
pub async fn get_dealer(
    state: web::Data<AppState>,
    _caller: CurrentUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    reference::get::<Dealers>(&state, id.into_inner()).await
}

#[utoipa::path(
    post, tag = "organisation", security(("bearer" = [])),
    request_body = DealerInput,
    responses((status = 201, body = Dealer), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("")]
pub async fn create_dealer(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: JsonBody<DealerInput>,
) -> ApiResult<HttpResponse> {
    reference::create::<Dealers>(&state, &caller, body.into_inner()).await
}

#[utoipa::path(
    patch, tag = "organisation", security(("bearer" = [])),
    request_body = DealerInput,
    responses((status = 200, body = Dealer), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[patch("/{id}")]
pub async fn update_dealer(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
    body: JsonBody<DealerInput>,
) -> ApiResult<HttpResponse> {
    reference::update::<Dealers>(&state, &caller, id.into_inner(), body.into_inner()).await
}

/// Delete a dealership nobody refers to; otherwise 409 (deactivate it instead).
#[utoipa::path(
    delete, tag = "organisation", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
#[delete("/{id}")]
pub async fn delete_dealer(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    reference::delete::<Dealers>(&state, &caller, id.into_inner()).await
}
