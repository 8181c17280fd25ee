//! The one validation of a vehicle, shared by the API (create, PATCH laid over the stored
//! vehicle) and the import: every problem of every field at once.

use chrono::{Datelike, NaiveDate};
use shared::FieldProblem;
use shared::stock::{
    Money, StockType, VehicleInput, VehicleStatus, is_acceptable_legacy_vin, is_valid_vin, normalize_plate,
};

use super::records::VehicleRecord;
use crate::error::Problems;

/// How strict the VIN check is: the API takes only real VINs; imports of older records may
/// carry looser identifiers, which the database flags as legacy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VinRule {
    Strict,
    AllowLegacy,
}

const MAX_PRICE: Money = Money(100_000_000 * 100);
const MAX_MILEAGE_KM: i32 = 2_000_000;

/// Validates a complete vehicle (a create, or a PATCH already laid over the stored vehicle).
pub fn validate(
    input: &VehicleInput,
    vin_rule: VinRule,
    today: NaiveDate,
    problems: &mut Problems,
) -> Option<VehicleRecord> {
    let vin = input.vin.as_deref().map(|v| v.trim().to_ascii_uppercase()).unwrap_or_default();
    if vin.is_empty() {
        problems.add("vin", FieldProblem::Required);
    } else if !(is_valid_vin(&vin) || vin_rule == VinRule::AllowLegacy && is_acceptable_legacy_vin(&vin)) {
        problems.add("vin", FieldProblem::Invalid);
    }
    let brand = required_text(problems, "brand", input.brand.as_deref(), 60);
    let model = required_text(problems, "model", input.model.as_deref(), 80);
    let plate = optional_text(problems, "plate", flat(&input.plate).map(normalize_plate).as_deref(), 20);
    let version = optional_text(problems, "version", flat(&input.version), 200);
    let colour = optional_text(problems, "colour", flat(&input.colour), 60);
    let vehicle_type = optional_text(problems, "vehicle_type", flat(&input.vehicle_type), 60);
    let location = optional_text(problems, "location", flat(&input.location), 200);
    let description = optional_text(problems, "description", flat(&input.description), 10_000);
    let listing_url = optional_text(problems, "listing_url", flat(&input.listing_url), 500);
    if let Some(url) = &listing_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        problems.add("listing_url", FieldProblem::Invalid);
    }

    let registration_year = input.registration_year.flatten();
    if let Some(year) = registration_year {
        range(problems, "registration_year", year, 1900, today.year() + 1);
    }
    let registration_date = input.registration_date.flatten();
    if registration_date.is_some_and(|date| date > today || !shared::validation::is_plausible_date(date)) {
        problems.add("registration_date", FieldProblem::Invalid);
    }
    let reception_date = input.reception_date.unwrap_or(today);
    if reception_date > today || !shared::validation::is_plausible_date(reception_date) {
        problems.add("reception_date", FieldProblem::Invalid);
    }
    let mileage_km = input.mileage_km.unwrap_or(0);
    range(problems, "mileage_km", mileage_km, 0, MAX_MILEAGE_KM);
    let power_cv = input.power_cv.flatten();
    if let Some(power) = power_cv {
        range(problems, "power_cv", power, 1, 2000);
    }
    let stock_type = input.stock_type;
    if stock_type.is_none() {
        problems.add("stock_type", FieldProblem::Required);
    }
    let purchase_price = input.purchase_price.flatten();
    let total_cost = input.total_cost.flatten();
    let sale_price = input.sale_price;
    for (field, price) in [("purchase_price", purchase_price), ("total_cost", total_cost), ("sale_price", sale_price)] {
        if let Some(price) = price {
            range(problems, field, price, Money(0), MAX_PRICE);
        }
    }
    if sale_price.is_none() {
        problems.add("sale_price", FieldProblem::Required);
    }
    let counters = [
        ("online_visits", input.online_visits.unwrap_or(0)),
        ("online_calls", input.online_calls.unwrap_or(0)),
        ("online_leads", input.online_leads.unwrap_or(0)),
    ];
    for (field, value) in counters {
        range(problems, field, value, 0, i32::MAX);
    }

    if !problems.is_empty() {
        return None;
    }
    Some(VehicleRecord {
        vin,
        plate,
        brand: brand?,
        model: model?,
        version,
        registration_year,
        registration_date,
        reception_date,
        mileage_km,
        colour,
        fuel: input.fuel.flatten().map(|f| f.as_str()),
        transmission: input.transmission.flatten().map(|t| t.as_str()),
        power_cv,
        vehicle_type,
        stock_type: stock_type.unwrap_or(StockType::Vo).as_str(),
        status: input.status.unwrap_or(VehicleStatus::Available).as_str(),
        reserved: input.reserved.unwrap_or(false),
        published: input.published.unwrap_or(false),
        listing_url,
        dealer_id: input.dealer_id.flatten(),
        province_id: input.province_id.flatten(),
        location,
        purchase_price: purchase_price.map(Money::cents),
        total_cost: total_cost.map(Money::cents),
        sale_price: sale_price?.cents(),
        description,
        online_visits: counters[0].1,
        online_calls: counters[1].1,
        online_leads: counters[2].1,
        extra: serde_json::Value::Object(Default::default()),
    })
}

/// Lays a PATCH over a complete input: present fields replace, absent ones stay.
pub fn overlay(mut base: VehicleInput, patch: VehicleInput) -> VehicleInput {
    macro_rules! take {
        ($($field:ident),*) => { $(if patch.$field.is_some() { base.$field = patch.$field; })* };
    }
    take!(
        brand,
        model,
        plate,
        version,
        registration_year,
        registration_date,
        reception_date,
        mileage_km,
        colour,
        fuel,
        transmission,
        power_cv,
        vehicle_type,
        stock_type,
        status,
        reserved,
        published,
        listing_url,
        dealer_id,
        province_id,
        location,
        purchase_price,
        total_cost,
        sale_price,
        description,
        online_visits,
        online_calls,
        online_leads
    );
    base
}

fn flat(value: &Option<Option<String>>) -> Option<&str> {
    value.as_ref().and_then(|v| v.as_deref())
}

fn required_text(problems: &mut Problems, field: &str, value: Option<&str>, max: usize) -> Option<String> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => {
            problems.add(field, FieldProblem::Required);
            None
        }
        Some(text) if text.chars().count() > max => {
            problems.add(field, FieldProblem::TooLong);
            None
        }
        Some(text) => Some(text.to_owned()),
    }
}

/// Blank text is no text: stored as NULL.
fn optional_text(problems: &mut Problems, field: &str, value: Option<&str>, max: usize) -> Option<String> {
    let text = value.map(str::trim).filter(|v| !v.is_empty())?;
    if text.chars().count() > max {
        problems.add(field, FieldProblem::TooLong);
    }
    Some(text.to_owned())
}

fn range<T: PartialOrd>(problems: &mut Problems, field: &str, value: T, min: T, max: T) {
    if value < min {
        problems.add(field, FieldProblem::TooShort);
    } else if value > max {
        problems.add(field, FieldProblem::TooLong);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    fn minimal() -> VehicleInput {
        VehicleInput {
            vin: Some("vsszzz6jz9r123456".into()),
            brand: Some("SEAT".into()),
            model: Some("Ibiza".into()),
            stock_type: Some(StockType::Vo),
            sale_price: Some(Money::from_euros(12_000)),
            ..Default::default()
        }
    }

    #[test]
    fn a_minimal_vehicle_gets_defaults() {
        let record = validate(&minimal(), VinRule::Strict, today(), &mut Problems::default()).unwrap();
        assert_eq!(record.vin, "VSSZZZ6JZ9R123456");
        assert_eq!((record.reception_date, record.mileage_km, record.status), (today(), 0, "available"));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let input = VehicleInput {
            vin: Some("SHORT".into()),
            brand: Some("  ".into()),
            mileage_km: Some(-1),
            registration_year: Some(Some(1800)),
            listing_url: Some(Some("ftp://x".into())),
            reception_date: Some(today().succ_opt().unwrap()),
            ..Default::default()
        };
        let mut problems = Problems::default();
        assert!(validate(&input, VinRule::Strict, today(), &mut problems).is_none());
        let fields: Vec<String> = problems.into_fields().into_keys().collect();
        assert_eq!(
            fields,
            [
                "brand",
                "listing_url",
                "mileage_km",
                "model",
                "reception_date",
                "registration_year",
                "sale_price",
                "stock_type",
                "vin"
            ]
        );
    }

    #[test]
    fn legacy_identifiers_only_when_importing() {
        let input = VehicleInput { vin: Some("LEG-123".into()), ..minimal() };
        assert!(validate(&input, VinRule::Strict, today(), &mut Problems::default()).is_none());
        assert!(validate(&input, VinRule::AllowLegacy, today(), &mut Problems::default()).is_some());
    }

    #[test]
    fn a_patch_replaces_only_what_it_names() {
        let patch =
            VehicleInput { sale_price: Some(Money::from_euros(9_000)), plate: Some(None), ..Default::default() };
        let merged = overlay(VehicleInput { plate: Some(Some("1234ABC".into())), ..minimal() }, patch);
        assert_eq!(
            (merged.sale_price, merged.plate, merged.brand.as_deref()),
            (Some(Money(900_000)), Some(None), Some("SEAT"))
        );
    }
}
