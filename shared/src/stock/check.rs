//! The rules a vehicle must follow: the backend applies them to every create, PATCH and
//! imported row, and the SPA to its form before sending it, so both find the same problems.

use chrono::{Datelike, NaiveDate};

use super::{Money, VehicleInput, Vin, normalize_plate};
use crate::FieldProblem;

/// How strict the VIN check is: the API takes only real VINs; imports of older records may
/// carry looser identifiers, which the database flags as legacy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VinRule {
    Strict,
    AllowLegacy,
}

/// The range a number field accepts: below it is `too_short`, above it `too_long`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub min: i64,
    pub max: i64,
    /// An amount of money: the bounds are cents.
    pub money: bool,
}

pub const MAX_PRICE: Money = Money(100_000_000 * 100);
pub const MAX_MILEAGE_KM: i32 = 2_000_000;

/// The bounds of a vehicle's number field, by its API name (the registration year's depend
/// on today: at most next year).
pub fn bounds(field: &str, today: NaiveDate) -> Option<Bounds> {
    let number = |min: i64, max: i64| Some(Bounds { min, max, money: false });
    match field {
        "registration_year" => number(1900, i64::from(today.year()) + 1),
        "mileage_km" => number(0, MAX_MILEAGE_KM.into()),
        "power_cv" => number(1, 2000),
        "online_visits" | "online_calls" | "online_leads" => number(0, i32::MAX.into()),
        "purchase_price" | "total_cost" | "sale_price" => Some(Bounds { min: 0, max: MAX_PRICE.cents(), money: true }),
        _ => None,
    }
}

/// The longest text each text field takes, in characters.
pub fn max_chars(field: &str) -> Option<usize> {
    Some(match field {
        "brand" | "colour" | "vehicle_type" => 60,
        "model" => 80,
        "plate" => 20,
        "version" | "location" => 200,
        "listing_url" => 500,
        "description" => 10_000,
        _ => return None,
    })
}

/// Every problem of a complete vehicle (a create, or a PATCH laid over the stored vehicle),
/// field by field in the order of the form.
pub fn check_vehicle(input: &VehicleInput, vin_rule: VinRule, today: NaiveDate) -> Vec<(&'static str, FieldProblem)> {
    let mut problems = Vec::new();
    let mut add = |field: &'static str, problem: FieldProblem| problems.push((field, problem));

    let vin = input.vin.as_deref().map(Vin::new).unwrap_or_default();
    if vin.is_empty() {
        add("vin", FieldProblem::Required);
    } else if !vin.is_acceptable(vin_rule) {
        add("vin", FieldProblem::Invalid);
    }
    for (field, value) in [("brand", &input.brand), ("model", &input.model)] {
        match text(value.as_deref()) {
            None => add(field, FieldProblem::Required),
            Some(text) => check_length(&mut add, field, text),
        }
    }
    let plate = flat(&input.plate).map(normalize_plate);
    let optional_texts = [
        ("plate", plate.as_deref()),
        ("version", flat(&input.version)),
        ("colour", flat(&input.colour)),
        ("vehicle_type", flat(&input.vehicle_type)),
        ("location", flat(&input.location)),
        ("description", flat(&input.description)),
        ("listing_url", flat(&input.listing_url)),
    ];
    for (field, value) in optional_texts {
        if let Some(text) = text(value) {
            check_length(&mut add, field, text);
        }
    }
    if let Some(url) = text(flat(&input.listing_url))
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        add("listing_url", FieldProblem::Invalid);
    }

    let registration_date = input.registration_date.flatten();
    if registration_date.is_some_and(|date| date > today || !crate::validation::is_plausible_date(date)) {
        add("registration_date", FieldProblem::Invalid);
    }
    let reception_date = input.reception_date.unwrap_or(today);
    if reception_date > today || !crate::validation::is_plausible_date(reception_date) {
        add("reception_date", FieldProblem::Invalid);
    }
    if input.stock_type.is_none() {
        add("stock_type", FieldProblem::Required);
    }
    let numbers = [
        ("registration_year", input.registration_year.flatten().map(i64::from)),
        ("mileage_km", Some(input.mileage_km.unwrap_or(0).into())),
        ("power_cv", input.power_cv.flatten().map(i64::from)),
        ("purchase_price", input.purchase_price.flatten().map(Money::cents)),
        ("total_cost", input.total_cost.flatten().map(Money::cents)),
        ("sale_price", input.sale_price.map(Money::cents)),
        ("online_visits", Some(input.online_visits.unwrap_or(0).into())),
        ("online_calls", Some(input.online_calls.unwrap_or(0).into())),
        ("online_leads", Some(input.online_leads.unwrap_or(0).into())),
    ];
    for (field, value) in numbers {
        if let (Some(value), Some(bounds)) = (value, bounds(field, today)) {
            if value < bounds.min {
                add(field, FieldProblem::TooShort);
            } else if value > bounds.max {
                add(field, FieldProblem::TooLong);
            }
        }
    }
    if input.sale_price.is_none() {
        add("sale_price", FieldProblem::Required);
    }
    problems
}

fn flat(value: &Option<Option<String>>) -> Option<&str> {
    value.as_ref().and_then(|v| v.as_deref())
}

/// Blank text is no text.
fn text(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn check_length(add: &mut impl FnMut(&'static str, FieldProblem), field: &'static str, text: &str) {
    if max_chars(field).is_some_and(|max| text.chars().count() > max) {
        add(field, FieldProblem::TooLong);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stock::StockType;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    #[test]
    fn negative_numbers_are_below_their_minimum() {
        let input = VehicleInput {
            vin: Some("VSSZZZ6JZ9R123456".into()),
            brand: Some("SEAT".into()),
            model: Some("Ibiza".into()),
            stock_type: Some(StockType::Vo),
            sale_price: Some(Money::from_euros(-5)),
            mileage_km: Some(-10),
            ..Default::default()
        };
        let problems = check_vehicle(&input, VinRule::Strict, today());
        assert_eq!(problems, [("mileage_km", FieldProblem::TooShort), ("sale_price", FieldProblem::TooShort)]);
        assert_eq!(bounds("registration_year", today()).map(|b| b.max), Some(2027));
    }
}
