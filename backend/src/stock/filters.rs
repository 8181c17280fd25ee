//! The stock list's filters and sort: parsed from the query string (every bad parameter
//! named in one 422) and applied to a boxed diesel query. The list, its count, the facets and
//! the export all go through here, so they always agree.

use chrono::{Datelike, Days, NaiveDate};
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use shared::FieldProblem;
use shared::stock::{Fuel, MAX_SEARCH_QUERY_CHARS, Money, StockQuery, StockType, Transmission, VehicleStatus};

use crate::db::pagination::PageParams;
use crate::db::schema::{provinces, vehicles};
use crate::error::{ApiResult, Problems};

pub type VehicleQuery<'a> = vehicles::BoxedQuery<'a, Pg>;
/// Any boxed SELECT over the vehicles table: a page of rows, or a facet's grouped counts.
pub type BoxedVehicles<'a, ST, GB> = diesel::query_builder::BoxedSelectStatement<
    'a,
    ST,
    diesel::internal::table_macro::FromClause<vehicles::table>,
    Pg,
    GB,
>;

/// The SQL of the derived sort keys: identical to the expression indexes of the migration,
/// so PostgreSQL can use them.
const MARGIN_SQL: &str = "(sale_price - coalesce(total_cost, purchase_price))";
const PRICE_DIFFERENCE_SQL: &str = "(sale_price - previous_price)";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StockFilter {
    /// Folded words that must each appear in the searchable text.
    pub words: Vec<String>,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub vehicle_type: Option<String>,
    pub dealer_id: Option<i64>,
    pub province_code: Option<String>,
    pub fuel: Option<Fuel>,
    pub transmission: Option<Transmission>,
    pub stock_type: Option<StockType>,
    pub status: Option<VehicleStatus>,
    pub reserved: Option<bool>,
    pub published: Option<bool>,
    pub price_min: Option<Money>,
    pub price_max: Option<Money>,
    pub km_min: Option<i32>,
    pub km_max: Option<i32>,
    pub year_min: Option<i32>,
    pub year_max: Option<i32>,
    pub days_min: Option<i32>,
    pub days_max: Option<i32>,
}

/// A filter the facets leave out when counting its own values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    Brand,
    Model,
    Fuel,
    Province,
    Dealer,
    StockType,
}

pub use shared::stock::{Sort, SortField, SortKey};

/// No filter value is longer (names, codes, numbers); `q` may hold a described need.
const MAX_PARAMETER_CHARS: usize = 100;

impl StockFilter {
    pub fn parse(query: &StockQuery, problems: &mut Problems) -> StockFilter {
        for (name, value) in query.filters() {
            let longest = if name == "q" { MAX_SEARCH_QUERY_CHARS } else { MAX_PARAMETER_CHARS };
            if value.chars().count() > longest {
                problems.add(name, FieldProblem::TooLong);
            }
        }
        let text =
            |value: &Option<String>| value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        StockFilter {
            words: text(&query.q).map(|q| q.split_whitespace().map(fold_text).take(8).collect()).unwrap_or_default(),
            brand: text(&query.brand),
            model: text(&query.model),
            vehicle_type: text(&query.vehicle_type),
            dealer_id: parse_value(problems, "dealer_id", &query.dealer_id, |v| v.parse().ok()),
            province_code: text(&query.province),
            fuel: parse_value(problems, "fuel", &query.fuel, |v| v.parse().ok()),
            transmission: parse_value(problems, "transmission", &query.transmission, |v| v.parse().ok()),
            stock_type: parse_value(problems, "stock_type", &query.stock_type, |v| v.parse().ok()),
            status: parse_value(problems, "status", &query.status, |v| v.parse().ok()),
            reserved: parse_value(problems, "reserved", &query.reserved, parse_bool),
            published: parse_value(problems, "published", &query.published, parse_bool),
            price_min: parse_value(problems, "price_min", &query.price_min, Money::parse),
            price_max: parse_value(problems, "price_max", &query.price_max, Money::parse),
            km_min: parse_value(problems, "km_min", &query.km_min, parse_count),
            km_max: parse_value(problems, "km_max", &query.km_max, parse_count),
            year_min: parse_value(problems, "year_min", &query.year_min, parse_year),
            year_max: parse_value(problems, "year_max", &query.year_max, parse_year),
            days_min: parse_value(problems, "days_in_stock_min", &query.days_in_stock_min, parse_days),
            days_max: parse_value(problems, "days_in_stock_max", &query.days_in_stock_max, parse_days),
        }
    }

    /// Adds this filter's conditions to `query`, but for the one facet being counted.
    pub fn apply<'a, ST, GB>(
        &'a self,
        mut query: BoxedVehicles<'a, ST, GB>,
        today: NaiveDate,
        except: Option<Facet>,
    ) -> BoxedVehicles<'a, ST, GB> {
        for word in &self.words {
            query = query.filter(vehicles::search_text.like(format!("%{}%", escape_like(word))));
        }
        if let Some(brand) = &self.brand
            && except != Some(Facet::Brand)
        {
            query = query.filter(vehicles::brand.eq(brand));
        }
        if let Some(model) = &self.model
            && except != Some(Facet::Model)
            && except != Some(Facet::Brand)
        {
            query = query.filter(vehicles::model.eq(model));
        }
        if let Some(vehicle_type) = &self.vehicle_type {
            query = query.filter(lower(vehicles::vehicle_type).eq(vehicle_type.to_lowercase()));
        }
        if let Some(id) = self.dealer_id
            && except != Some(Facet::Dealer)
        {
            query = query.filter(vehicles::dealer_id.eq(id));
        }
        if let Some(code) = &self.province_code
            && except != Some(Facet::Province)
        {
            let province = provinces::table.filter(provinces::code.eq(code)).select(provinces::id).single_value();
            query = query.filter(vehicles::province_id.eq(province));
        }
        if let Some(fuel) = self.fuel
            && except != Some(Facet::Fuel)
        {
            query = query.filter(vehicles::fuel.eq(fuel.as_str()));
        }
        if let Some(stock_type) = self.stock_type
            && except != Some(Facet::StockType)
        {
            query = query.filter(vehicles::stock_type.eq(stock_type.as_str()));
        }
        if let Some(transmission) = self.transmission {
            query = query.filter(vehicles::transmission.eq(transmission.as_str()));
        }
        if let Some(status) = self.status {
            query = query.filter(vehicles::status.eq(status.as_str()));
        }
        if let Some(reserved) = self.reserved {
            query = query.filter(vehicles::reserved.eq(reserved));
        }
        if let Some(published) = self.published {
            query = query.filter(vehicles::published.eq(published));
        }
        if let Some(min) = self.price_min {
            query = query.filter(vehicles::sale_price.ge(min.cents()));
        }
        if let Some(max) = self.price_max {
            query = query.filter(vehicles::sale_price.le(max.cents()));
        }
        if let Some(min) = self.km_min {
            query = query.filter(vehicles::mileage_km.ge(min));
        }
        if let Some(max) = self.km_max {
            query = query.filter(vehicles::mileage_km.le(max));
        }
        if let Some(min) = self.year_min {
            query = query.filter(vehicles::registration_year.ge(min));
        }
        if let Some(max) = self.year_max {
            query = query.filter(vehicles::registration_year.le(max));
        }
        // Days in stock are counted from the reception date, so they filter on that column's index.
        if let Some(min) = self.days_min {
            query = query.filter(vehicles::reception_date.le(days_before(today, min)));
        }
        if let Some(max) = self.days_max {
            query = query.filter(vehicles::reception_date.ge(days_before(today, max)));
        }
        query
    }
}

pub(crate) fn days_before(today: NaiveDate, days: i32) -> NaiveDate {
    today.checked_sub_days(Days::new(days.max(0) as u64)).unwrap_or(NaiveDate::MIN)
}

/// A query parameter's value, parsed; an unparsable one is recorded as a problem named after it.
pub fn parse_value<T>(
    problems: &mut Problems,
    name: &str,
    value: &Option<String>,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Option<T> {
    let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
    let parsed = parse(value);
    if parsed.is_none() {
        problems.add(name, FieldProblem::Invalid);
    }
    parsed
}

pub fn parse_bool(value: &str) -> Option<bool> {
    match fold_text(value.trim()).as_str() {
        "true" | "1" | "si" | "yes" | "x" | "s" => Some(true),
        "false" | "0" | "no" | "n" => Some(false),
        _ => None,
    }
}

fn parse_count(value: &str) -> Option<i32> {
    value.parse().ok().filter(|v| *v >= 0)
}

/// Days reach back to a date, so they are bounded (a century) to stay a date.
fn parse_days(value: &str) -> Option<i32> {
    parse_count(value).filter(|days| *days <= shared::validation::MAX_DAYS_IN_STOCK)
}

fn parse_year(value: &str) -> Option<i32> {
    value.parse().ok().filter(|y| (1900..=chrono::Utc::now().year() + 1).contains(y))
}

/// `sort=-sale_price,mileage_km` ([`Sort::parse`]); none asked is newest first.
pub fn parse_sort(value: Option<&str>, problems: &mut Problems) -> Sort {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Sort::newest_first(),
        Some(text) => Sort::parse(text).unwrap_or_else(|problem| {
            problems.add("sort", problem);
            Sort::newest_first()
        }),
    }
}

/// Orders by the keys, then by VIN in the direction of the last key (a stable order for paging).
pub fn apply_sort<'a>(mut query: VehicleQuery<'a>, keys: &[SortKey]) -> VehicleQuery<'a> {
    macro_rules! by {
        ($expr:expr, $descending:expr) => {
            if $descending { query.then_order_by($expr.desc()) } else { query.then_order_by($expr.asc()) }
        };
    }
    for key in keys {
        let d = key.descending;
        query = match key.field {
            SortField::Vin => by!(vehicles::vin, d),
            SortField::Plate => by!(vehicles::plate, d),
            SortField::Brand => by!(vehicles::brand, d),
            SortField::Model => by!(vehicles::model, d),
            SortField::RegistrationYear => by!(vehicles::registration_year, d),
            SortField::ReceptionDate => by!(vehicles::reception_date, d),
            // More days in stock is an earlier reception.
            SortField::DaysInStock => by!(vehicles::reception_date, !d),
            SortField::MileageKm => by!(vehicles::mileage_km, d),
            SortField::PowerCv => by!(vehicles::power_cv, d),
            SortField::SalePrice => by!(vehicles::sale_price, d),
            SortField::EstimatedMargin => by!(sql::<Nullable<diesel::sql_types::BigInt>>(MARGIN_SQL), d),
            SortField::PriceDifference => by!(sql::<Nullable<diesel::sql_types::BigInt>>(PRICE_DIFFERENCE_SQL), d),
            SortField::UpdatedAt => by!(vehicles::updated_at, d),
        };
    }
    let last_descending = keys.last().is_some_and(|k| (k.field == SortField::DaysInStock) != k.descending);
    if last_descending { query.then_order_by(vehicles::vin.desc()) } else { query.then_order_by(vehicles::vin.asc()) }
}

/// The Rust twin of the SQL `fold_text` (lives in `shared`, the SPA folds the same way).
pub use shared::text::fold_text;

pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

diesel::define_sql_function!(fn lower(text: Nullable<Text>) -> Nullable<Text>);

pub type NameLookup = diesel::expression::SqlLiteral<Nullable<Text>>;

/// The reference names shown beside each vehicle, as correlated sub-selects (primary-key
/// lookups, one per row of the page).
pub fn reference_names() -> (NameLookup, NameLookup, NameLookup) {
    (
        sql("(SELECT d.name FROM dealers d WHERE d.id = vehicles.dealer_id)"),
        sql("(SELECT p.code FROM provinces p WHERE p.id = vehicles.province_id)"),
        sql("(SELECT p.name FROM provinces p WHERE p.id = vehicles.province_id)"),
    )
}

/// The filters and sort of the query string, checked together: every bad parameter named.
pub(crate) fn parse_query(query: &StockQuery) -> ApiResult<(StockFilter, Sort)> {
    let mut problems = Problems::default();
    let filter = StockFilter::parse(query, &mut problems);
    let sort = parse_sort(query.sort.as_deref(), &mut problems);
    problems.into_result()?;
    Ok((filter, sort))
}

pub(crate) fn page_params(query: &StockQuery) -> ApiResult<PageParams> {
    let mut problems = Problems::default();
    let params = PageParams {
        page: parse_value(&mut problems, "page", &query.page, |v| v.parse().ok()),
        page_size: parse_value(&mut problems, "page_size", &query.page_size, |v| v.parse().ok()),
    };
    problems.into_result()?;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_parameter_is_named() {
        let query = StockQuery {
            fuel: Some("steam".into()),
            price_min: Some("cheap".into()),
            km_max: Some("-5".into()),
            reserved: Some("maybe".into()),
            year_min: Some("1492".into()),
            ..Default::default()
        };
        let mut problems = Problems::default();
        StockFilter::parse(&query, &mut problems);
        let names: Vec<String> = problems.into_fields().into_keys().collect();
        assert_eq!(names, ["fuel", "km_max", "price_min", "reserved", "year_min"]);
    }

    #[test]
    fn sorts_are_checked() {
        let mut problems = Problems::default();
        let keys = parse_sort(Some("-sale_price,mileage_km"), &mut problems);
        assert!(problems.is_empty());
        assert_eq!(
            keys.keys(),
            [
                SortKey { field: SortField::SalePrice, descending: true },
                SortKey { field: SortField::MileageKm, descending: false }
            ]
        );
        for bad in ["password", "sale_price,sale_price", "-", "vin,brand,model,plate,sale_price"] {
            let mut problems = Problems::default();
            parse_sort(Some(bad), &mut problems);
            assert!(!problems.is_empty(), "{bad}");
        }
    }

    #[test]
    fn folding_matches_the_sql_function() {
        assert_eq!(fold_text("Citroën ÁVILA Ñandú"), "citroen avila nandu");
    }
}
