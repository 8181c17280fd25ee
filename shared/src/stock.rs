//! Vehicles in stock: the record, its inputs, the list query, facets, history and import report.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::FieldProblem;

pub mod check;
pub mod labels;
mod query;

pub use query::{MAX_PARAMETER_CHARS, ParamProblems, StockFilter, StockQuery, parse_bool};

/// An amount of euros, held as whole cents: money is never a float. In JSON it is a decimal
/// string with two decimals (`"15990.00"`), as the earlier API's decimal fields were; it is
/// read from such a string or from a JSON number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(pub i64);

impl Money {
    pub fn from_euros(euros: i64) -> Self {
        Money(euros * 100)
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    /// Parses `15990`, `15990.5`, `15990,50`, `15.990,50` (Spanish) or `15,990.50`.
    /// At most two decimals; no sign other than a leading `-`.
    pub fn parse(text: &str) -> Option<Money> {
        let text: String = text.trim().chars().filter(|c| !matches!(c, ' ' | '€' | '\u{a0}')).collect();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        if digits.is_empty() {
            return None;
        }
        // The last `.` or `,` is the decimal mark when one or two digits follow it.
        let (whole, fraction) = match digits.rfind(['.', ',']) {
            Some(at) if digits.len() - at - 1 <= 2 => (&digits[..at], &digits[at + 1..]),
            _ => (digits, ""),
        };
        // Thousands separators, if any, split the whole part into groups of three after a
        // first group without a leading zero: `0.001` is a tenth of a cent, not 1 €.
        let groups: Vec<&str> = whole.split(['.', ',']).collect();
        if groups.len() > 1
            && (groups[0].is_empty()
                || groups[0].len() > 3
                || groups[0].starts_with('0')
                || groups[1..].iter().any(|g| g.len() != 3))
        {
            return None;
        }
        let whole = groups.concat();
        if whole.is_empty() && fraction.is_empty() || !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit())
        {
            return None;
        }
        let euros: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
        let cents: i64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().ok()? * 10,
            _ => fraction.parse().ok()?,
        };
        let total = euros.checked_mul(100)?.checked_add(cents)?;
        Some(Money(if negative { -total } else { total }))
    }

    /// Whole euros, rounded towards zero (for display where cents do not matter).
    pub fn euros(self) -> i64 {
        self.0 / 100
    }

    /// `total` shared among `count`, to the nearest cent (halves away from zero), in integers:
    /// a sum of a million prices is past what a float holds exactly.
    pub fn average(total: i64, count: i64) -> Option<Money> {
        if count == 0 {
            return None;
        }
        let (total, count) = (i128::from(total), i128::from(count));
        let half = count / 2;
        let rounded = if (total < 0) == (count < 0) { (total + half) / count } else { (total - half) / count };
        Some(Money(rounded as i64))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl FromStr for Money {
    type Err = FieldProblem;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s).ok_or(FieldProblem::Invalid)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an amount of euros with at most two decimals")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Money, E> {
                Money::parse(v).ok_or_else(|| E::custom("invalid amount"))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Money, E> {
                v.checked_mul(100).map(Money).ok_or_else(|| E::custom("amount out of range"))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Money, E> {
                i64::try_from(v).map_err(|_| E::custom("amount out of range")).and_then(|v| self.visit_i64(v))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Money, E> {
                // JSON numbers such as 15990.5 arrive as floats; go through their shortest text.
                Money::parse(&v.to_string()).ok_or_else(|| E::custom("invalid amount"))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^-?\d+\.\d{2}$"))
            .description(Some("Euros with two decimals, as a string"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Money {}

/// Declares a closed set of values stored and sent as short text codes.
// `$code` is a `tt`, not a `literal`: a `literal` fragment reaches derive macros wrapped in an
// invisible group, which utoipa does not read, so the OpenAPI document would show the
// variant names (`Km0`) instead of the codes (`KM0`).
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $(#[serde(rename = $code)] $variant),+
        }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = FieldProblem;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(s.trim())).ok_or(FieldProblem::Invalid)
            }
        }
    };
}

code_enum!(
    Fuel {
        Petrol = "petrol",
        Diesel = "diesel",
        Hybrid = "hybrid",
        PluginHybrid = "plugin_hybrid",
        Electric = "electric",
        Lpg = "lpg",
        Cng = "cng",
        Other = "other",
    }
);

code_enum!(Transmission { Manual = "manual", Automatic = "automatic" });

code_enum!(
    /// VO used, VN new, KM0 zero-kilometre, demo cars.
    StockType {
        Vo = "VO",
        Vn = "VN",
        Km0 = "KM0",
        Demo = "DEMO",
    }
);

code_enum!(
    VehicleStatus {
        Available = "available",
        InPreparation = "in_preparation",
        InTransit = "in_transit",
        Sold = "sold",
    }
);

/// A vehicle's identifier as the stock keeps it: trimmed and in ASCII capitals whatever was
/// typed (`" vf1ab…"` is `VF1AB…`), normalised here once. Whether it is a standard VIN is a
/// separate question ([`Vin::is_standard`]): older records keep shorter identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(transparent)]
pub struct Vin(String);

impl Vin {
    pub fn new(text: &str) -> Self {
        Vin(text.trim().to_ascii_uppercase())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// 17 characters, digits and capital letters except I, O and Q.
    pub fn is_standard(&self) -> bool {
        is_valid_vin(&self.0)
    }

    /// A standard VIN, or (where `rule` allows) a plausible older identifier.
    pub fn is_acceptable(&self, rule: check::VinRule) -> bool {
        self.is_standard() || rule == check::VinRule::AllowLegacy && is_acceptable_legacy_vin(&self.0)
    }
}

impl<'de> Deserialize<'de> for Vin {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|text| Vin::new(&text))
    }
}

impl fmt::Display for Vin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Vin> for String {
    fn from(vin: Vin) -> String {
        vin.0
    }
}

/// A VIN: 17 characters, digits and capital letters except I, O and Q.
pub fn is_valid_vin(vin: &str) -> bool {
    vin.len() == 17
        && vin.bytes().all(|b| b.is_ascii_digit() || (b.is_ascii_uppercase() && !matches!(b, b'I' | b'O' | b'Q')))
}

/// Older records carry shorter or odd identifiers; they are kept (and flagged as legacy) when
/// they are at least plausible: 5 to 30 letters, digits or dashes.
pub fn is_acceptable_legacy_vin(vin: &str) -> bool {
    (5..=30).contains(&vin.len()) && vin.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Uppercase, no spaces or dashes: `1234 abc` and `1234-ABC` are the same plate.
pub fn normalize_plate(plate: &str) -> String {
    plate.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_uppercase).collect()
}

/// A vehicle as the API shows it. Derived values are computed when read, never stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Vehicle {
    pub vin: String,
    /// The VIN does not follow the 17-character rule (an imported older record).
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
    pub fuel: Option<Fuel>,
    pub transmission: Option<Transmission>,
    pub power_cv: Option<i32>,
    pub vehicle_type: Option<String>,
    pub stock_type: StockType,
    pub status: VehicleStatus,
    pub reserved: bool,
    pub reserved_at: Option<DateTime<Utc>>,
    pub published: bool,
    pub listing_url: Option<String>,
    pub dealer_id: Option<i64>,
    pub dealer_name: Option<String>,
    pub province_id: Option<i64>,
    pub province_code: Option<String>,
    pub province_name: Option<String>,
    pub location: Option<String>,
    pub purchase_price: Option<Money>,
    pub total_cost: Option<Money>,
    pub sale_price: Money,
    pub previous_price: Option<Money>,
    pub description: Option<String>,
    pub online_visits: i32,
    pub online_calls: i32,
    pub online_leads: i32,
    /// Imported columns that have no field of their own (the earlier system's extras).
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
    /// Days since reception, today.
    pub days_in_stock: i32,
    /// Sale price minus total cost (or purchase price when there is no total cost).
    pub estimated_margin: Option<Money>,
    /// `sale_price - previous_price`: negative after a price drop.
    pub price_difference: Option<Money>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Vehicle {
    /// Margin as a percentage of the sale price, one decimal.
    pub fn margin_percent(&self) -> Option<f64> {
        let margin = self.estimated_margin?;
        (self.sale_price.0 > 0).then(|| (margin.0 as f64 * 1000.0 / self.sale_price.0 as f64).round() / 10.0)
    }
}

/// Create (`POST`, where `vin`, `brand`, `model`, `stock_type` and `sale_price` are required) and
/// change (`PATCH`: absent fields stay, `null` clears a nullable one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VehicleInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub plate: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub version: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub registration_year: Option<Option<i32>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub registration_date: Option<Option<NaiveDate>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reception_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mileage_km: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub colour: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub fuel: Option<Option<Fuel>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub transmission: Option<Option<Transmission>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub power_cv: Option<Option<i32>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub vehicle_type: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_type: Option<StockType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<VehicleStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub listing_url: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub dealer_id: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub province_id: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub location: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub purchase_price: Option<Option<Money>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub total_cost: Option<Option<Money>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_price: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub description: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_visits: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_calls: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_leads: Option<i32>,
}

/// `Option<Option<T>>` in both directions: absent / `null` / value.
mod nullable {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        crate::patch::double_option(deserializer)
    }
}

code_enum!(
    /// What the stock list sorts by.
    SortField {
        Vin = "vin",
        Plate = "plate",
        Brand = "brand",
        Model = "model",
        RegistrationYear = "registration_year",
        ReceptionDate = "reception_date",
        DaysInStock = "days_in_stock",
        MileageKm = "mileage_km",
        PowerCv = "power_cv",
        SalePrice = "sale_price",
        EstimatedMargin = "estimated_margin",
        PriceDifference = "price_difference",
        UpdatedAt = "updated_at",
    }
);

/// One key of a sort: a field and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub field: SortField,
    pub descending: bool,
}

/// The order of the stock list (`sort=-sale_price,mileage_km`): one to four fields, each at
/// most once, written with a leading `-` when descending. Read here for the API and the SPA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort(Vec<SortKey>);

impl Sort {
    pub const MAX_KEYS: usize = 4;

    /// Newest arrivals first: the list's order when none is asked for.
    pub fn newest_first() -> Sort {
        Sort::by_descending(SortField::ReceptionDate)
    }

    /// By one field, ascending.
    pub fn by(field: SortField) -> Sort {
        Sort(vec![SortKey { field, descending: false }])
    }

    pub fn by_descending(field: SortField) -> Sort {
        Sort(vec![SortKey { field, descending: true }])
    }

    pub fn keys(&self) -> &[SortKey] {
        &self.0
    }

    /// Reads a sort as the API does: an unknown, repeated or empty field is `Invalid`, more
    /// than [`Self::MAX_KEYS`] fields `TooLong`.
    pub fn parse(text: &str) -> Result<Sort, FieldProblem> {
        let mut keys: Vec<SortKey> = Vec::new();
        for part in text.split(',').map(str::trim) {
            let (name, descending) = part.strip_prefix('-').map_or((part, false), |name| (name, true));
            let field: SortField = name.parse()?;
            if keys.iter().any(|key| key.field == field) {
                return Err(FieldProblem::Invalid);
            }
            keys.push(SortKey { field, descending });
        }
        if keys.len() > Self::MAX_KEYS {
            return Err(FieldProblem::TooLong);
        }
        Ok(Sort(keys))
    }

    /// [`Self::parse`] for an optional parameter: absent or blank is newest first.
    pub fn parse_optional(text: Option<&str>) -> Result<Sort, FieldProblem> {
        text.map(str::trim).filter(|v| !v.is_empty()).map_or(Ok(Sort::newest_first()), Sort::parse)
    }

    /// Reads a sort as a browser shows one: unknown fields are dropped, and none left (or
    /// nothing asked) is the default.
    pub fn parse_leniently(text: Option<&str>) -> Sort {
        let mut keys: Vec<SortKey> = Vec::new();
        for part in text.unwrap_or_default().split(',').map(str::trim) {
            let (name, descending) = part.strip_prefix('-').map_or((part, false), |name| (name, true));
            if let Ok(field) = name.parse::<SortField>()
                && !keys.iter().any(|key| key.field == field)
            {
                keys.push(SortKey { field, descending });
            }
        }
        keys.truncate(Self::MAX_KEYS);
        if keys.is_empty() { Sort::newest_first() } else { Sort(keys) }
    }

    /// After a click on `field`'s column header: sorted by that column alone, or flipped when
    /// it already leads; with `add` (shift-click) the column becomes (or flips as) one more key.
    pub fn after_click(&self, field: SortField, add: bool) -> Sort {
        let existing = self.0.iter().position(|key| key.field == field);
        let keys = match (add, existing) {
            (true, Some(at)) => {
                let mut keys = self.0.clone();
                keys[at].descending = !keys[at].descending;
                keys
            }
            (true, None) if self.0.len() < Self::MAX_KEYS => {
                let mut keys = self.0.clone();
                keys.push(SortKey { field, descending: false });
                keys
            }
            (true, None) => self.0.clone(),
            (false, Some(0)) => vec![SortKey { field, descending: !self.0[0].descending }],
            (false, _) => vec![SortKey { field, descending: false }],
        };
        Sort(keys)
    }
}

impl fmt::Display for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (at, key) in self.0.iter().enumerate() {
            let separator = if at == 0 { "" } else { "," };
            write!(f, "{separator}{}{}", if key.descending { "-" } else { "" }, key.field)?;
        }
        Ok(())
    }
}

code_enum!(
    /// How the stock search matches its query: meaning and words fused (the default), meaning
    /// only, or words only (the list's own text search).
    SearchMode {
        Hybrid = "hybrid",
        Semantic = "semantic",
        Text = "text",
    }
);

/// The longest search query accepted, in characters.
pub const MAX_SEARCH_QUERY_CHARS: usize = 500;
/// A ranked search returns at most this many vehicles (over all its pages).
pub const MAX_RANKED_RESULTS: i64 = 100;

/// A vehicle found by a ranked search, with how well it matches: the vehicle's fields and
/// these side by side (read by [`crate::decode`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RankedVehicle {
    #[serde(flatten)]
    pub vehicle: Vehicle,
    /// From 0 to 1: higher is a better match (cosine similarity for meaning, the fused
    /// reciprocal-rank score scaled to 0..1 for hybrid, the share of words found for text).
    pub relevance: f64,
    /// 1-based position in the meaning ranking, if it is in it.
    pub semantic_rank: Option<i64>,
    /// 1-based position in the word ranking, if it is in it.
    pub text_rank: Option<i64>,
}

/// One page of a ranked search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchPage {
    pub items: Vec<RankedVehicle>,
    /// How many vehicles were ranked (at most [`MAX_RANKED_RESULTS`]).
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    /// The mode that answered: `text` when meaning search is unavailable.
    pub mode: SearchMode,
    /// False while no embedding model is loaded: the answer then comes from words only.
    pub semantic_available: bool,
}

/// One value of a filter with how many vehicles have it (given the other active filters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacetValue {
    /// What goes into the filter parameter (a brand, a province code, a dealer id...).
    pub value: String,
    /// What to show (a province's or dealer's name; otherwise the value).
    pub label: String,
    pub count: i64,
}

/// The values for the filter dropdowns; each list honours every active filter but its own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockFacets {
    pub brands: Vec<FacetValue>,
    /// Only when a brand is chosen: its models.
    pub models: Vec<FacetValue>,
    pub fuels: Vec<FacetValue>,
    pub provinces: Vec<FacetValue>,
    pub dealers: Vec<FacetValue>,
    pub stock_types: Vec<FacetValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceChange {
    pub changed_at: DateTime<Utc>,
    pub old_price: Option<Money>,
    pub new_price: Money,
    /// The username of who changed it (absent for changes by the system or deleted users).
    pub changed_by: Option<String>,
}

/// The vehicle as the daily snapshot saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VehicleSnapshot {
    pub snapshot_date: NaiveDate,
    pub sale_price: Money,
    pub status: VehicleStatus,
    pub reserved: bool,
    pub published: bool,
    pub mileage_km: i32,
    pub days_in_stock: i32,
}

/// Who created, changed or deleted the vehicle, and which fields changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VehicleChange {
    pub changed_at: DateTime<Utc>,
    /// `create`, `update` or `delete`.
    pub action: String,
    pub changed_by: Option<String>,
    /// The names of the fields that changed (for updates).
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VehicleHistory {
    /// Newest first.
    pub price_changes: Vec<PriceChange>,
    /// Newest first.
    pub snapshots: Vec<VehicleSnapshot>,
    /// Newest first.
    pub changes: Vec<VehicleChange>,
}

/// How an import treats invalid rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// One invalid row and nothing is written.
    #[default]
    AllOrNothing,
    /// Write the valid rows, report the others.
    SkipInvalid,
}

/// One problem of a rejected row: its line number in the file (the header is line 1), the
/// field and the problem. A row with several problems has one entry for each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectedRow {
    pub row: u64,
    pub vin: Option<String>,
    /// The column (in the API's English name), or `row` for the row as a whole.
    pub field: String,
    /// A [`FieldProblem`] code, or `duplicate` (the VIN already appeared in the file).
    pub problem: String,
    /// English detail (the value that failed, the earlier row...).
    pub detail: String,
    /// The cell's text as the file has it, when that value is the problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// For `duplicate`: the line where the VIN first appeared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earlier_row: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub mode: ImportMode,
    /// Data rows read (the header not counted).
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    /// Rows for vehicles that already held exactly these values (nothing written for them).
    #[serde(default)]
    pub unchanged: u64,
    /// The problems of the rejected rows, in file order (one entry per problem, up to 1,000);
    /// `rejected_total` counts them all.
    pub rejected: Vec<RejectedRow>,
    /// Problems found, over all rows (a row may have several): what `rejected` would list
    /// without its limit.
    pub rejected_total: u64,
    /// Rows rejected (each counted once, however many problems it has).
    #[serde(default)]
    pub rejected_rows: u64,
    /// Whether anything was written (false when all-or-nothing met an invalid row).
    pub committed: bool,
}

/// The 422 answer of an all-or-nothing import that met invalid rows: the usual error shape
/// plus the report (nothing was written).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRejected {
    pub error: crate::ErrorCode,
    pub message: String,
    #[serde(default)]
    pub fields: crate::FieldErrors,
    /// Optional in the OpenAPI document: an unreadable file (empty, not UTF-8, no header...)
    /// answers the plain error shape, without a report.
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub report: ImportReport,
}

/// How far a running import has got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportProgress {
    /// Bytes of the file read so far (the client knows the file's size).
    pub bytes_read: u64,
    /// Data rows read and checked.
    pub rows_read: u64,
    /// Rows rejected so far.
    pub rows_rejected: u64,
    /// Rows the database has taken in (created, updated or found unchanged; not yet committed).
    pub rows_applied: u64,
}

/// The events of an import asked for as `text/event-stream` (the event name is `type`):
/// `progress` while it runs, then one `done` or `failed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", try_from = "ImportEventFields")]
pub enum ImportEvent {
    Progress {
        progress: ImportProgress,
    },
    /// The report: `committed` says whether anything was written (all-or-nothing with invalid
    /// rows writes nothing, as the JSON answer's 422 does).
    Done {
        report: ImportReport,
    },
    /// The file as a whole was refused or the import failed: what the JSON answer's `status`
    /// and error body would have been. Nothing was written.
    Failed {
        status: u16,
        error: crate::ErrorBody,
    },
}

/// An [`ImportEvent`] as read: its `type` and every field any event has (see
/// [`crate::decode`]).
#[derive(Deserialize)]
struct ImportEventFields {
    #[serde(rename = "type")]
    kind: ImportEventKind,
    progress: Option<ImportProgress>,
    report: Option<ImportReport>,
    status: Option<u16>,
    error: Option<crate::ErrorBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ImportEventKind {
    Progress,
    Done,
    Failed,
}

impl TryFrom<ImportEventFields> for ImportEvent {
    type Error = String;

    fn try_from(event: ImportEventFields) -> Result<Self, String> {
        use crate::decode::required as needs;
        Ok(match event.kind {
            ImportEventKind::Progress => ImportEvent::Progress { progress: needs(event.progress, "progress")? },
            ImportEventKind::Done => ImportEvent::Done { report: needs(event.report, "report")? },
            ImportEventKind::Failed => {
                ImportEvent::Failed { status: needs(event.status, "status")?, error: needs(event.error, "error")? }
            }
        })
    }
}

impl ImportEvent {
    /// The SSE `event:` name.
    pub fn name(&self) -> &'static str {
        match self {
            ImportEvent::Progress { .. } => "progress",
            ImportEvent::Done { .. } => "done",
            ImportEvent::Failed { .. } => "failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_are_read_strictly_for_the_api_and_leniently_for_the_browser() {
        let sort = Sort::parse(" -sale_price , mileage_km").unwrap();
        assert_eq!(
            sort.keys(),
            [
                SortKey { field: SortField::SalePrice, descending: true },
                SortKey { field: SortField::MileageKm, descending: false }
            ]
        );
        assert_eq!(sort.to_string(), "-sale_price,mileage_km");
        for bad in ["", "price", "brand,brand", "brand,", "-"] {
            assert_eq!(Sort::parse(bad), Err(FieldProblem::Invalid), "{bad}");
        }
        assert_eq!(Sort::parse("vin,plate,brand,model,power_cv"), Err(FieldProblem::TooLong));
        assert_eq!(Sort::parse_leniently(Some("price,-brand")).to_string(), "-brand");
        assert_eq!(Sort::parse_leniently(Some("nonsense")), Sort::newest_first());
        assert_eq!(Sort::parse_leniently(None).to_string(), "-reception_date");
    }

    #[test]
    fn a_header_click_sorts_by_its_column_or_flips_it_and_shift_adds_it() {
        let sort = Sort::parse("-sale_price").unwrap();
        assert_eq!(sort.after_click(SortField::SalePrice, false).to_string(), "sale_price");
        assert_eq!(sort.after_click(SortField::Brand, false).to_string(), "brand");
        assert_eq!(sort.after_click(SortField::Brand, true).to_string(), "-sale_price,brand");
        assert_eq!(sort.after_click(SortField::SalePrice, true).to_string(), "sale_price");
    }

    #[test]
    fn averages_of_money_round_to_the_cent_exactly() {
        assert_eq!(Money::average(10, 4), Some(Money(3)), "2.5 cents: halves away from zero");
        assert_eq!(Money::average(-10, 4), Some(Money(-3)));
        assert_eq!(Money::average(10, 3), Some(Money(3)));
        assert_eq!(Money::average(5, 0), None);
        // A million prices near 90 million euros each: past a float's exact integers.
        let total = 9_007_199_254_740_993_i64;
        assert_eq!(Money::average(total, 1), Some(Money(total)));
    }

    #[test]
    fn a_vin_is_trimmed_and_in_capitals_once_whatever_was_typed() {
        let vin: Vin = serde_json::from_str("\" vf1abc12345678901 \"").unwrap();
        assert_eq!(vin.as_str(), "VF1ABC12345678901");
        assert!(vin.is_standard());
        assert_eq!(vin, Vin::new("VF1ABC12345678901"));
        assert_eq!(serde_json::to_string(&vin).unwrap(), "\"VF1ABC12345678901\"");
        assert!(!Vin::new("ab-12").is_standard());
        assert!(Vin::new(" ab-12 ").is_acceptable(check::VinRule::AllowLegacy));
        assert!(!Vin::new("ab-12").is_acceptable(check::VinRule::Strict));
    }

    #[test]
    fn money_parses_spanish_and_english_notation() {
        assert_eq!(Money::parse("15990"), Some(Money(1_599_000)));
        assert_eq!(Money::parse("15.990,50"), Some(Money(1_599_050)));
        assert_eq!(Money::parse("15,990.50"), Some(Money(1_599_050)));
        assert_eq!(Money::parse("15990,5"), Some(Money(1_599_050)));
        assert_eq!(Money::parse("15.990"), Some(Money(1_599_000)));
        assert_eq!(Money::parse(" 1 200 € "), Some(Money(120_000)));
        assert_eq!(Money::parse("-3.5"), Some(Money(-350)));
        for bad in ["", "abc", "1.2.3,456", "12e3", "--1", "1,234x", "0.001", "0,001", "01.000", "0.0001"] {
            assert_eq!(Money::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn money_is_a_two_decimal_string_in_json() {
        assert_eq!(serde_json::to_string(&Money(1_599_050)).unwrap(), r#""15990.50""#);
        assert_eq!(serde_json::to_string(&Money(-5)).unwrap(), r#""-0.05""#);
        for json in [r#""15990.50""#, "15990.5"] {
            assert_eq!(serde_json::from_str::<Money>(json).unwrap(), Money(1_599_050));
        }
        assert_eq!(serde_json::from_str::<Money>("100").unwrap(), Money(10_000));
        assert!(serde_json::from_str::<Money>("true").is_err());
    }

    #[test]
    fn vins_follow_the_iso_rule() {
        assert!(is_valid_vin("VSSZZZ6JZ9R123456"));
        assert!(!is_valid_vin("VSSZZZ6JZ9R12345"));
        assert!(!is_valid_vin("VSSZZZ6JZ9R12345O"));
        assert!(!is_valid_vin("vsszzz6jz9r123456"));
        assert!(is_acceptable_legacy_vin("AB-1234"));
        assert!(!is_acceptable_legacy_vin("AB 1234"));
    }

    #[test]
    fn codes_round_trip() {
        for fuel in Fuel::ALL {
            assert_eq!(fuel.as_str().parse::<Fuel>(), Ok(*fuel));
        }
        assert_eq!("km0".parse::<StockType>(), Ok(StockType::Km0));
        assert_eq!(serde_json::to_string(&StockType::Vo).unwrap(), r#""VO""#);
    }

    #[test]
    fn a_patch_tells_absent_from_null() {
        let patch: VehicleInput = serde_json::from_str(r#"{"plate":null,"sale_price":"100"}"#).unwrap();
        assert_eq!(patch.plate, Some(None));
        assert_eq!(patch.colour, None);
        assert_eq!(patch.sale_price, Some(Money(10_000)));
        assert!(serde_json::from_str::<VehicleInput>(r#"{"wheels":4}"#).is_err());
        let back = serde_json::to_string(&patch).unwrap();
        assert_eq!(back, r#"{"plate":null,"sale_price":"100.00"}"#);
    }
}
