//! What each tool accepts and returns. Arguments arrive as JSON from a model (or from the
//! embedded planner, which builds these structs directly); unknown fields are refused so a
//! model's typo comes back to it as an error instead of a silently wider query.

use serde::{Deserialize, Serialize};
use shared::dashboard::DashboardFilter;
use shared::stock::{Money, StockFilter, StockType};

/// `search_vehicles`: count the vehicles matching the filters and show a few of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchArgs {
    pub filters: StockFilter,
    /// The list's sort syntax: `-sale_price`, `days_in_stock`, `-registration_year,mileage_km`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    /// How many vehicles to show (1 to 20, default 10); the count covers them all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
}

/// A dimension `aggregate_stock` can group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Brand,
    /// Brand and model together.
    Model,
    VehicleType,
    Fuel,
    Transmission,
    StockType,
    Status,
    Dealer,
    Province,
    RegistrationYear,
    /// The month of reception, `2026-11`.
    ReceptionMonth,
    /// 0-10000, 10000-20000, 20000-30000, 30000-50000, 50000- euros.
    PriceBand,
    /// 0-30, 31-60, 61-90, 91-180, 181- days in stock.
    AgeBand,
}

/// `aggregate_stock`: counts, sums, averages and extremes over the filtered stock, grouped by
/// one dimension or over all of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AggregateArgs {
    pub filters: StockFilter,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<GroupBy>,
    /// At most this many groups, largest first (1 to 60, default 20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
}

/// `semantic_search`: the vehicles whose description best matches a need, under filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SemanticArgs {
    /// The need in the customer's words: "familiar barato para cinco".
    pub text: String,
    pub filters: StockFilter,
    /// 1 to 10, default 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
}

/// `get_vehicle`: one vehicle by VIN.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VehicleArgs {
    pub vin: String,
}

/// A dimension the daily snapshots keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryGroup {
    Dealer,
    Province,
    StockType,
}

/// `stock_history`: the stock as the daily snapshots saw it at the end of each month asked
/// for (or on each date), optionally per dealer, province or stock type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HistoryArgs {
    /// `YYYY-MM` months (the last snapshot of each) and/or `YYYY-MM-DD` dates; 1 to 12.
    /// Empty means the latest snapshot.
    pub periods: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<HistoryGroup>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dealer_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock_type: Option<StockType>,
}

impl HistoryArgs {
    /// The dealer, province and stock type asked about.
    pub fn place(&self) -> DashboardFilter {
        DashboardFilter { dealer_id: self.dealer_id, province: self.province.clone(), stock_type: self.stock_type }
    }
}

/// One tool call with its typed arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolRequest {
    SearchVehicles(SearchArgs),
    AggregateStock(AggregateArgs),
    SemanticSearch(SemanticArgs),
    GetVehicle(VehicleArgs),
    DashboardFigures(DashboardFilter),
    StockHistory(HistoryArgs),
}

impl ToolRequest {
    pub fn name(&self) -> &'static str {
        match self {
            ToolRequest::SearchVehicles(_) => "search_vehicles",
            ToolRequest::AggregateStock(_) => "aggregate_stock",
            ToolRequest::SemanticSearch(_) => "semantic_search",
            ToolRequest::GetVehicle(_) => "get_vehicle",
            ToolRequest::DashboardFigures(_) => "dashboard_figures",
            ToolRequest::StockHistory(_) => "stock_history",
        }
    }

    pub fn arguments(&self) -> serde_json::Value {
        let value = match self {
            ToolRequest::SearchVehicles(a) => serde_json::to_value(a),
            ToolRequest::AggregateStock(a) => serde_json::to_value(a),
            ToolRequest::SemanticSearch(a) => serde_json::to_value(a),
            ToolRequest::GetVehicle(a) => serde_json::to_value(a),
            ToolRequest::DashboardFigures(a) => serde_json::to_value(a),
            ToolRequest::StockHistory(a) => serde_json::to_value(a),
        };
        value.expect("tool arguments serialise")
    }

    /// Parses a model's call: an unknown name or arguments that do not fit are an error
    /// message for the model.
    pub fn parse(name: &str, arguments: &str) -> Result<ToolRequest, String> {
        let arguments = if arguments.trim().is_empty() { "{}" } else { arguments };
        fn args<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
            serde_json::from_str(text).map_err(|e| format!("invalid arguments: {e}"))
        }
        Ok(match name {
            "search_vehicles" => ToolRequest::SearchVehicles(args(arguments)?),
            "aggregate_stock" => ToolRequest::AggregateStock(args(arguments)?),
            "semantic_search" => ToolRequest::SemanticSearch(args(arguments)?),
            "get_vehicle" => ToolRequest::GetVehicle(args(arguments)?),
            "dashboard_figures" => ToolRequest::DashboardFigures(args(arguments)?),
            "stock_history" => ToolRequest::StockHistory(args(arguments)?),
            other => return Err(format!("unknown tool `{other}`; the tools are {}", TOOL_NAMES.join(", "))),
        })
    }
}

pub const TOOL_NAMES: [&str; 6] =
    ["search_vehicles", "aggregate_stock", "semantic_search", "get_vehicle", "dashboard_figures", "stock_history"];

/// A vehicle as tools show it: what a salesperson quotes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VehicleSummary {
    pub vin: String,
    pub brand: String,
    pub model: String,
    pub version: Option<String>,
    pub vehicle_type: Option<String>,
    pub registration_year: Option<i32>,
    pub mileage_km: i32,
    pub fuel: Option<String>,
    pub transmission: Option<String>,
    pub colour: Option<String>,
    pub sale_price: Money,
    pub stock_type: String,
    pub status: String,
    pub reserved: bool,
    pub days_in_stock: i32,
    pub dealer: Option<String>,
    pub province: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    /// Every vehicle matching the filters.
    pub total: i64,
    /// The first `limit` of them in the requested order.
    pub vehicles: Vec<VehicleSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregateGroup {
    /// The grouped value (`SEAT`, `diesel`, a dealer id, `2026-11`, `0-30`); `all` ungrouped.
    pub key: String,
    /// What to call it (a dealer's or province's name; otherwise the key).
    pub label: String,
    pub vehicles: i64,
    pub stock_value: Money,
    pub average_price: Option<Money>,
    pub min_price: Option<Money>,
    pub max_price: Option<Money>,
    pub average_km: Option<i64>,
    /// One decimal.
    pub average_days: Option<f64>,
    pub max_days: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregateResult {
    /// Vehicles matching the filters (all groups, including those past `limit`).
    pub total_vehicles: i64,
    pub group_by: Option<GroupBy>,
    /// Largest first; one group keyed `all` when not grouped.
    pub groups: Vec<AggregateGroup>,
    /// How many groups there are in all.
    pub total_groups: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SemanticMatch {
    #[serde(flatten)]
    pub vehicle: VehicleSummary,
    /// 0 to 1.
    pub relevance: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SemanticResult {
    /// `hybrid`, or `text` when meaning search is unavailable.
    pub mode: String,
    pub vehicles: Vec<SemanticMatch>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VehicleResult {
    pub vehicle: Option<Box<shared::stock::Vehicle>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardResult {
    pub today: chrono::NaiveDate,
    pub counts: shared::dashboard::StockCounts,
    pub money: shared::dashboard::StockMoney,
    pub average_days: Option<f64>,
    pub median_days: Option<f64>,
    /// Days-in-stock bands: key and vehicles.
    pub ageing: Vec<(String, i64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    /// The dealer id, province code or stock type; `all` ungrouped.
    pub key: String,
    pub label: String,
    pub vehicles: i64,
    pub reserved: i64,
    pub published: i64,
    pub stock_value: Money,
    pub average_days: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryPeriod {
    /// As asked: `2026-11` or `2026-11-30` (`latest` when none was asked).
    pub period: String,
    /// The snapshot that answers it (the last of the month); none when there is no snapshot.
    pub snapshot_date: Option<chrono::NaiveDate>,
    pub rows: Vec<HistoryRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryResult {
    pub group_by: Option<HistoryGroup>,
    pub periods: Vec<HistoryPeriod>,
}

/// A tool's answer, typed (the planner reads these) and as JSON (what a model reads).
#[derive(Debug, Clone, PartialEq)]
pub enum ToolOutput {
    Search(SearchResult),
    Aggregate(AggregateResult),
    Semantic(SemanticResult),
    Vehicle(VehicleResult),
    Dashboard(DashboardResult),
    History(HistoryResult),
}

impl ToolOutput {
    pub fn to_json(&self) -> serde_json::Value {
        let value = match self {
            ToolOutput::Search(r) => serde_json::to_value(r),
            ToolOutput::Aggregate(r) => serde_json::to_value(r),
            ToolOutput::Semantic(r) => serde_json::to_value(r),
            ToolOutput::Vehicle(r) => serde_json::to_value(r),
            ToolOutput::Dashboard(r) => serde_json::to_value(r),
            ToolOutput::History(r) => serde_json::to_value(r),
        };
        value.expect("tool results serialise")
    }

    /// How many vehicles the call counted, when it counts them.
    pub fn vehicles(&self) -> Option<i64> {
        match self {
            ToolOutput::Search(r) => Some(r.total),
            ToolOutput::Aggregate(r) => Some(r.total_vehicles),
            ToolOutput::Semantic(r) => Some(r.vehicles.len() as i64),
            ToolOutput::Vehicle(r) => Some(r.vehicle.is_some() as i64),
            ToolOutput::Dashboard(r) => Some(r.counts.total),
            ToolOutput::History(_) => None,
        }
    }

    pub fn rows(&self) -> i64 {
        (match self {
            ToolOutput::Search(r) => r.vehicles.len(),
            ToolOutput::Aggregate(r) => r.groups.len(),
            ToolOutput::Semantic(r) => r.vehicles.len(),
            ToolOutput::Vehicle(r) => r.vehicle.is_some() as usize,
            ToolOutput::Dashboard(_) => 1,
            ToolOutput::History(r) => r.periods.iter().map(|p| p.rows.len()).sum(),
        }) as i64
    }
}

impl ToolOutput {
    /// A result read back from its JSON (a stored answer, or a model's tool message).
    pub fn from_json(tool: &str, value: serde_json::Value) -> Result<ToolOutput, serde_json::Error> {
        Ok(match tool {
            "search_vehicles" => ToolOutput::Search(serde_json::from_value(value)?),
            "aggregate_stock" => ToolOutput::Aggregate(serde_json::from_value(value)?),
            "semantic_search" => ToolOutput::Semantic(serde_json::from_value(value)?),
            "get_vehicle" => ToolOutput::Vehicle(serde_json::from_value(value)?),
            "dashboard_figures" => ToolOutput::Dashboard(serde_json::from_value(value)?),
            _ => ToolOutput::History(serde_json::from_value(value)?),
        })
    }
}
