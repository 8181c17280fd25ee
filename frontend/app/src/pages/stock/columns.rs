//! The table's columns: which exist, which show until the user chooses, and how each one
//! shows a vehicle (with the colour cues for price changes, reservations and ageing).

use leptos::prelude::*;
use shared::stock::{Money, SortField, Vehicle};

use super::labels::{fuel_name, status_name, stock_type_name, transmission_name};
use crate::format;
use crate::i18n::{Lang, Msg};

pub struct Column {
    /// The vehicle field shown.
    pub key: &'static str,
    pub label: Msg,
    /// What a click on its header sorts by, if it sorts.
    pub sort: Option<SortField>,
    /// Right-aligned.
    pub numeric: bool,
    pub shown_by_default: bool,
}

const fn column(
    key: &'static str,
    label: Msg,
    sort: Option<SortField>,
    numeric: bool,
    shown_by_default: bool,
) -> Column {
    Column { key, label, sort, numeric, shown_by_default }
}

/// Shown by default: what fits a 1366-pixel laptop screen beside the navigation, with the
/// price; the chooser adds the others (the table then scrolls sideways inside its box).
pub const COLUMNS: &[Column] = &[
    column("vin", Msg::Vin, Some(SortField::Vin), false, true),
    column("plate", Msg::Plate, Some(SortField::Plate), false, false),
    column("brand", Msg::Brand, Some(SortField::Brand), false, true),
    column("model", Msg::Model, Some(SortField::Model), false, true),
    column("version", Msg::Version, None, false, false),
    column("registration_year", Msg::RegistrationYear, Some(SortField::RegistrationYear), true, true),
    column("mileage_km", Msg::Mileage, Some(SortField::MileageKm), true, true),
    column("fuel", Msg::Fuel, None, false, false),
    column("transmission", Msg::Transmission, None, false, false),
    column("power_cv", Msg::Power, Some(SortField::PowerCv), true, false),
    column("colour", Msg::Colour, None, false, false),
    column("stock_type", Msg::StockType, None, false, false),
    column("status", Msg::Status, None, false, true),
    column("dealer", Msg::Dealer, None, false, true),
    column("province", Msg::Province, None, false, false),
    column("reception_date", Msg::ReceptionDate, Some(SortField::ReceptionDate), false, false),
    column("days_in_stock", Msg::DaysInStock, Some(SortField::DaysInStock), true, true),
    column("sale_price", Msg::SalePrice, Some(SortField::SalePrice), true, true),
    column("price_difference", Msg::PriceDifference, Some(SortField::PriceDifference), true, false),
    column("estimated_margin", Msg::EstimatedMargin, Some(SortField::EstimatedMargin), true, false),
    column("updated_at", Msg::UpdatedAt, Some(SortField::UpdatedAt), false, false),
];

pub fn default_columns() -> Vec<&'static str> {
    COLUMNS.iter().filter(|c| c.shown_by_default).map(|c| c.key).collect()
}

/// The column with this key, if there is one (keys come from localStorage too).
pub fn find(key: &str) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.key == key)
}

/// Amber after three months in stock, red after six.
pub fn ageing_class(days: i32) -> &'static str {
    match days {
        181.. => "age-critical",
        91..=180 => "age-warning",
        _ => "",
    }
}

/// A price change with its arrow: green ↓ for a drop, red ↑ for a rise.
pub fn price_change(difference: Option<Money>, lang: Lang) -> impl IntoView {
    difference.filter(|d| d.cents() != 0).map(|difference| {
        let (class, arrow, msg) = if difference.cents() < 0 {
            ("price-change price-down", "↓", Msg::PriceDown)
        } else {
            ("price-change price-up", "↑", Msg::PriceUp)
        };
        let title = format!("{}: {}", msg.text(lang), format::money(difference, lang));
        view! { <span class=class title=title>{arrow}</span> }
    })
}

/// How well a search result matches (0 to 1): a percentage with a small bar.
pub fn relevance(share: f64, lang: Lang) -> impl IntoView + use<> {
    let text = format::share_percent(share, lang);
    // A style property, not a `style` attribute: the CSP refuses inline style attributes.
    let width = format::share_percent(share, Lang::En);
    view! {
        <span class="relevance-bar" aria-hidden="true"><span class="relevance-fill" style:width=width></span></span>
        <span class="relevance-value">{text}</span>
    }
}

fn text_or_dash(value: Option<String>) -> String {
    value.filter(|v| !v.is_empty()).unwrap_or_else(|| "—".to_owned())
}

/// The content of one cell.
pub fn cell(key: &str, vehicle: &Vehicle, lang: Lang) -> AnyView {
    let money = |amount: Option<Money>| text_or_dash(amount.map(|a| format::money(a, lang)));
    let name = |msg: Option<Msg>| text_or_dash(msg.map(|m| m.text(lang).to_owned()));
    match key {
        "vin" => vehicle.vin.clone().into_any(),
        "plate" => text_or_dash(vehicle.plate.clone()).into_any(),
        "brand" => vehicle.brand.clone().into_any(),
        "model" => vehicle.model.clone().into_any(),
        "version" => text_or_dash(vehicle.version.clone()).into_any(),
        "registration_year" => text_or_dash(vehicle.registration_year.map(|y| y.to_string())).into_any(),
        "mileage_km" => format::kilometres(vehicle.mileage_km, lang).into_any(),
        "fuel" => name(vehicle.fuel.map(fuel_name)).into_any(),
        "transmission" => name(vehicle.transmission.map(transmission_name)).into_any(),
        "power_cv" => text_or_dash(vehicle.power_cv.map(|p| p.to_string())).into_any(),
        "colour" => text_or_dash(vehicle.colour.clone()).into_any(),
        "stock_type" => {
            let title = stock_type_name(vehicle.stock_type).text(lang);
            view! { <abbr title=title>{vehicle.stock_type.as_str()}</abbr> }.into_any()
        }
        "status" => view! {
            <span class="status">{status_name(vehicle.status).text(lang)}</span>
            {vehicle.reserved.then(|| view! { <span class="badge reserved">{Msg::Reserved.text(lang)}</span> })}
            {vehicle.published.then(|| view! { <span class="badge published">{Msg::Published.text(lang)}</span> })}
        }
        .into_any(),
        "dealer" => text_or_dash(vehicle.dealer_name.clone()).into_any(),
        "province" => text_or_dash(vehicle.province_name.clone()).into_any(),
        "reception_date" => format::date(vehicle.reception_date, lang).into_any(),
        "days_in_stock" => {
            view! { <span class=ageing_class(vehicle.days_in_stock)>{vehicle.days_in_stock}</span> }.into_any()
        }
        "sale_price" => view! {
            <span class="price">{format::money(vehicle.sale_price, lang)}</span>
            {price_change(vehicle.price_difference, lang)}
        }
        .into_any(),
        "price_difference" => view! {
            {money(vehicle.price_difference)}
            {price_change(vehicle.price_difference, lang)}
        }
        .into_any(),
        "estimated_margin" => money(vehicle.estimated_margin).into_any(),
        "updated_at" => format::date_time(vehicle.updated_at, lang).into_any(),
        _ => ().into_any(),
    }
}
