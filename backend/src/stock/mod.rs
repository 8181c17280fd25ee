//! The vehicle stock: list with filters and facets, CRUD by VIN, history, CSV/XLSX export,
//! CSV import, the daily snapshot and the demo-data generator.

pub(crate) mod export;
pub mod filters;
mod handlers;
pub mod import;
pub mod index;
mod input;
pub mod records;
pub mod seed;
pub mod snapshot;

use actix_web::middleware;
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub(crate) use filters::page_params;
pub(crate) use handlers::load_vehicle;

use crate::state::forget_answers_after_writes;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/stock")
            .wrap(middleware::from_fn(forget_answers_after_writes))
            .service(handlers::list_vehicles)
            .service(handlers::facets)
            .configure(crate::search::stock_routes)
            .service(export::export_vehicles)
            .service(import::import_vehicles)
            .service(handlers::create_vehicle)
            .service(handlers::get_vehicle)
            .service(handlers::update_vehicle)
            .service(handlers::delete_vehicle)
            .service(handlers::vehicle_history),
    );
}

/// Names the user behind the writes of the current transaction: the triggers record it in
/// the change log, the price history and the `created_by`/`updated_by` columns.
pub async fn set_actor(conn: &mut AsyncPgConnection, user_id: i64) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT set_config('dealaai.user_id', $1, true)")
        .bind::<Text, _>(user_id.to_string())
        .execute(conn)
        .await
        .map(drop)
}
