use std::collections::HashMap;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use shared::stock::Vin;
use shared::stock::{
    FacetValue, PriceChange, StockFacets, StockFilter, StockQuery, Vehicle, VehicleChange, VehicleHistory,
    VehicleInput, VehicleSnapshot,
};
use shared::{ErrorBody, FieldProblem, Page, Permission};

use super::filters::{Facet, FilterVehicles, apply_sort, fold_text, page_params, parse_query, reference_names};
use super::index::{StockTable, from_index};
use super::input::{VinRule, overlay, validate};
use super::records::{ReferenceNames, VehicleRecord, VehicleRow, days_between};
use super::set_actor;
use crate::auth::CurrentUser;
use crate::cache::{self, Db, Keep};
use crate::db::schema::{dealers, provinces, users, vehicle_changes, vehicle_price_changes, vehicles};
use crate::error::{ApiError, ApiResult, Problems};
use crate::json_body::JsonBody;
use crate::state::AppState;

/// The stock, filtered, sorted and paginated.
#[utoipa::path(
    get, tag = "stock", security(("bearer" = [])),
    params(StockQuery),
    responses((status = 200, body = Page<Vehicle>), (status = 422, description = "Names each bad parameter", body = ErrorBody))
)]
#[get("")]
pub async fn list_vehicles(
    state: web::Data<AppState>,
    caller: CurrentUser,
    query: web::Query<StockQuery>,
) -> ApiResult<HttpResponse> {
    caller.require(Permission::ReadStock)?;
    let today = state.config.today();
    let (filter, sort) = parse_query(&query, today)?;
    let page = page_params(&query)?.resolve_default()?;
    let key = cache::stock_key("list", today, &*query);
    let mut indexed = false;
    let compute = async |db: &mut Db<'_>| {
        // The index orders and counts; PostgreSQL only fetches the page's rows by VIN.
        if let Some(index) = state.stock_index.fresh()
            && let Some((total, vins)) = index.page(&filter, sort.keys(), today, page.offset(), page.page_size)
        {
            indexed = true;
            let items = vehicles_in_order(db.conn().await?, &vins, today).await?;
            return Ok(page.page_of(items, total));
        }
        let conn = db.conn().await?;
        let count = filter.apply(vehicles::table.into_boxed(), today, None).count();
        let rows = apply_sort(filter.apply(vehicles::table.into_boxed(), today, None), sort.keys())
            .select((VehicleRow::as_select(), reference_names()))
            .limit(page.page_size)
            .offset(page.offset());
        // Both queries go to PostgreSQL at once on the one connection (pipelining).
        let (total, rows): (i64, Vec<(VehicleRow, ReferenceNames)>) =
            futures_util::try_join!(count.get_result(&mut &*conn), rows.load(&mut &*conn))?;
        let items: Vec<Vehicle> = rows.into_iter().map(|(row, names)| row.to_api(names, today)).collect();
        Ok(page.page_of(items, total))
    };
    let answer = state.answers.cached(&state.pool, &key, Keep::InMemory, compute).await?;
    Ok(if indexed { from_index(answer) } else { answer })
}

/// The vehicles of `vins`, in that order (a VIN deleted meanwhile is left out).
async fn vehicles_in_order(conn: &mut AsyncPgConnection, vins: &[&str], today: NaiveDate) -> ApiResult<Vec<Vehicle>> {
    let rows: Vec<(VehicleRow, ReferenceNames)> = vehicles::table
        .filter(vehicles::vin.eq_any(vins))
        .select((VehicleRow::as_select(), reference_names()))
        .load(conn)
        .await?;
    let mut rows: HashMap<String, (VehicleRow, ReferenceNames)> =
        rows.into_iter().map(|(row, names)| (row.vin.clone(), (row, names))).collect();
    Ok(vins.iter().filter_map(|vin| rows.remove(*vin)).map(|(row, names)| row.to_api(names, today)).collect())
}

/// The values (with counts) for the filter dropdowns; each honours the other active filters.
#[utoipa::path(
    get, tag = "stock", security(("bearer" = [])),
    params(StockQuery),
    responses((status = 200, body = StockFacets), (status = 422, body = ErrorBody))
)]
#[get("/facets")]
pub async fn facets(
    state: web::Data<AppState>,
    caller: CurrentUser,
    query: web::Query<StockQuery>,
) -> ApiResult<HttpResponse> {
    caller.require(Permission::ReadStock)?;
    let today = state.config.today();
    let (filter, _) = parse_query(&query, today)?;
    // Sort and page do not change the facets.
    let filters_only = StockQuery { sort: None, page: None, page_size: None, ..query.into_inner() };
    let key = cache::stock_key("facets", today, &filters_only);
    let mut indexed = false;
    let compute = async |db: &mut Db<'_>| match state.stock_index.fresh() {
        Some(index) => {
            indexed = true;
            Ok(facets_from_index(&index, &filter, today))
        }
        None => facets_from_database(db.conn().await?, &filter, today).await,
    };
    let answer = state.answers.cached(&state.pool, &key, Keep::InMemory, compute).await?;
    Ok(if indexed { from_index(answer) } else { answer })
}

/// The facets counted by the in-memory index.
fn facets_from_index(index: &StockTable, filter: &StockFilter, today: NaiveDate) -> StockFacets {
    let counts = index.facets(filter, today);
    let provinces = counts.provinces.iter().filter_map(|(id, n)| {
        let (code, name) = index.province(*id)?;
        Some(FacetValue { value: code.to_owned(), label: name.to_owned(), count: *n })
    });
    let dealers = counts.dealers.iter().filter_map(|(id, n)| {
        Some(FacetValue { value: id.to_string(), label: index.dealer_name(*id)?.to_owned(), count: *n })
    });
    facet_lists(
        [counts.brands, counts.models, counts.fuels, counts.stock_types],
        provinces.collect(),
        dealers.collect(),
    )
}

/// The facets counted by PostgreSQL (while the index is being built, or when the stock is
/// too large for it).
async fn facets_from_database(
    conn: &mut AsyncPgConnection,
    filter: &StockFilter,
    today: NaiveDate,
) -> ApiResult<StockFacets> {
    let count = diesel::dsl::count_star();
    // Grouping comes before boxing in diesel; the filter is then added to each facet's query.
    macro_rules! facet {
        ($facet:expr, $column:expr) => {
            filter.apply(vehicles::table.group_by($column).select(($column, count)).into_boxed(), today, Some($facet))
        };
    }
    let brands = facet!(Facet::Brand, vehicles::brand);
    let fuels = facet!(Facet::Fuel, vehicles::fuel);
    let stock_types = facet!(Facet::StockType, vehicles::stock_type);
    let provinces = facet!(Facet::Province, vehicles::province_id);
    let dealers = facet!(Facet::Dealer, vehicles::dealer_id);
    let (brands, fuels, stock_types, province_counts, dealer_counts) = futures_util::try_join!(
        brands.load::<(String, i64)>(&mut &*conn),
        fuels.load::<(Option<String>, i64)>(&mut &*conn),
        stock_types.load::<(String, i64)>(&mut &*conn),
        provinces.load::<(Option<i64>, i64)>(&mut &*conn),
        dealers.load::<(Option<i64>, i64)>(&mut &*conn),
    )?;
    let models: Vec<(String, i64)> = match &filter.brand {
        Some(brand) => {
            facet!(Facet::Model, vehicles::model).filter(vehicles::brand.eq(brand)).load(&mut &*conn).await?
        }
        None => Vec::new(),
    };
    // Vehicles without a fuel, province or dealer have nothing to filter by.
    let fuels: Vec<(String, i64)> = fuels.into_iter().filter_map(|(v, n)| Some((v?, n))).collect();
    let province_counts: Vec<(i64, i64)> = province_counts.into_iter().filter_map(|(v, n)| Some((v?, n))).collect();
    let dealer_counts: Vec<(i64, i64)> = dealer_counts.into_iter().filter_map(|(v, n)| Some((v?, n))).collect();
    let province_names: Vec<(i64, String, String)> = provinces::table
        .filter(provinces::id.eq_any(province_counts.iter().map(|(id, _)| *id).collect::<Vec<_>>()))
        .select((provinces::id, provinces::code, provinces::name))
        .load(&mut &*conn)
        .await?;
    let dealer_names: Vec<(i64, String)> = dealers::table
        .filter(dealers::id.eq_any(dealer_counts.iter().map(|(id, _)| *id).collect::<Vec<_>>()))
        .select((dealers::id, dealers::name))
        .load(&mut &*conn)
        .await?;
    let provinces = province_names.into_iter().filter_map(|(id, code, name)| {
        let count = province_counts.iter().find(|(p, _)| *p == id)?.1;
        Some(FacetValue { value: code, label: name, count })
    });
    let dealers = dealer_names.into_iter().filter_map(|(id, name)| {
        let count = dealer_counts.iter().find(|(d, _)| *d == id)?.1;
        Some(FacetValue { value: id.to_string(), label: name, count })
    });
    Ok(facet_lists([brands, models, fuels, stock_types], provinces.collect(), dealers.collect()))
}

/// The facets in Spanish order (Álava and Ávila among the A's, not after Zaragoza), whichever
/// way they were counted.
fn facet_lists(
    [brands, models, fuels, stock_types]: [Vec<(String, i64)>; 4],
    provinces: Vec<FacetValue>,
    dealers: Vec<FacetValue>,
) -> StockFacets {
    let sorted = |mut values: Vec<FacetValue>| {
        values.sort_by_cached_key(|facet| (fold_text(&facet.label), facet.label.clone()));
        values
    };
    let plain = |values: Vec<(String, i64)>| {
        sorted(values.into_iter().map(|(value, count)| FacetValue { label: value.clone(), value, count }).collect())
    };
    StockFacets {
        brands: plain(brands),
        models: plain(models),
        fuels: plain(fuels),
        provinces: sorted(provinces),
        dealers: sorted(dealers),
        stock_types: plain(stock_types),
    }
}

pub(crate) async fn load_vehicle(
    conn: &mut AsyncPgConnection,
    vin: &Vin,
    today: chrono::NaiveDate,
) -> ApiResult<Vehicle> {
    let (row, names): (VehicleRow, ReferenceNames) = vehicles::table
        .find(vin.as_str())
        .select((VehicleRow::as_select(), reference_names()))
        .first(conn)
        .await
        .optional()?
        .ok_or(ApiError::NotFound("vehicle"))?;
    Ok(row.to_api(names, today))
}

/// One vehicle by VIN.
#[utoipa::path(
    get, tag = "stock", security(("bearer" = [])),
    params(("vin" = String, Path, description = "The VIN (any case; surrounding spaces ignored)")),
    responses((status = 200, body = Vehicle), (status = 404, body = ErrorBody))
)]
#[get("/{vin}")]
pub async fn get_vehicle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    vin: web::Path<Vin>,
) -> ApiResult<web::Json<Vehicle>> {
    caller.require(Permission::ReadStock)?;
    let mut conn = state.pool.get().await?;
    Ok(web::Json(load_vehicle(&mut conn, &vin, state.config.today()).await?))
}

/// The dealer and province named by a vehicle must exist: a 422 on the field, not a 409.
async fn check_references(conn: &mut AsyncPgConnection, record: &VehicleRecord) -> ApiResult<()> {
    let mut problems = Problems::default();
    if let Some(id) = record.dealer_id {
        let found: Option<i64> = dealers::table.find(id).select(dealers::id).first(conn).await.optional()?;
        if found.is_none() {
            problems.add("dealer_id", FieldProblem::UnknownReference);
        }
    }
    if let Some(id) = record.province_id {
        let found: Option<i64> = provinces::table.find(id).select(provinces::id).first(conn).await.optional()?;
        if found.is_none() {
            problems.add("province_id", FieldProblem::UnknownReference);
        }
    }
    problems.into_result()
}

/// Add a vehicle (managers and admins).
#[utoipa::path(
    post, tag = "stock", security(("bearer" = [])),
    request_body = VehicleInput,
    responses(
        (status = 201, body = Vehicle), (status = 403, body = ErrorBody),
        (status = 409, description = "The VIN is already in stock", body = ErrorBody),
        (status = 422, description = "Every invalid field", body = ErrorBody),
    )
)]
#[post("")]
pub async fn create_vehicle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: JsonBody<VehicleInput>,
) -> ApiResult<HttpResponse> {
    caller.require(Permission::WriteStock)?;
    let today = state.config.today();
    let mut problems = Problems::default();
    let record = validate(&body, VinRule::Strict, today, &mut problems);
    problems.into_result()?;
    let record = record.expect("validated");
    let mut conn = state.pool.get().await?;
    check_references(&mut conn, &record).await?;
    let actor = caller.id();
    let vehicle = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            set_actor(conn, actor).await?;
            let inserted =
                diesel::insert_into(vehicles::table).values(&record).on_conflict_do_nothing().execute(conn).await?;
            if inserted == 0 {
                return Err(ApiError::taken("vin"));
            }
            load_vehicle(conn, &Vin::new(&record.vin), today).await
        })
        .await?;
    tracing::info!(vin = %vehicle.vin, by = actor, "vehicle created");
    Ok(HttpResponse::Created().json(vehicle))
}

/// Change a vehicle (managers and admins): absent fields stay, `null` clears.
#[utoipa::path(
    patch, tag = "stock", security(("bearer" = [])),
    params(("vin" = String, Path, description = "The VIN (any case; surrounding spaces ignored)")),
    request_body = VehicleInput,
    responses((status = 200, body = Vehicle), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[patch("/{vin}")]
pub async fn update_vehicle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    vin: web::Path<Vin>,
    body: JsonBody<VehicleInput>,
) -> ApiResult<web::Json<Vehicle>> {
    caller.require(Permission::WriteStock)?;
    let patch = body.into_inner();
    let vin = vin.into_inner();
    if patch.vin.as_deref().is_some_and(|v| Vin::new(v) != vin) {
        // The VIN is the vehicle's identity: a different one is a different vehicle.
        return Err(ApiError::field("vin", FieldProblem::Invalid));
    }
    let today = state.config.today();
    let actor = caller.id();
    let mut conn = state.pool.get().await?;
    let vehicle = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let row: VehicleRow = vehicles::table
                .find(vin.as_str())
                .select(VehicleRow::as_select())
                .for_update()
                .first(conn)
                .await
                .optional()?
                .ok_or(ApiError::NotFound("vehicle"))?;
            let mut problems = Problems::default();
            // Older records keep their legacy identifier; the rest is checked as on create.
            let record = validate(&overlay(row.to_input(), patch), VinRule::AllowLegacy, today, &mut problems);
            problems.into_result()?;
            let record = VehicleRecord { extra: row.extra.clone(), ..record.expect("validated") };
            check_references(conn, &record).await?;
            set_actor(conn, actor).await?;
            diesel::update(vehicles::table.find(vin.as_str())).set(&record).execute(conn).await?;
            load_vehicle(conn, &vin, today).await
        })
        .await?;
    Ok(web::Json(vehicle))
}

/// Remove a vehicle from stock (managers and admins). Its history stays.
#[utoipa::path(
    delete, tag = "stock", security(("bearer" = [])),
    params(("vin" = String, Path, description = "The VIN (any case; surrounding spaces ignored)")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[delete("/{vin}")]
pub async fn delete_vehicle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    vin: web::Path<Vin>,
) -> ApiResult<HttpResponse> {
    caller.require(Permission::WriteStock)?;
    let vin = vin.into_inner();
    let actor = caller.id();
    let mut conn = state.pool.get().await?;
    let deleted = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            set_actor(conn, actor).await?;
            Ok(diesel::delete(vehicles::table.find(vin.as_str())).execute(conn).await?)
        })
        .await?;
    if deleted == 0 {
        return Err(ApiError::NotFound("vehicle"));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// A vehicle's price changes, daily snapshots and change log, newest first.
#[utoipa::path(
    get, tag = "stock", security(("bearer" = [])),
    params(("vin" = String, Path, description = "The VIN (any case; surrounding spaces ignored)")),
    responses((status = 200, body = VehicleHistory), (status = 404, body = ErrorBody))
)]
#[get("/{vin}/history")]
pub async fn vehicle_history(
    state: web::Data<AppState>,
    caller: CurrentUser,
    vin: web::Path<Vin>,
) -> ApiResult<web::Json<VehicleHistory>> {
    caller.require(Permission::ReadStock)?;
    let vin = vin.into_inner();
    let conn = state.pool.get().await?;
    let prices = vehicle_price_changes::table
        .left_join(users::table.on(users::id.nullable().eq(vehicle_price_changes::changed_by)))
        .filter(vehicle_price_changes::vin.eq(vin.as_str()))
        .order((vehicle_price_changes::changed_at.desc(), vehicle_price_changes::id.desc()))
        .select((
            vehicle_price_changes::changed_at,
            vehicle_price_changes::old_price,
            vehicle_price_changes::new_price,
            users::username.nullable(),
        ));
    let changes = vehicle_changes::table
        .left_join(users::table.on(users::id.nullable().eq(vehicle_changes::changed_by)))
        .filter(vehicle_changes::vin.eq(vin.as_str()))
        .order((vehicle_changes::changed_at.desc(), vehicle_changes::id.desc()))
        .select((
            vehicle_changes::changed_at,
            vehicle_changes::action,
            users::username.nullable(),
            vehicle_changes::fields,
        ));
    let snapshots = diesel::sql_query(format!(
        "SELECT r.snapshot_date, s.sale_price, s.status, s.reserved, s.published, s.mileage_km, s.reception_date \
         FROM {} WHERE s.vin = $1 ORDER BY r.snapshot_date DESC LIMIT 400",
        super::snapshot::STATES_ON_SNAPSHOT_DAYS
    ))
    .bind::<diesel::sql_types::Text, _>(vin.as_str());
    type Price = (chrono::DateTime<chrono::Utc>, Option<i64>, i64, Option<String>);
    type Change = (chrono::DateTime<chrono::Utc>, String, Option<String>, Vec<String>);
    let (prices, changes, snapshots): (Vec<Price>, Vec<Change>, Vec<super::snapshot::StateOnDay>) =
        futures_util::try_join!(prices.load(&mut &*conn), changes.load(&mut &*conn), snapshots.load(&mut &*conn))?;
    if prices.is_empty() && changes.is_empty() && snapshots.is_empty() {
        return Err(ApiError::NotFound("vehicle"));
    }
    use shared::stock::Money;
    Ok(web::Json(VehicleHistory {
        price_changes: prices
            .into_iter()
            .map(|(changed_at, old, new, by)| PriceChange {
                changed_at,
                old_price: old.map(Money),
                new_price: Money(new),
                changed_by: by,
            })
            .collect(),
        snapshots: snapshots
            .into_iter()
            .map(|day| VehicleSnapshot {
                snapshot_date: day.snapshot_date,
                sale_price: Money(day.sale_price),
                status: day.status.parse().unwrap_or(shared::stock::VehicleStatus::Available),
                reserved: day.reserved,
                published: day.published,
                mileage_km: day.mileage_km,
                days_in_stock: days_between(day.reception_date, day.snapshot_date),
            })
            .collect(),
        changes: changes
            .into_iter()
            .map(|(changed_at, action, by, fields)| VehicleChange { changed_at, action, changed_by: by, fields })
            .collect(),
    }))
}
