//! The dashboard's lists: the vehicles longest in stock and the latest arrivals, price changes
//! and reservations, each line linking to its vehicle.

use leptos::prelude::*;
use shared::dashboard::{Activity, RecentPriceChange, RecentReservation, VehicleBrief};

use crate::format;
use crate::i18n::{Lang, Msg};
use crate::pages::stock::columns::ageing_class;
use crate::pages::stock::vehicle_path;

/// "245 días", amber or red like the stock table's column.
fn days_text(days: i32, lang: Lang) -> String {
    let noun = if days == 1 { Msg::DayOne } else { Msg::DayMany };
    format!("{} {}", format::integer(days.into(), lang), noun.text(lang))
}

/// The link to a vehicle: make and model, then the plate (or the VIN when it has none).
fn vehicle_link(vin: &str, brand: &str, model: &str, plate: Option<&str>) -> impl IntoView + use<> {
    let id = plate.filter(|p| !p.is_empty()).unwrap_or(vin).to_owned();
    view! {
        <a class="vehicle-link" href=vehicle_path(vin)>
            <span class="vehicle-name">{format!("{brand} {model}")}</span>
            <span class="vehicle-id">{id}</span>
        </a>
    }
}

fn brief_item(vehicle: VehicleBrief, lang: Lang) -> impl IntoView {
    let days_class = format!("days {}", ageing_class(vehicle.days_in_stock));
    view! {
        <li data-vin=vehicle.vin.clone()>
            {vehicle_link(&vehicle.vin, &vehicle.brand, &vehicle.model, vehicle.plate.as_deref())}
            <span class="item-facts">
                <span class=days_class>{days_text(vehicle.days_in_stock, lang)}</span>
                <span class="price">{format::money(vehicle.sale_price, lang)}</span>
                {vehicle.dealer_name.map(|dealer| view! { <span class="dealer">{dealer}</span> })}
            </span>
        </li>
    }
}

fn price_change_item(change: RecentPriceChange, lang: Lang) -> impl IntoView {
    // Green for a drop, red for a rise: the stock table's colours.
    let class = match change.old_price {
        Some(old) if change.new_price < old => "price price-down",
        Some(old) if change.new_price > old => "price price-up",
        _ => "price",
    };
    view! {
        <li data-vin=change.vin.clone()>
            {vehicle_link(&change.vin, &change.brand, &change.model, None)}
            <span class="item-facts">
                <span class="price-change-line">
                    {change
                        .old_price
                        .map(|old| view! { <span class="old-price">{format::money(old, lang)}</span> " → " })}
                    <span class=class>{format::money(change.new_price, lang)}</span>
                </span>
                <span class="when">{format::date_time(change.changed_at, lang)}</span>
            </span>
        </li>
    }
}

fn reservation_item(reservation: RecentReservation, lang: Lang) -> impl IntoView {
    view! {
        <li data-vin=reservation.vin.clone()>
            {vehicle_link(&reservation.vin, &reservation.brand, &reservation.model, None)}
            <span class="item-facts">
                <span class="price">{format::money(reservation.sale_price, lang)}</span>
                <span class="when">{format::date_time(reservation.reserved_at, lang)}</span>
            </span>
        </li>
    }
}

/// A titled list; an empty one says so (the `ul` stays, for a stable page structure).
fn list_card(class: &'static str, title: Msg, items: AnyView, empty: bool, lang: Lang) -> impl IntoView {
    view! {
        <section class="card list-card">
            <h2>{title.text(lang)}</h2>
            <ul class=format!("vehicle-list {class}")>{items}</ul>
            {empty.then(|| view! { <p class="muted">{Msg::NothingRecent.text(lang)}</p> })}
        </section>
    }
}

#[component]
pub fn OldestVehicles(vehicles: Vec<VehicleBrief>, lang: Lang) -> impl IntoView {
    let empty = vehicles.is_empty();
    let items = vehicles.into_iter().map(|v| brief_item(v, lang)).collect_view().into_any();
    list_card("oldest-vehicles", Msg::OldestVehicles, items, empty, lang)
}

#[component]
pub fn RecentActivity(activity: Activity, lang: Lang) -> impl IntoView {
    let Activity { received, price_changes, reservations } = activity;
    let (no_received, no_changes, no_reservations) =
        (received.is_empty(), price_changes.is_empty(), reservations.is_empty());
    let received = received.into_iter().map(|v| brief_item(v, lang)).collect_view().into_any();
    let price_changes = price_changes.into_iter().map(|c| price_change_item(c, lang)).collect_view().into_any();
    let reservations = reservations.into_iter().map(|r| reservation_item(r, lang)).collect_view().into_any();
    view! {
        <div class="activity" aria-label=Msg::RecentActivity.text(lang) role="region">
            {list_card("recent-received", Msg::RecentReceived, received, no_received, lang)}
            {list_card("recent-price-changes", Msg::RecentPriceChanges, price_changes, no_changes, lang)}
            {list_card("recent-reservations", Msg::RecentReservations, reservations, no_reservations, lang)}
        </div>
    }
}
