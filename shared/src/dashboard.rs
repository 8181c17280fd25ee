//! The dashboard: figures over all of the (filtered) stock, computed by the server.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::stock::{Money, ParamProblems, StockFilter, StockQuery, StockType};

/// The dashboard's filters; the same parameters, with the same meaning, as the stock list's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default)]
pub struct DashboardQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<i64>))]
    pub dealer_id: Option<String>,
    /// A province's INE code.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(max_length = 100))]
    pub province: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<crate::stock::StockType>))]
    pub stock_type: Option<String>,
}

impl DashboardQuery {
    /// The stock list showing the vehicles these figures are about.
    pub fn stock_query(&self) -> StockQuery {
        StockQuery {
            dealer_id: self.dealer_id.clone(),
            province: self.province.clone(),
            stock_type: self.stock_type.clone(),
            ..StockQuery::default()
        }
    }

    /// The filters, typed as the stock list types the same parameters, or every bad one named.
    pub fn filter(&self, this_year: i32) -> Result<DashboardFilter, ParamProblems> {
        let StockFilter { dealer_id, province, stock_type, .. } = self.stock_query().filter(this_year)?;
        Ok(DashboardFilter { dealer_id, province, stock_type })
    }
}

/// The dashboard's filters, typed: the stock list's place and stock type filters. Also the
/// JSON arguments of the assistant's `dashboard_figures` tool (unknown names refused).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DashboardFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dealer_id: Option<i64>,
    /// A province's INE code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock_type: Option<StockType>,
}

impl DashboardFilter {
    /// The stock list's filters for the same vehicles.
    pub fn stock_filter(&self) -> StockFilter {
        StockFilter {
            dealer_id: self.dealer_id,
            province: self.province.clone(),
            stock_type: self.stock_type,
            ..StockFilter::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    /// The day the figures are for (days in stock count up to it), in the group's time zone.
    pub today: NaiveDate,
    pub counts: StockCounts,
    pub money: StockMoney,
    pub ageing: Ageing,
    pub breakdowns: Breakdowns,
    /// One point per daily snapshot of the last 90 days, oldest first.
    pub trend: Vec<TrendPoint>,
    /// The snapshot of 7 and 30 days ago, to show how the figures changed.
    pub week_ago: Option<TrendPoint>,
    pub month_ago: Option<TrendPoint>,
    pub activity: Activity,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockCounts {
    pub total: i64,
    /// Status `available` and not reserved: what a customer can buy today.
    pub available: i64,
    pub reserved: i64,
    pub published: i64,
    pub not_published: i64,
    /// Received since Monday / since the first of the month.
    pub new_this_week: i64,
    pub new_this_month: i64,
    /// Vehicles now `sold` whose status changed this month.
    pub sold_this_month: i64,
    /// Vehicles deleted from the stock this month.
    pub removed_this_month: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockMoney {
    /// Sum of sale prices.
    pub stock_value: Money,
    /// Sum of total costs (the purchase price where the total cost is unknown).
    pub cost_value: Money,
    pub average_price: Option<Money>,
    /// Over the vehicles with a known cost.
    pub average_margin: Option<Money>,
    /// Margin over sale price, in percent, over the vehicles with a known cost.
    pub margin_percent: Option<f64>,
    pub below_cost: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ageing {
    pub average_days: Option<f64>,
    pub median_days: Option<f64>,
    /// 0–30, 31–60, 61–90, 91–180 and more than 180 days.
    pub buckets: Vec<Slice>,
    /// The 10 vehicles longest in stock, oldest first.
    pub oldest: Vec<VehicleBrief>,
}

/// One bar of a chart: a group of vehicles, and the stock list that shows exactly them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Slice {
    /// A stable key (a brand, a province code, a fuel code, `0-30`, `10000-20000`, a year).
    pub key: String,
    /// What to show (a province's or dealer's name; otherwise the key).
    pub label: String,
    pub vehicles: i64,
    pub stock_value: Money,
    /// The stock list's filters for these vehicles (the dashboard's filters included); absent
    /// for groups the list cannot filter on ("other brands", "no province").
    pub stock_query: Option<StockQuery>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Breakdowns {
    /// The 10 brands with most vehicles, then `others` when there are more.
    pub brands: Vec<Slice>,
    pub provinces: Vec<Slice>,
    pub dealers: Vec<Slice>,
    pub fuels: Vec<Slice>,
    /// 0–10k, 10–20k, 20–30k, 30–50k and more than 50k euros.
    pub price_bands: Vec<Slice>,
    /// By registration year, oldest first.
    pub years: Vec<Slice>,
}

/// The stock as one daily snapshot saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendPoint {
    pub date: NaiveDate,
    pub vehicles: i64,
    pub reserved: i64,
    pub published: i64,
    pub stock_value: Money,
    pub average_days: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VehicleBrief {
    pub vin: String,
    pub brand: String,
    pub model: String,
    pub plate: Option<String>,
    pub sale_price: Money,
    pub days_in_stock: i32,
    pub dealer_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecentPriceChange {
    pub vin: String,
    pub brand: String,
    pub model: String,
    pub changed_at: DateTime<Utc>,
    pub old_price: Option<Money>,
    pub new_price: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecentReservation {
    pub vin: String,
    pub brand: String,
    pub model: String,
    pub reserved_at: DateTime<Utc>,
    pub sale_price: Money,
}

/// The latest 10 of each, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub received: Vec<VehicleBrief>,
    pub price_changes: Vec<RecentPriceChange>,
    pub reservations: Vec<RecentReservation>,
}
