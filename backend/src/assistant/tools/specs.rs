//! The tools as an OpenAI-compatible model sees them: names, descriptions and JSON Schemas of
//! the arguments in [`super::args`] (whose serde rules refuse anything the schema does not list).

use serde_json::{Value, json};
use shared::stock::{Fuel, StockType, Transmission, VehicleStatus};

/// A string that must be one of an enumeration's codes, listed from the enumeration itself.
fn codes<T: Copy + std::fmt::Display>(all: &[T], description: &str) -> Value {
    let codes: Vec<String> = all.iter().map(T::to_string).collect();
    json!({"type": "string", "enum": codes, "description": description})
}

fn filters_schema() -> Value {
    let text = |description: &str| json!({"type": "string", "description": description});
    let int = |description: &str| json!({"type": "integer", "minimum": 0, "description": description});
    let money = |description: &str| json!({"type": "number", "minimum": 0, "description": description});
    json!({
        "type": "object",
        "description": "The stock list's filters; all optional, combined with AND.",
        "additionalProperties": false,
        "properties": {
            "q": text("Words that must all appear in brand, model, version, VIN, plate or colour"),
            "brand": text("Exact brand as stored, e.g. SEAT, Volkswagen"),
            "model": text("Exact model as stored, e.g. Ibiza"),
            "vehicle_type": text("Body type: SUV, Turismo, Familiar, Monovolumen, Furgoneta..."),
            "dealer_id": {"type": "integer", "description": "A dealer's id"},
            "province": text("A province's INE code: 28 Madrid, 08 Barcelona, 46 Valencia, 41 Sevilla..."),
            "fuel": codes(Fuel::ALL, "Fuel"),
            "transmission": codes(Transmission::ALL, "Gearbox"),
            "stock_type": codes(StockType::ALL, "VO used, VN new, KM0 zero-km, DEMO demo"),
            "status": codes(VehicleStatus::ALL, "Where the vehicle is in its sale"),
            "reserved": {"type": "boolean"},
            "published": {"type": "boolean", "description": "Listed on the web"},
            "price_min": money("Sale price from, euros"),
            "price_max": money("Sale price up to, euros"),
            "km_min": int("Mileage from"),
            "km_max": int("Mileage up to"),
            "year_min": int("Registration year from"),
            "year_max": int("Registration year up to"),
            "days_in_stock_min": int("At least this many days in stock"),
            "days_in_stock_max": int("At most this many days in stock"),
        }
    })
}

fn function(name: &str, description: &str, parameters: Value) -> Value {
    json!({"type": "function", "function": {"name": name, "description": description, "parameters": parameters}})
}

/// The `tools` array of a chat completions request.
pub fn tool_specs() -> Value {
    let filters = filters_schema();
    let dashboard_filters = json!({
        "dealer_id": {"type": "integer"},
        "province": {"type": "string", "description": "Province INE code"},
        "stock_type": codes(StockType::ALL, "VO used, VN new, KM0 zero-km, DEMO demo"),
    });
    let mut history = json!({
        "periods": {"type": "array", "maxItems": 12, "items": {"type": "string"},
            "description": "YYYY-MM months (the month's last snapshot) or YYYY-MM-DD dates; empty for the latest"},
        "group_by": {"type": "string", "enum": ["dealer", "province", "stock_type"]},
    });
    history.as_object_mut().expect("object").extend(dashboard_filters.as_object().expect("object").clone());
    json!([
        function(
            "search_vehicles",
            "Count the vehicles matching filters and list the first few, in a chosen order. Use for counts, \
             lookups and extremes (the most expensive: sort -sale_price, limit 1).",
            json!({"type": "object", "additionalProperties": false, "properties": {
                "filters": filters,
                "sort": {"type": "string", "description": "Comma-separated fields, - for descending: vin plate brand model \
                    registration_year reception_date days_in_stock mileage_km power_cv sale_price estimated_margin \
                    price_difference updated_at"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 20},
            }})
        ),
        function(
            "aggregate_stock",
            "Count, total value, average/min/max price, average km and days in stock of the filtered stock, \
             over all of it or grouped by one dimension (largest groups first).",
            json!({"type": "object", "additionalProperties": false, "properties": {
                "filters": filters,
                "group_by": {"type": "string", "enum": ["brand", "model", "vehicle_type", "fuel", "transmission",
                    "stock_type", "status", "dealer", "province", "registration_year", "reception_month",
                    "price_band", "age_band"]},
                "limit": {"type": "integer", "minimum": 1, "maximum": 60},
            }})
        ),
        function(
            "semantic_search",
            "Find the vehicles that best match a described need (\"family car, cheap, for five\"), under filters.",
            json!({"type": "object", "additionalProperties": false, "required": ["text"], "properties": {
                "text": {"type": "string", "maxLength": 500},
                "filters": filters,
                "limit": {"type": "integer", "minimum": 1, "maximum": 10},
            }})
        ),
        function(
            "get_vehicle",
            "One vehicle's full record by VIN.",
            json!({"type": "object", "additionalProperties": false, "required": ["vin"], "properties": {
                "vin": {"type": "string", "maxLength": 30},
            }})
        ),
        function(
            "dashboard_figures",
            "The dashboard's KPIs (counts, stock value, margins, sold and removed this month, ageing) for all the \
             stock or one dealer, province or stock type.",
            json!({"type": "object", "additionalProperties": false, "properties": dashboard_filters})
        ),
        function(
            "stock_history",
            "The stock as the daily snapshots saw it at the end of given months or on given dates, optionally per \
             dealer, province or stock type: for comparisons over time.",
            json!({"type": "object", "additionalProperties": false, "properties": history})
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::super::args::TOOL_NAMES;
    use super::*;

    #[test]
    fn every_tool_is_described_once() {
        let specs = tool_specs();
        let names: Vec<&str> =
            specs.as_array().unwrap().iter().map(|t| t["function"]["name"].as_str().unwrap()).collect();
        assert_eq!(names, TOOL_NAMES);
    }

    #[test]
    fn the_filters_schema_lists_exactly_the_filters_the_tools_accept() {
        let schema = filters_schema();
        let listed: std::collections::BTreeSet<String> =
            schema["properties"].as_object().unwrap().keys().cloned().collect();
        let all = shared::stock::StockFilter {
            q: Some("x".into()),
            brand: Some("x".into()),
            model: Some("x".into()),
            vehicle_type: Some("x".into()),
            dealer_id: Some(1),
            province: Some("x".into()),
            fuel: Some(Fuel::Diesel),
            transmission: Some(Transmission::Manual),
            stock_type: Some(StockType::Vo),
            status: Some(VehicleStatus::Sold),
            reserved: Some(true),
            published: Some(true),
            price_min: Some(shared::stock::Money(1)),
            price_max: Some(shared::stock::Money(1)),
            km_min: Some(1),
            km_max: Some(1),
            year_min: Some(1),
            year_max: Some(1),
            days_in_stock_min: Some(1),
            days_in_stock_max: Some(1),
        };
        let accepted: std::collections::BTreeSet<String> =
            serde_json::to_value(all).unwrap().as_object().unwrap().keys().cloned().collect();
        assert_eq!(listed, accepted);
    }
}
