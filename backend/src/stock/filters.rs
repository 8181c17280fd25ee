//! The stock list's filters and sort: parsed from the query string (every bad parameter
//! named in one 422) and applied to a boxed diesel query. The list, its count, the facets and
//! the export all go through here, so they always agree.

use chrono::{Datelike, Days, NaiveDate};
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use shared::FieldProblem;
use shared::stock::{StockFilter, StockQuery};

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

/// The stock list's filters as conditions on the vehicles table (the filters themselves, and
/// their parsing, are [`shared::stock::StockFilter`]).
pub trait FilterVehicles {
    /// Adds these filters' conditions to `query`, but for the one facet being counted.
    fn apply<'a, ST, GB>(
        &'a self,
        query: BoxedVehicles<'a, ST, GB>,
        today: NaiveDate,
        except: Option<Facet>,
    ) -> BoxedVehicles<'a, ST, GB>;
}

impl FilterVehicles for StockFilter {
    fn apply<'a, ST, GB>(
        &'a self,
        mut query: BoxedVehicles<'a, ST, GB>,
        today: NaiveDate,
        except: Option<Facet>,
    ) -> BoxedVehicles<'a, ST, GB> {
        for word in self.words() {
            query = query.filter(vehicles::search_text.like(format!("%{}%", escape_like(&word))));
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
        if let Some(code) = &self.province
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
        if let Some(min) = self.days_in_stock_min {
            query = query.filter(vehicles::reception_date.le(days_before(today, min)));
        }
        if let Some(max) = self.days_in_stock_max {
            query = query.filter(vehicles::reception_date.ge(days_before(today, max)));
        }
        query
    }
}

pub(crate) fn days_before(today: NaiveDate, days: i32) -> NaiveDate {
    today.checked_sub_days(Days::new(days.max(0) as u64)).unwrap_or(NaiveDate::MIN)
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
pub(crate) fn parse_query(query: &StockQuery, today: NaiveDate) -> ApiResult<(StockFilter, Sort)> {
    let mut problems = Problems::default();
    let filter = query.filter(today.year()).map_err(|bad| problems.add_all(bad)).ok();
    let sort = query.sort().map_err(|problem| problems.add("sort", problem)).ok();
    problems.into_result()?;
    Ok((filter.unwrap_or_default(), sort.unwrap_or_else(Sort::newest_first)))
}

pub(crate) fn page_params(query: &StockQuery) -> ApiResult<PageParams> {
    let mut problems = Problems::default();
    let mut number = |name: &'static str, value: &Option<String>| {
        let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
        value.parse().map_err(|_| problems.add(name, FieldProblem::Invalid)).ok()
    };
    let params = PageParams { page: number("page", &query.page), page_size: number("page_size", &query.page_size) };
    problems.into_result()?;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_and_filters_are_checked_together() {
        let query = StockQuery { fuel: Some("steam".into()), sort: Some("password".into()), ..Default::default() };
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let Err(crate::error::ApiError::Validation(fields)) = parse_query(&query, today) else { panic!("accepted") };
        assert_eq!(fields.into_keys().collect::<Vec<_>>(), ["fuel", "sort"]);
    }
}
