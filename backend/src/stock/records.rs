//! A vehicle as stored (one row), as written (a complete, validated record) and as shown.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use shared::stock::{Money, Vehicle, VehicleInput};

use crate::db::schema::vehicles;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = vehicles, check_for_backend(diesel::pg::Pg))]
pub struct VehicleRow {
    pub vin: String,
    pub legacy_vin: bool,
    pub plate: Option<String>,
    pub brand: String,
    pub model: String,
    pub version: Option<String>,
    pub registration_year: Option<i32>,
    pub registration_date: Option<NaiveDate>,
    pub reception_date: NaiveDate,
    pub mileage_km: i32,
    pub colour: Option<String>,
    pub fuel: Option<String>,
    pub transmission: Option<String>,
    pub power_cv: Option<i32>,
    pub vehicle_type: Option<String>,
    pub stock_type: String,
    pub status: String,
    pub reserved: bool,
    pub reserved_at: Option<DateTime<Utc>>,
    pub published: bool,
    pub listing_url: Option<String>,
    pub dealer_id: Option<i64>,
    pub province_id: Option<i64>,
    pub location: Option<String>,
    pub purchase_price: Option<i64>,
    pub total_cost: Option<i64>,
    pub sale_price: i64,
    pub previous_price: Option<i64>,
    pub description: Option<String>,
    pub online_visits: i32,
    pub online_calls: i32,
    pub online_leads: i32,
    pub extra: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The names shown next to a vehicle's foreign keys.
#[derive(Debug, Clone, Default, Queryable)]
pub struct ReferenceNames {
    pub dealer_name: Option<String>,
    pub province_code: Option<String>,
    pub province_name: Option<String>,
}

impl VehicleRow {
    /// The row as the API shows it; `today` (in the business's time zone) gives the age.
    pub fn to_api(&self, names: ReferenceNames, today: NaiveDate) -> Vehicle {
        let cost = self.total_cost.or(self.purchase_price);
        Vehicle {
            vin: self.vin.clone(),
            legacy_vin: self.legacy_vin,
            plate: self.plate.clone(),
            brand: self.brand.clone(),
            model: self.model.clone(),
            version: self.version.clone(),
            registration_year: self.registration_year,
            registration_date: self.registration_date,
            reception_date: self.reception_date,
            mileage_km: self.mileage_km,
            colour: self.colour.clone(),
            // The CHECK constraints guarantee known codes.
            fuel: self.fuel.as_deref().and_then(|f| f.parse().ok()),
            transmission: self.transmission.as_deref().and_then(|t| t.parse().ok()),
            power_cv: self.power_cv,
            vehicle_type: self.vehicle_type.clone(),
            stock_type: self.stock_type.parse().unwrap_or(shared::stock::StockType::Vo),
            status: self.status.parse().unwrap_or(shared::stock::VehicleStatus::Available),
            reserved: self.reserved,
            reserved_at: self.reserved_at,
            published: self.published,
            listing_url: self.listing_url.clone(),
            dealer_id: self.dealer_id,
            dealer_name: names.dealer_name,
            province_id: self.province_id,
            province_code: names.province_code,
            province_name: names.province_name,
            location: self.location.clone(),
            purchase_price: self.purchase_price.map(Money),
            total_cost: self.total_cost.map(Money),
            sale_price: Money(self.sale_price),
            previous_price: self.previous_price.map(Money),
            description: self.description.clone(),
            online_visits: self.online_visits,
            online_calls: self.online_calls,
            online_leads: self.online_leads,
            extra: match &self.extra {
                serde_json::Value::Object(map) => map
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                    .collect(),
                _ => Default::default(),
            },
            days_in_stock: days_between(self.reception_date, today),
            estimated_margin: cost.map(|cost| Money(self.sale_price - cost)),
            price_difference: self.previous_price.map(|previous| Money(self.sale_price - previous)),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    /// Every field as an input, so a PATCH can be laid over it and validated as a whole.
    pub fn to_input(&self) -> VehicleInput {
        VehicleInput {
            vin: Some(self.vin.clone()),
            brand: Some(self.brand.clone()),
            model: Some(self.model.clone()),
            plate: Some(self.plate.clone()),
            version: Some(self.version.clone()),
            registration_year: Some(self.registration_year),
            registration_date: Some(self.registration_date),
            reception_date: Some(self.reception_date),
            mileage_km: Some(self.mileage_km),
            colour: Some(self.colour.clone()),
            fuel: Some(self.fuel.as_deref().and_then(|f| f.parse().ok())),
            transmission: Some(self.transmission.as_deref().and_then(|t| t.parse().ok())),
            power_cv: Some(self.power_cv),
            vehicle_type: Some(self.vehicle_type.clone()),
            stock_type: self.stock_type.parse().ok(),
            status: self.status.parse().ok(),
            reserved: Some(self.reserved),
            published: Some(self.published),
            listing_url: Some(self.listing_url.clone()),
            dealer_id: Some(self.dealer_id),
            province_id: Some(self.province_id),
            location: Some(self.location.clone()),
            purchase_price: Some(self.purchase_price.map(Money)),
            total_cost: Some(self.total_cost.map(Money)),
            sale_price: Some(Money(self.sale_price)),
            description: Some(self.description.clone()),
            online_visits: Some(self.online_visits),
            online_calls: Some(self.online_calls),
            online_leads: Some(self.online_leads),
        }
    }
}

pub fn days_between(from: NaiveDate, to: NaiveDate) -> i32 {
    (to - from).num_days().try_into().unwrap_or(i32::MAX)
}

/// A complete, validated vehicle: what INSERT and UPDATE write (every writable column).
/// Bulk writes send it as JSON, which [`JSON_ROWS_SQL`] reads back as rows.
#[derive(Debug, Clone, PartialEq, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = vehicles, treat_none_as_null = true)]
pub struct VehicleRecord {
    pub vin: String,
    pub plate: Option<String>,
    pub brand: String,
    pub model: String,
    pub version: Option<String>,
    pub registration_year: Option<i32>,
    pub registration_date: Option<NaiveDate>,
    pub reception_date: NaiveDate,
    pub mileage_km: i32,
    pub colour: Option<String>,
    pub fuel: Option<&'static str>,
    pub transmission: Option<&'static str>,
    pub power_cv: Option<i32>,
    pub vehicle_type: Option<String>,
    pub stock_type: &'static str,
    pub status: &'static str,
    pub reserved: bool,
    pub published: bool,
    pub listing_url: Option<String>,
    pub dealer_id: Option<i64>,
    pub province_id: Option<i64>,
    pub location: Option<String>,
    pub purchase_price: Option<i64>,
    pub total_cost: Option<i64>,
    pub sale_price: i64,
    pub description: Option<String>,
    pub online_visits: i32,
    pub online_calls: i32,
    pub online_leads: i32,
    pub extra: serde_json::Value,
}

/// Every column a [`VehicleRecord`] writes (the others are generated or kept by triggers).
pub const WRITABLE_COLUMNS: &[&str] = &[
    "vin",
    "plate",
    "brand",
    "model",
    "version",
    "registration_year",
    "registration_date",
    "reception_date",
    "mileage_km",
    "colour",
    "fuel",
    "transmission",
    "power_cv",
    "vehicle_type",
    "stock_type",
    "status",
    "reserved",
    "published",
    "listing_url",
    "dealer_id",
    "province_id",
    "location",
    "purchase_price",
    "total_cost",
    "sale_price",
    "description",
    "online_visits",
    "online_calls",
    "online_leads",
    "extra",
];

/// The rows of a JSON array of [`VehicleRecord`]s bound as `$1`: one parameter carries
/// thousands of vehicles (bulk imports and the demo data), where a VALUES list would need
/// 30 parameters per row and a plan for each size.
pub const JSON_ROWS_SQL: &str = "SELECT * FROM json_populate_recordset(NULL::vehicles, $1::json)";

/// `INSERT INTO vehicles (...) SELECT ... FROM input i`, for a WITH query named `input`.
pub fn insert_from_input_sql() -> String {
    let columns = WRITABLE_COLUMNS.join(", ");
    let values = WRITABLE_COLUMNS.iter().map(|c| format!("i.{c}")).collect::<Vec<_>>().join(", ");
    format!("INSERT INTO vehicles ({columns}) SELECT {values} FROM input i")
}
