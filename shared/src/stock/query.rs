//! The stock list's query, in two forms: [`StockQuery`] is the text of the URL (what the user
//! typed, kept as typed so a bad value can be shown and corrected), and [`StockFilter`] is the
//! same filters typed. [`StockQuery::filter`] parses the one into the other, naming every bad
//! parameter, and [`StockFilter::to_query`] prints it back: the list, export, facets, dashboard
//! links, ranked search, the assistant's tools and the SPA all go through these two functions.

use std::fmt::Display;

use serde::{Deserialize, Serialize};

use super::{Fuel, MAX_SEARCH_QUERY_CHARS, Money, SearchMode, Sort, StockType, Transmission, VehicleStatus};
use crate::FieldProblem;
use crate::text::fold_text;
use crate::validation::MAX_DAYS_IN_STOCK;

/// Bad parameters, by name, in the order they were found.
pub type ParamProblems = Vec<(&'static str, FieldProblem)>;

/// No filter value is longer (names, codes, numbers); `q` may hold a described need.
pub const MAX_PARAMETER_CHARS: usize = 100;
/// Search words beyond these are ignored (each one is another pass over the text).
const MAX_SEARCH_WORDS: usize = 8;

/// The list's filters, sort and page: one struct that the SPA writes into its URL and into
/// API query strings, and that the backend reads (and validates field by field). Every value
/// travels as text; the OpenAPI parameters publish what each must hold (a bad one is a 422
/// naming it). Text filters are at most 100 characters, `q` [`MAX_SEARCH_QUERY_CHARS`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default)]
pub struct StockQuery {
    /// Words to find in brand, model, version, VIN, plate or colour (accents and case ignored).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(max_length = 500))]
    pub q: Option<String>,
    /// How `q` is matched: a [`SearchMode`] (`text` when absent; the list itself only does text).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<SearchMode>))]
    pub mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(max_length = 100))]
    pub brand: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(max_length = 100))]
    pub model: Option<String>,
    /// Body type as stored (`SUV`, `Turismo`, `Familiar`...), case ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(max_length = 100))]
    pub vehicle_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<i64>))]
    pub dealer_id: Option<String>,
    /// A province's INE code (`28` is Madrid).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(max_length = 100))]
    pub province: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<Fuel>))]
    pub fuel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<Transmission>))]
    pub transmission: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<StockType>))]
    pub stock_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<VehicleStatus>))]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<bool>))]
    pub reserved: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<bool>))]
    pub published: Option<String>,
    /// Euros (`15990`, `15.990,50`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(example = "5000"))]
    pub price_min: Option<String>,
    /// Euros (`15990`, `15.990,50`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(example = "15000"))]
    pub price_max: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<i32>, minimum = 0))]
    pub km_min: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<i32>, minimum = 0))]
    pub km_max: Option<String>,
    /// Registration year, 1900 to next year.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<i32>, minimum = 1900))]
    pub year_min: Option<String>,
    /// Registration year, 1900 to next year.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<i32>, minimum = 1900))]
    pub year_max: Option<String>,
    /// Days since reception, at most a century.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<i32>, minimum = 0, maximum = 36500))]
    pub days_in_stock_min: Option<String>,
    /// Days since reception, at most a century.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<i32>, minimum = 0, maximum = 36500))]
    pub days_in_stock_max: Option<String>,
    /// Up to four comma-separated sort fields, `-` for descending: `-sale_price,mileage_km`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    /// 1-based page number.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<i64>, minimum = 1))]
    pub page: Option<String>,
    /// Items per page, at most 100.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<i64>, minimum = 1, maximum = 100))]
    pub page_size: Option<String>,
}

impl StockQuery {
    /// The filter parameters only (not sort or page), as `(name, value)` pairs that are set.
    pub fn filters(&self) -> Vec<(&'static str, &str)> {
        [
            ("q", &self.q),
            ("brand", &self.brand),
            ("model", &self.model),
            ("vehicle_type", &self.vehicle_type),
            ("dealer_id", &self.dealer_id),
            ("province", &self.province),
            ("fuel", &self.fuel),
            ("transmission", &self.transmission),
            ("stock_type", &self.stock_type),
            ("status", &self.status),
            ("reserved", &self.reserved),
            ("published", &self.published),
            ("price_min", &self.price_min),
            ("price_max", &self.price_max),
            ("km_min", &self.km_min),
            ("km_max", &self.km_max),
            ("year_min", &self.year_min),
            ("year_max", &self.year_max),
            ("days_in_stock_min", &self.days_in_stock_min),
            ("days_in_stock_max", &self.days_in_stock_max),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().filter(|v| !v.trim().is_empty()).map(|v| (name, v)))
        .collect()
    }

    /// Clears one filter by its parameter name (for the "chips" of active filters).
    pub fn clear(&mut self, name: &str) {
        let slot = match name {
            "q" => &mut self.q,
            "mode" => &mut self.mode,
            "brand" => &mut self.brand,
            "model" => &mut self.model,
            "vehicle_type" => &mut self.vehicle_type,
            "dealer_id" => &mut self.dealer_id,
            "province" => &mut self.province,
            "fuel" => &mut self.fuel,
            "transmission" => &mut self.transmission,
            "stock_type" => &mut self.stock_type,
            "status" => &mut self.status,
            "reserved" => &mut self.reserved,
            "published" => &mut self.published,
            "price_min" => &mut self.price_min,
            "price_max" => &mut self.price_max,
            "km_min" => &mut self.km_min,
            "km_max" => &mut self.km_max,
            "year_min" => &mut self.year_min,
            "year_max" => &mut self.year_max,
            "days_in_stock_min" => &mut self.days_in_stock_min,
            "days_in_stock_max" => &mut self.days_in_stock_max,
            "sort" => &mut self.sort,
            "page" => &mut self.page,
            "page_size" => &mut self.page_size,
            _ => return,
        };
        *slot = None;
        if name == "brand" {
            self.model = None;
        }
    }
}

/// The stock list's filters, typed. Built by [`StockQuery::filter`] from a URL, or directly
/// (dashboard links, the assistant's tools, whose JSON arguments are this struct: unknown
/// names are refused so a model's typo comes back to it instead of a silently wider query).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StockFilter {
    /// Words that must all appear in brand, model, version, VIN, plate or colour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Body type as stored: `SUV`, `Turismo`, `Familiar`, `Monovolumen`... (case ignored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vehicle_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dealer_id: Option<i64>,
    /// A province's INE code (`28` is Madrid).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fuel: Option<Fuel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transmission: Option<Transmission>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock_type: Option<StockType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<VehicleStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_min: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_max: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub km_min: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub km_max: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year_min: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year_max: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_in_stock_min: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_in_stock_max: Option<i32>,
}

impl StockQuery {
    /// The filters, typed, or every bad parameter named. Blank values are unset; years run
    /// from 1900 to the year after `this_year` (passed in: the browser and the server each
    /// know their own today).
    pub fn filter(&self, this_year: i32) -> Result<StockFilter, ParamProblems> {
        let mut problems: ParamProblems = self
            .filters()
            .into_iter()
            .filter(|(name, value)| value.chars().count() > max_chars(name))
            .map(|(name, _)| (name, FieldProblem::TooLong))
            .collect();
        let mut read = Reader(&mut problems);
        let filter = StockFilter {
            q: text(&self.q),
            brand: text(&self.brand),
            model: text(&self.model),
            vehicle_type: text(&self.vehicle_type),
            dealer_id: read.value("dealer_id", &self.dealer_id, |v| v.parse().ok()),
            province: text(&self.province),
            fuel: read.value("fuel", &self.fuel, |v| v.parse().ok()),
            transmission: read.value("transmission", &self.transmission, |v| v.parse().ok()),
            stock_type: read.value("stock_type", &self.stock_type, |v| v.parse().ok()),
            status: read.value("status", &self.status, |v| v.parse().ok()),
            reserved: read.value("reserved", &self.reserved, parse_bool),
            published: read.value("published", &self.published, parse_bool),
            price_min: read.value("price_min", &self.price_min, Money::parse),
            price_max: read.value("price_max", &self.price_max, Money::parse),
            km_min: read.value("km_min", &self.km_min, |v| v.parse().ok()),
            km_max: read.value("km_max", &self.km_max, |v| v.parse().ok()),
            year_min: read.value("year_min", &self.year_min, |v| v.parse().ok()),
            year_max: read.value("year_max", &self.year_max, |v| v.parse().ok()),
            days_in_stock_min: read.value("days_in_stock_min", &self.days_in_stock_min, |v| v.parse().ok()),
            days_in_stock_max: read.value("days_in_stock_max", &self.days_in_stock_max, |v| v.parse().ok()),
        };
        problems.extend(filter.out_of_range(this_year));
        if problems.is_empty() { Ok(filter) } else { Err(problems) }
    }

    /// The sort asked for ([`Sort::parse`]); none is newest first.
    pub fn sort(&self) -> Result<Sort, FieldProblem> {
        Sort::parse_optional(self.sort.as_deref())
    }

    /// How `q` is to be matched; none is hybrid (meaning and words).
    pub fn mode(&self) -> Result<SearchMode, FieldProblem> {
        self.mode.as_deref().map(str::trim).filter(|v| !v.is_empty()).map_or(Ok(SearchMode::Hybrid), str::parse)
    }
}

impl StockFilter {
    /// The URL text of these filters (the reverse of [`StockQuery::filter`]); sort and page unset.
    pub fn to_query(&self) -> StockQuery {
        fn shown(value: Option<impl Display>) -> Option<String> {
            value.map(|v| v.to_string())
        }
        StockQuery {
            q: text(&self.q),
            brand: text(&self.brand),
            model: text(&self.model),
            vehicle_type: text(&self.vehicle_type),
            dealer_id: shown(self.dealer_id),
            province: text(&self.province),
            fuel: shown(self.fuel),
            transmission: shown(self.transmission),
            stock_type: shown(self.stock_type),
            status: shown(self.status),
            reserved: shown(self.reserved),
            published: shown(self.published),
            price_min: shown(self.price_min),
            price_max: shown(self.price_max),
            km_min: shown(self.km_min),
            km_max: shown(self.km_max),
            year_min: shown(self.year_min),
            year_max: shown(self.year_max),
            days_in_stock_min: shown(self.days_in_stock_min),
            days_in_stock_max: shown(self.days_in_stock_max),
            ..StockQuery::default()
        }
    }

    /// These filters as the list would read them, or every bad one named: for filters built
    /// in code or sent as JSON (the assistant's tools), which never went through a URL.
    pub fn checked(&self, this_year: i32) -> Result<StockFilter, ParamProblems> {
        self.to_query().filter(this_year)
    }

    /// The folded words of `q`, each of which must appear in a vehicle's searchable text.
    pub fn words(&self) -> Vec<String> {
        self.q
            .as_deref()
            .map(|q| q.split_whitespace().map(fold_text).take(MAX_SEARCH_WORDS).collect())
            .unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        *self == StockFilter::default()
    }

    /// Numbers that parse but mean nothing: negative kilometres, a year before cars, days
    /// reaching back past a century (they become a date).
    fn out_of_range(&self, this_year: i32) -> ParamProblems {
        let count = |v: &Option<i32>| v.is_some_and(|v| v < 0);
        let year = |v: &Option<i32>| v.is_some_and(|v| !(1900..=this_year + 1).contains(&v));
        let days = |v: &Option<i32>| v.is_some_and(|v| !(0..=MAX_DAYS_IN_STOCK).contains(&v));
        [
            ("km_min", count(&self.km_min)),
            ("km_max", count(&self.km_max)),
            ("year_min", year(&self.year_min)),
            ("year_max", year(&self.year_max)),
            ("days_in_stock_min", days(&self.days_in_stock_min)),
            ("days_in_stock_max", days(&self.days_in_stock_max)),
        ]
        .into_iter()
        .filter(|(_, bad)| *bad)
        .map(|(name, _)| (name, FieldProblem::Invalid))
        .collect()
    }
}

fn max_chars(name: &str) -> usize {
    if name == "q" { MAX_SEARCH_QUERY_CHARS } else { MAX_PARAMETER_CHARS }
}

/// A text value, trimmed; blank is unset.
fn text(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// Reads typed values, recording each one that does not parse under its parameter's name.
struct Reader<'a>(&'a mut ParamProblems);

impl Reader<'_> {
    fn value<T>(
        &mut self,
        name: &'static str,
        value: &Option<String>,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
        let parsed = parse(value);
        if parsed.is_none() {
            self.0.push((name, FieldProblem::Invalid));
        }
        parsed
    }
}

/// Yes or no as people write it in a URL or a spreadsheet (`true`, `1`, `sí`, `x`, `no`...).
pub fn parse_bool(value: &str) -> Option<bool> {
    match fold_text(value.trim()).as_str() {
        "true" | "1" | "si" | "yes" | "x" | "s" => Some(true),
        "false" | "0" | "no" | "n" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const THIS_YEAR: i32 = 2026;

    #[test]
    fn every_bad_parameter_is_named() {
        let query = StockQuery {
            fuel: Some("steam".into()),
            price_min: Some("cheap".into()),
            km_max: Some("-5".into()),
            reserved: Some("maybe".into()),
            year_min: Some("1492".into()),
            year_max: Some("2028".into()),
            dealer_id: Some("9".repeat(101)),
            ..Default::default()
        };
        let mut names: Vec<&str> = query.filter(THIS_YEAR).unwrap_err().into_iter().map(|(name, _)| name).collect();
        names.sort();
        assert_eq!(
            names,
            ["dealer_id", "dealer_id", "fuel", "km_max", "price_min", "reserved", "year_max", "year_min"]
        );
    }

    #[test]
    fn a_filter_prints_to_the_query_it_was_read_from() {
        let query = StockQuery {
            q: Some("rojo".into()),
            brand: Some("SEAT".into()),
            dealer_id: Some("7".into()),
            fuel: Some("diesel".into()),
            stock_type: Some("KM0".into()),
            status: Some("available".into()),
            reserved: Some("false".into()),
            price_max: Some("15000.50".into()),
            km_min: Some("0".into()),
            year_min: Some("2020".into()),
            days_in_stock_max: Some("30".into()),
            ..Default::default()
        };
        let filter = query.filter(THIS_YEAR).unwrap();
        assert_eq!(filter.fuel, Some(Fuel::Diesel));
        assert_eq!(filter.price_max, Some(Money(1_500_050)));
        assert_eq!(filter.to_query(), query);
        assert_eq!(filter.to_query().filter(THIS_YEAR), Ok(filter));
    }

    #[test]
    fn values_are_read_as_people_write_them() {
        let query = StockQuery {
            brand: Some("  ".into()),
            model: Some(" Ibiza ".into()),
            fuel: Some(" Diesel".into()),
            reserved: Some("sí".into()),
            price_min: Some("15.990,50".into()),
            ..Default::default()
        };
        let filter = query.filter(THIS_YEAR).unwrap();
        assert_eq!(filter.brand, None);
        assert_eq!(filter.model.as_deref(), Some("Ibiza"));
        assert_eq!(filter.fuel, Some(Fuel::Diesel));
        assert_eq!(filter.reserved, Some(true));
        assert_eq!(filter.price_min, Some(Money(1_599_050)));
    }

    #[test]
    fn filters_built_in_code_are_checked_as_a_url_would_be() {
        let built = StockFilter { brand: Some(" SEAT ".into()), km_min: Some(-1), ..Default::default() };
        assert_eq!(built.checked(THIS_YEAR), Err(vec![("km_min", FieldProblem::Invalid)]));
        let built = StockFilter { brand: Some(" SEAT ".into()), q: Some("x".repeat(501)), ..Default::default() };
        assert_eq!(built.checked(THIS_YEAR), Err(vec![("q", FieldProblem::TooLong)]));
        let built = StockFilter { brand: Some(" SEAT ".into()), ..Default::default() };
        assert_eq!(built.checked(THIS_YEAR).unwrap().brand.as_deref(), Some("SEAT"));
    }

    #[test]
    fn search_words_are_folded_and_bounded() {
        let filter = StockFilter { q: Some("Citroën  ÁVILA a b c d e f g h".into()), ..Default::default() };
        assert_eq!(filter.words(), ["citroen", "avila", "a", "b", "c", "d", "e", "f"]);
    }

    #[test]
    fn the_assistant_json_is_the_filter_with_codes() {
        let filter: StockFilter =
            serde_json::from_str(r#"{"fuel":"diesel","price_max":15000,"reserved":false}"#).unwrap();
        assert_eq!(filter.fuel, Some(Fuel::Diesel));
        assert_eq!(filter.price_max, Some(Money(1_500_000)));
        assert!(serde_json::from_str::<StockFilter>(r#"{"colour":"red"}"#).is_err());
        assert!(serde_json::from_str::<StockFilter>(r#"{"fuel":"steam"}"#).is_err());
    }

    #[test]
    fn clearing_the_brand_clears_its_model() {
        let mut query = StockQuery { brand: Some("SEAT".into()), model: Some("Ibiza".into()), ..Default::default() };
        assert_eq!(query.filters(), vec![("brand", "SEAT"), ("model", "Ibiza")]);
        query.clear("brand");
        assert!(query.filters().is_empty());
    }
}
