//! The vehicle stock: the list with its filters (`/stock`), one vehicle with its history
//! (`/stock/:vin`), creating one (`/stock/new`) and importing a CSV file (`/stock/import`).

pub(crate) mod columns;
mod detail;
mod export;
pub(crate) mod filters;
mod form;
mod import;
pub(crate) mod labels;
pub(crate) mod query;
mod table;

pub use detail::VehiclePage;
pub use form::NewVehiclePage;
pub use import::ImportPage;
pub use table::StockPage;

use crate::layout::encode;

/// The API path and SPA route of one vehicle.
pub(crate) fn vehicle_path(vin: &str) -> String {
    format!("/stock/{}", encode(vin))
}
