//! The one validation of a vehicle, shared by the API (create, PATCH laid over the stored
//! vehicle) and the import: every problem of every field at once.

use chrono::NaiveDate;
use shared::stock::Vin;
pub use shared::stock::check::VinRule;
use shared::stock::check::check_vehicle;
use shared::stock::{Money, StockType, VehicleInput, VehicleStatus, normalize_plate};

use super::records::VehicleRecord;
use crate::error::Problems;

/// Validates a complete vehicle (a create, or a PATCH already laid over the stored vehicle)
/// with the shared rules the SPA's form applies too.
pub fn validate(
    input: &VehicleInput,
    vin_rule: VinRule,
    today: NaiveDate,
    problems: &mut Problems,
) -> Option<VehicleRecord> {
    for (field, problem) in check_vehicle(input, vin_rule, today) {
        problems.add(field, problem);
    }
    if !problems.is_empty() {
        return None;
    }
    Some(VehicleRecord {
        vin: input.vin.as_deref().map(Vin::new).unwrap_or_default().into(),
        plate: text(flat(&input.plate).map(normalize_plate).as_deref()),
        brand: text(input.brand.as_deref())?,
        model: text(input.model.as_deref())?,
        version: text(flat(&input.version)),
        registration_year: input.registration_year.flatten(),
        registration_date: input.registration_date.flatten(),
        reception_date: input.reception_date.unwrap_or(today),
        mileage_km: input.mileage_km.unwrap_or(0),
        colour: text(flat(&input.colour)),
        fuel: input.fuel.flatten().map(|f| f.as_str()),
        transmission: input.transmission.flatten().map(|t| t.as_str()),
        power_cv: input.power_cv.flatten(),
        vehicle_type: text(flat(&input.vehicle_type)),
        stock_type: input.stock_type.unwrap_or(StockType::Vo).as_str(),
        status: input.status.unwrap_or(VehicleStatus::Available).as_str(),
        reserved: input.reserved.unwrap_or(false),
        published: input.published.unwrap_or(false),
        listing_url: text(flat(&input.listing_url)),
        dealer_id: input.dealer_id.flatten(),
        province_id: input.province_id.flatten(),
        location: text(flat(&input.location)),
        purchase_price: input.purchase_price.flatten().map(Money::cents),
        total_cost: input.total_cost.flatten().map(Money::cents),
        sale_price: input.sale_price?.cents(),
        description: text(flat(&input.description)),
        online_visits: input.online_visits.unwrap_or(0),
        online_calls: input.online_calls.unwrap_or(0),
        online_leads: input.online_leads.unwrap_or(0),
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

/// Trimmed; blank text is no text, stored as NULL.
fn text(value: Option<&str>) -> Option<String> {
    value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
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
