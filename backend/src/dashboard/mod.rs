//! The dashboard: figures over all of the stock of a dealer, province or stock type.
//!
//! How it stays fast at a million vehicles: aggregate tables maintained on write (tables in
//! migration 2026-11-28-000006, triggers in backend/sql/04_dashboard_summary.sql). `stock_summary` holds the live stock counted per dealer, province, stock
//! type and value of each dimension (brand, fuel, price band, registration year, reception
//! date), kept exact by statement-level triggers on `vehicles`; `stock_daily` holds each daily
//! snapshot per dealer, province and stock type, written by the snapshot job. The lists (oldest
//! vehicles, recent activity) walk an index for ten rows; removals are counted per delete
//! statement (`vehicle_removals`). The whole answer is then cached in PostgreSQL under a
//! `stock:` key, which any stock change or snapshot drops, and in each process's memory while
//! it hears those drops (`cache::memory`): a cached dashboard, session check included, is
//! answered without a database round trip.

mod figures;

pub use figures::PRICE_BANDS;
pub(crate) mod queries;

use actix_web::{HttpResponse, get, web};
use chrono::Datelike;
use shared::dashboard::{Dashboard, DashboardFilter, DashboardQuery};
use shared::{ErrorBody, Permission};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::CurrentUser;
use crate::cache::{self, Db, Keep};
use crate::error::ApiResult;
use crate::state::AppState;

/// How far back the trend goes.
const TREND_DAYS: u64 = 90;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(dashboard);
}

/// KPIs, breakdowns, ageing, 90-day trends and recent activity over every matching vehicle.
#[utoipa::path(
    get, tag = "dashboard", security(("bearer" = [])),
    params(DashboardQuery),
    responses((status = 200, body = Dashboard), (status = 422, description = "Names each bad parameter", body = ErrorBody))
)]
#[get("/dashboard")]
pub async fn dashboard(
    state: web::Data<AppState>,
    caller: CurrentUser,
    query: web::Query<DashboardQuery>,
) -> ApiResult<HttpResponse> {
    caller.require(Permission::ReadStock)?;
    let today = state.config.today();
    let filter = query.filter(today.year())?;
    let key = cache::stock_key("dashboard", today, &*query);
    let config = &state.config;
    let answer = async |db: &mut Db<'_>| Ok(compute(db.conn().await?, &filter, config).await?);
    state.answers.cached(&state.pool, &key, Keep::Shared, answer).await
}

/// The dashboard for `filter`, read on `conn`.
pub(crate) async fn compute(
    conn: &diesel_async::AsyncPgConnection,
    filter: &DashboardFilter,
    config: &crate::config::Config,
) -> diesel::QueryResult<Dashboard> {
    let today = config.today();
    let trend_since = today - chrono::Days::new(TREND_DAYS - 1);
    let month_start = config.start_of_day(today.with_day(1).unwrap_or(today));
    let inputs = queries::load(conn, filter, trend_since, month_start).await?;
    Ok(figures::dashboard(inputs, &filter.stock_filter(), today))
}
