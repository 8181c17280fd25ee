//! `/stock/:vin`: every field of one vehicle, its derived values, the vehicles most like it
//! and its history; for those who may write stock, the edit form and deleting.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::Permission;
use shared::stock::{RankedVehicle, Vehicle, VehicleHistory};

use super::columns::{self, ageing_class, price_change};
use super::form::VehicleForm;
use super::labels::{field_label, fuel_name, status_name, stock_type_name, transmission_name};
use super::query::last_list;
use super::vehicle_path;
use crate::api::Method;
use crate::components::form::{Feedback, FormStatus, request};
use crate::format;
use crate::guard::allowed;
use crate::i18n::{Lang, Msg, use_i18n};
use crate::session::use_session;

#[component]
pub fn VehiclePage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let params = use_params_map();
    let vin = Memo::new(move |_| params.with(|p| p.get("vin")).unwrap_or_default());
    // Loaded for the VIN in the address, again when it changes (a similar vehicle's link),
    // with its history (a history that fails to load is left out).
    let page = LocalResource::new(move || {
        let path = vehicle_path(&vin.get());
        async move {
            let vehicle = session.get::<Vehicle>(&path).await;
            let history = session.get::<VehicleHistory>(&format!("{path}/history")).await.ok();
            (vehicle, history)
        }
    });
    let vehicle = move || page.get().map(|(vehicle, _)| vehicle);
    let history = Signal::derive(move || page.get().and_then(|(_, history)| history));
    let loaded = Signal::derive(move || vehicle().and_then(Result::ok));
    // After an edit, the new values and the new price change come from the server.
    let saved = Callback::new(move |_: Vehicle| page.refetch());
    let can_write = allowed(session, Permission::WriteStock);

    view! {
        <section class="page vehicle-page">
            <A href=last_list() attr:class="back-link">{move || i18n.t(Msg::BackToStock)}</A>
            {move || match vehicle() {
                None => view! { <p class="muted">{move || i18n.t(Msg::Loading)}</p> }.into_any(),
                Some(Err(failure)) => {
                    let msg = failure.message();
                    view! { <p class="form-error" role="alert">{move || i18n.t(msg)}</p> }.into_any()
                }
                Some(Ok(vehicle)) => view! { <VehicleSummary vehicle /> }.into_any(),
            }}
            <Show when=move || loaded.with(Option::is_some)>
                <SimilarVehicles vin />
                <VehicleHistoryView history />
                <Show when=move || can_write>
                    <section class="card">
                        <h2>{move || i18n.t(Msg::EditVehicle)}</h2>
                        <VehicleForm original=loaded creating=false on_saved=saved />
                    </section>
                    <DeleteVehicle vin />
                </Show>
            </Show>
        </section>
    }
}

fn or_dash(value: Option<String>) -> String {
    value.filter(|v| !v.is_empty()).unwrap_or_else(|| "—".to_owned())
}

/// `(API field name, shown value)` for every field, in reading order.
fn field_values(v: &Vehicle, lang: Lang) -> Vec<(&'static str, String)> {
    let money = |amount: Option<shared::stock::Money>| or_dash(amount.map(|a| format::money(a, lang)));
    let yes_no = |flag: bool| if flag { Msg::Yes } else { Msg::No }.text(lang).to_owned();
    let name = |msg: Option<Msg>| or_dash(msg.map(|m| m.text(lang).to_owned()));
    let day = |d: Option<chrono::NaiveDate>| or_dash(d.map(|d| format::date(d, lang)));
    let number = |n: Option<i32>| or_dash(n.map(|n| format::integer(n.into(), lang)));
    let margin = match (v.estimated_margin, v.margin_percent()) {
        (Some(m), Some(p)) => format!("{} ({})", format::money(m, lang), format::percent(p, lang)),
        (margin, _) => money(margin),
    };
    vec![
        ("vin", v.vin.clone()),
        ("plate", or_dash(v.plate.clone())),
        ("brand", v.brand.clone()),
        ("model", v.model.clone()),
        ("version", or_dash(v.version.clone())),
        ("stock_type", stock_type_name(v.stock_type).text(lang).to_owned()),
        ("status", status_name(v.status).text(lang).to_owned()),
        ("reserved", yes_no(v.reserved)),
        ("reserved_at", or_dash(v.reserved_at.map(|at| format::date_time(at, lang)))),
        ("published", yes_no(v.published)),
        ("sale_price", format::money(v.sale_price, lang)),
        ("previous_price", money(v.previous_price)),
        ("price_difference", money(v.price_difference)),
        ("purchase_price", money(v.purchase_price)),
        ("total_cost", money(v.total_cost)),
        ("estimated_margin", margin),
        ("days_in_stock", format::integer(v.days_in_stock.into(), lang)),
        ("reception_date", format::date(v.reception_date, lang)),
        ("registration_year", or_dash(v.registration_year.map(|y| y.to_string()))),
        ("registration_date", day(v.registration_date)),
        ("mileage_km", format::kilometres(v.mileage_km, lang)),
        ("fuel", name(v.fuel.map(fuel_name))),
        ("transmission", name(v.transmission.map(transmission_name))),
        ("power_cv", number(v.power_cv)),
        ("colour", or_dash(v.colour.clone())),
        ("vehicle_type", or_dash(v.vehicle_type.clone())),
        ("dealer_name", or_dash(v.dealer_name.clone())),
        ("province_name", or_dash(v.province_name.clone())),
        ("location", or_dash(v.location.clone())),
        ("online_visits", format::integer(v.online_visits.into(), lang)),
        ("online_calls", format::integer(v.online_calls.into(), lang)),
        ("online_leads", format::integer(v.online_leads.into(), lang)),
        ("created_at", format::date_time(v.created_at, lang)),
        ("updated_at", format::date_time(v.updated_at, lang)),
    ]
}

#[component]
fn VehicleSummary(vehicle: Vehicle) -> impl IntoView {
    let i18n = use_i18n();
    let title = format!("{} {} {}", vehicle.brand, vehicle.model, vehicle.version.clone().unwrap_or_default());
    let listing = vehicle.listing_url.clone().filter(|url| url.starts_with("http"));
    let description = vehicle.description.clone().filter(|d| !d.is_empty());
    let extra = vehicle.extra.clone();
    let ageing = ageing_class(vehicle.days_in_stock);
    let (reserved, published) = (vehicle.reserved, vehicle.published);
    let fields = move || {
        let lang = i18n.lang();
        field_values(&vehicle, lang)
            .into_iter()
            .map(|(field, value)| {
                let label = field_label(field).map(|msg| msg.text(lang)).unwrap_or(field);
                let extra = match field {
                    "sale_price" => Some(price_change(vehicle.price_difference, lang).into_any()),
                    "vin" if vehicle.legacy_vin => {
                        Some(view! { <span class="badge legacy">{Msg::LegacyVin.text(lang)}</span> }.into_any())
                    }
                    _ => None,
                };
                let class = if field == "days_in_stock" { ageing } else { "" };
                view! {
                    <div class="vehicle-field">
                        <dt>{label}</dt>
                        <dd data-field=field class=class>{value} {extra}</dd>
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        <div class="page-header">
            <h1>{title.trim().to_owned()}</h1>
            <div class="badges">
                {reserved.then(|| view! { <span class="badge reserved">{move || i18n.t(Msg::Reserved)}</span> })}
                {published.then(|| view! { <span class="badge published">{move || i18n.t(Msg::Published)}</span> })}
            </div>
        </div>
        <dl class="card vehicle-fields">{fields}</dl>
        {listing.map(|url| view! { <p><a href=url.clone() target="_blank" rel="noopener" data-field="listing_url">{move || i18n.t(Msg::ListingUrl)} " ↗"</a></p> })}
        {description.map(|text| view! { <p class="card description" data-field="description">{text}</p> })}
        {(!extra.is_empty()).then(|| view! { <ExtraFields extra /> })}
    }
}

/// Columns of an imported file that have no field of their own, kept as they came.
#[component]
fn ExtraFields(extra: BTreeMap<String, String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card">
            <h2>{move || i18n.t(Msg::ExtraFields)}</h2>
            <dl class="vehicle-fields extra-fields">
                {extra
                    .into_iter()
                    .map(|(name, value)| {
                        view! {
                            <div class="vehicle-field">
                                <dt>{name.clone()}</dt>
                                <dd data-extra=name>{value}</dd>
                            </div>
                        }
                    })
                    .collect_view()}
            </dl>
        </section>
    }
}

/// How many similar vehicles the page lists.
const SIMILAR_LIMIT: u32 = 8;

/// The vehicles nearest to this one in meaning (unsold, itself excluded). Hidden while loading
/// and when the API cannot answer; empty until the vehicle's embedding is computed.
#[component]
fn SimilarVehicles(vin: Memo<String>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    // The resource keeps only the newest vehicle's answer; each answer carries its VIN, so the
    // previous vehicle's neighbours are hidden as soon as another vehicle is shown.
    let similar = LocalResource::new(move || {
        let vin = vin.get();
        async move {
            let path = format!("{}/similar?limit={SIMILAR_LIMIT}", vehicle_path(&vin));
            (vin, session.get::<Vec<RankedVehicle>>(&path).await.ok())
        }
    });
    move || {
        let lang = i18n.lang();
        let (shown_vin, vehicles) = similar.get()?;
        let vehicles = vehicles.filter(|_| vin.with(|current| *current == shown_vin))?;
        let empty = vehicles.is_empty().then(|| view! { <p class="muted">{Msg::NoSimilarVehicles.text(lang)}</p> });
        let items = vehicles.into_iter().map(|ranked| similar_item(ranked, lang)).collect_view();
        Some(view! {
            <section class="card list-card similar-vehicles" id="similar-vehicles">
                <h2>{Msg::SimilarVehicles.text(lang)}</h2>
                <ul class="vehicle-list">{items}</ul>
                {empty}
            </section>
        })
    }
}

/// "SEAT León 1.5 TSI FR · 1234ABC", then relevance, price, year and days in stock.
fn similar_item(ranked: RankedVehicle, lang: Lang) -> impl IntoView {
    let RankedVehicle { vehicle: v, relevance, .. } = ranked;
    let name = [Some(v.brand.as_str()), Some(v.model.as_str()), v.version.as_deref()]
        .into_iter()
        .flatten()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let id = v.plate.clone().filter(|plate| !plate.is_empty()).unwrap_or_else(|| v.vin.clone());
    let days = format!(
        "{} {}",
        format::integer(v.days_in_stock.into(), lang),
        if v.days_in_stock == 1 { Msg::DayOne } else { Msg::DayMany }.text(lang)
    );
    let days_class = format!("days {}", ageing_class(v.days_in_stock));
    view! {
        <li data-vin=v.vin.clone()>
            <a class="vehicle-link similar-vehicle" href=vehicle_path(&v.vin) data-vin=v.vin.clone()>
                <span class="vehicle-name">{name}</span>
                <span class="vehicle-id">{id}</span>
            </a>
            <span class="item-facts">
                <span class="relevance" title=Msg::Relevance.text(lang)>{columns::relevance(relevance, lang)}</span>
                <span class="price">{format::money(v.sale_price, lang)}</span>
                {v.registration_year.map(|year| view! { <span class="year">{year}</span> })}
                <span class=days_class>{days}</span>
            </span>
        </li>
    }
}

#[component]
fn VehicleHistoryView(history: Signal<Option<VehicleHistory>>) -> impl IntoView {
    let i18n = use_i18n();
    let who = move |by: Option<String>| by.unwrap_or_else(|| i18n.t(Msg::System).to_owned());
    move || {
        let lang = i18n.lang();
        let history = history.get()?;
        let empty = |msg: Msg, columns: u32| view! { <tr><td class="muted" colspan=columns>{msg.text(lang)}</td></tr> };
        let no_prices = history.price_changes.is_empty().then(|| empty(Msg::NoPriceChanges, 3));
        let no_snapshots = history.snapshots.is_empty().then(|| empty(Msg::NoSnapshots, 5));
        let no_changes =
            history.changes.is_empty().then(|| view! { <li class="muted">{Msg::NoChanges.text(lang)}</li> });
        let prices = history
            .price_changes
            .into_iter()
            .map(|change| {
                let old = change.old_price.map(|p| format::money(p, lang)).unwrap_or_else(|| "—".into());
                view! {
                    <tr>
                        <td>{format::date_time(change.changed_at, lang)}</td>
                        <td class="numeric">{old} " → " {format::money(change.new_price, lang)}</td>
                        <td>{who(change.changed_by)}</td>
                    </tr>
                }
            })
            .collect_view();
        let snapshots = history
            .snapshots
            .into_iter()
            .map(|s| {
                let flags = [(s.reserved, Msg::Reserved), (s.published, Msg::Published)]
                    .into_iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, msg)| msg.text(lang))
                    .collect::<Vec<_>>()
                    .join(", ");
                view! {
                    <tr>
                        <td>{format::date(s.snapshot_date, lang)}</td>
                        <td class="numeric">{format::money(s.sale_price, lang)}</td>
                        <td>{status_name(s.status).text(lang)} " " {flags}</td>
                        <td class="numeric">{format::kilometres(s.mileage_km, lang)}</td>
                        <td class="numeric">{s.days_in_stock}</td>
                    </tr>
                }
            })
            .collect_view();
        let changes = history
            .changes
            .into_iter()
            .map(|change| {
                let action = match change.action.as_str() {
                    "create" => Msg::ActionCreate,
                    "delete" => Msg::ActionDelete,
                    _ => Msg::ActionUpdate,
                };
                let fields = change
                    .fields
                    .iter()
                    .map(|f| field_label(f).map_or(f.as_str(), |msg| msg.text(lang)).to_owned())
                    .collect::<Vec<_>>()
                    .join(", ");
                view! {
                    <li>
                        <span class="when">{format::date_time(change.changed_at, lang)}</span> " · "
                        <strong>{action.text(lang)}</strong> " · " {who(change.changed_by)}
                        {(!fields.is_empty()).then(|| view! { <span class="fields">": " {fields}</span> })}
                    </li>
                }
            })
            .collect_view();
        Some(view! {
            <div class="cards history">
                <section class="card">
                    <h2>{Msg::PriceHistory.text(lang)}</h2>
                    <table class="table price-history">
                        <thead>
                            <tr>
                                <th>{Msg::Date.text(lang)}</th>
                                <th>{Msg::PriceChange.text(lang)}</th>
                                <th>{Msg::ChangedBy.text(lang)}</th>
                            </tr>
                        </thead>
                        <tbody>{prices} {no_prices}</tbody>
                    </table>
                </section>
                <section class="card">
                    <h2>{Msg::ChangeLog.text(lang)}</h2>
                    <ul class="plain change-log">{changes} {no_changes}</ul>
                </section>
                <section class="card">
                    <h2>{Msg::Snapshots.text(lang)}</h2>
                    <table class="table snapshots">
                        <thead>
                            <tr>
                                <th>{Msg::Date.text(lang)}</th>
                                <th>{Msg::SalePrice.text(lang)}</th>
                                <th>{Msg::Status.text(lang)}</th>
                                <th>{Msg::Mileage.text(lang)}</th>
                                <th>{Msg::DaysInStock.text(lang)}</th>
                            </tr>
                        </thead>
                        <tbody>{snapshots} {no_snapshots}</tbody>
                    </table>
                </section>
            </div>
        })
    }
}

/// Deleting asks once more, inline, before calling the API; then back to the list.
#[component]
fn DeleteVehicle(vin: Memo<String>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let confirming = RwSignal::new(false);
    let feedback = Feedback::new();
    let gone = Callback::new(move |_: ()| navigate("/stock", Default::default()));
    let deletion = request(
        feedback,
        move |vin: &String| {
            let path = vehicle_path(vin);
            async move { session.api_empty::<()>(Method::Delete, &path, None).await }
        },
        move |()| gone.run(()),
    );
    let delete = move |_| {
        confirming.set(false);
        deletion.dispatch(vin.get_untracked());
    };
    view! {
        <section class="card danger-zone">
            <FormStatus status=feedback.status />
            <Show
                when=move || confirming.get()
                fallback=move || view! {
                    <button type="button" class="button danger" id="delete-vehicle" disabled=move || deletion.pending().get()
                        on:click=move |_| confirming.set(true)>
                        {move || i18n.t(Msg::DeleteVehicle)}
                    </button>
                }
            >
                <p role="alert">{move || i18n.t(Msg::ConfirmDeleteVehicle)}</p>
                <button type="button" class="button danger" id="confirm-delete" on:click=delete>
                    {move || i18n.t(Msg::ConfirmDeleteYes)}
                </button>
                <button type="button" class="button secondary" id="cancel-delete" on:click=move |_| confirming.set(false)>
                    {move || i18n.t(Msg::Cancel)}
                </button>
            </Show>
        </section>
    }
}
