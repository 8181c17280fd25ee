//! Under each answer, the lookups behind it: "buscó: marca=SEAT, precio ≤ 15.000 € → 1.203
//! vehículos", each a link to the stock list showing exactly those vehicles.

use leptos::prelude::*;
use shared::assistant::ToolCall;
use shared::stock::{Money, StockQuery};

use crate::format;
use crate::i18n::{Lang, Msg, use_i18n};
use crate::pages::stock::labels::code_name;
use crate::pages::stock::query::with_query;
use crate::pages::stock::vehicle_path;

fn tool_name(name: &str) -> Option<Msg> {
    Some(match name {
        "search_vehicles" => Msg::ToolSearchVehicles,
        "aggregate_stock" => Msg::ToolAggregateStock,
        "semantic_search" => Msg::ToolSemanticSearch,
        "get_vehicle" => Msg::ToolGetVehicle,
        "dashboard_figures" => Msg::ToolDashboardFigures,
        "stock_history" => Msg::ToolStockHistory,
        _ => return None,
    })
}

/// `precio ≤ 15.000 €`, `marca=SEAT`, `combustible=diésel`, `"familiar barato"`.
fn filter_text(name: &str, value: &str, lang: Lang) -> String {
    let t = |msg: Msg| msg.text(lang);
    let number =
        |value: &str| value.trim().parse::<i64>().map_or_else(|_| value.to_owned(), |n| format::integer(n, lang));
    let (label, bound, shown) = match name {
        "q" => return format!("\"{value}\""),
        "price_min" | "price_max" => (
            t(Msg::FilterPrice),
            name,
            Money::parse(value).map_or_else(|| value.to_owned(), |m| format::money(m, lang)),
        ),
        "km_min" | "km_max" => (t(Msg::FilterKm), name, number(value)),
        "year_min" | "year_max" => (t(Msg::FilterYear), name, value.to_owned()),
        "days_in_stock_min" | "days_in_stock_max" => (t(Msg::FilterDays), name, number(value)),
        _ => {
            let label = match name {
                "brand" => Msg::FilterBrand,
                "model" => Msg::FilterModel,
                "vehicle_type" => Msg::FilterBodyType,
                "dealer_id" => Msg::FilterDealer,
                "province" => Msg::FilterProvince,
                "fuel" => Msg::FilterFuel,
                "transmission" => Msg::FilterTransmission,
                "stock_type" => Msg::FilterStockType,
                "status" => Msg::FilterStatus,
                "reserved" => Msg::FilterReserved,
                "published" => Msg::FilterPublished,
                _ => return format!("{name}={value}"),
            };
            // `combustible=diésel`, but `tipo de stock=VO (ocasión)`.
            let lowercase = matches!(name, "fuel" | "transmission" | "status" | "reserved" | "published");
            let shown = match code_name(name, value) {
                Some(msg) if lowercase => msg.text(lang).to_lowercase(),
                Some(msg) => msg.text(lang).to_owned(),
                None => value.to_owned(),
            };
            return format!("{}={shown}", t(label));
        }
    };
    let sign = if bound.ends_with("_min") { "≥" } else { "≤" };
    format!("{label} {sign} {shown}")
}

fn filters_text(query: &StockQuery, lang: Lang) -> String {
    let filters = query.filters();
    if filters.is_empty() {
        return Msg::ToolWholeStock.text(lang).to_owned();
    }
    filters.iter().map(|(name, value)| filter_text(name, value, lang)).collect::<Vec<_>>().join(", ")
}

/// "→ 1.203 vehículos", or the rows when the tool does not count vehicles.
fn count_text(call: &ToolCall, lang: Lang) -> Option<String> {
    let (count, one, many) = match (call.vehicles, call.rows) {
        (Some(vehicles), _) => (vehicles, Msg::VehicleOne, Msg::VehicleMany),
        (None, Some(rows)) => (rows, Msg::RowOne, Msg::RowMany),
        (None, None) => return None,
    };
    let noun = if count == 1 { one } else { many };
    Some(format!("→ {} {}", format::integer(count, lang), noun.text(lang)))
}

/// The whole line's text: `buscó: marca=SEAT → 1.203 vehículos`.
fn label(call: &ToolCall, lang: Lang) -> String {
    let name = tool_name(&call.name).map_or(call.name.as_str(), |msg| msg.text(lang));
    let what = call.stock_query.as_ref().map(|query| filters_text(query, lang));
    let mut text = match what {
        Some(what) => format!("{name}: {what}"),
        None => name.to_owned(),
    };
    if let Some(count) = count_text(call, lang) {
        text.push(' ');
        text.push_str(&count);
    }
    text
}

/// The VIN `get_vehicle` looked up, from its arguments.
fn looked_up_vin(call: &ToolCall) -> Option<String> {
    (call.name == "get_vehicle").then(|| call.arguments.get("vin")?.as_str().map(str::to_owned)).flatten()
}

/// The list of calls; `running` while the answer is still streaming (calls without a result
/// yet show as in progress).
#[component]
pub fn ToolCalls(calls: Vec<ToolCall>, #[prop(optional)] running: bool) -> impl IntoView {
    let i18n = use_i18n();
    (!calls.is_empty()).then(|| {
        let items = calls
            .into_iter()
            .map(|call| {
                let pending = running && call.vehicles.is_none() && call.rows.is_none() && call.error.is_none();
                let href = call.stock_query.as_ref().map(|query| with_query("/stock", query));
                let vin = looked_up_vin(&call);
                let error = call.error.clone();
                let failed = error.is_some();
                let text = move || label(&call, i18n.lang());
                let main = match href {
                    Some(href) => view! { <a class="tool-link" href=href>{text}</a> }.into_any(),
                    None => view! { <span class="tool-label">{text}</span> }.into_any(),
                };
                view! {
                    <li class="tool-call" class:pending=pending class:tool-failed=failed>
                        {main}
                        {vin.map(|vin| view! { " " <a class="vin-link" href=vehicle_path(&vin)>{vin.clone()}</a> })}
                        {pending.then(|| view! { " " <span class="tool-running">{move || i18n.t(Msg::ToolRunning)}</span> })}
                        {error.map(|error| view! { " " <span class="tool-error">{error}</span> })}
                    </li>
                }
            })
            .collect_view();
        view! {
            <details class="tool-calls" open>
                <summary>{move || i18n.t(Msg::ToolCalls)}</summary>
                <ul>{items}</ul>
            </details>
        }
    })
}
