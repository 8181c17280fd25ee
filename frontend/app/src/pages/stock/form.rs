//! The vehicle form: creating (`/stock/new`, the only place where the VIN can be typed) and
//! editing (on the vehicle's page). The browser applies the backend's own rules (the shared
//! `check_vehicle`) before sending anything, so every mistake it can see shows at once, in
//! the same words as the server's, and the messages follow the user's corrections.

use std::str::FromStr;

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use serde_json::Value;
use shared::org::{Dealer, Province};
use shared::stock::check::{VinRule, bounds, check_vehicle};
use shared::stock::{Fuel, Money, StockType, Transmission, Vehicle, VehicleInput, VehicleStatus, Vin};
use shared::{FieldErrors, FieldProblem, Page};

use super::labels::{fuel_name, status_name, stock_type_name, transmission_name};
use super::vehicle_path;
use crate::api::{ApiFailure, Method};
use crate::components::form::{
    CheckboxField, Feedback, FormStatus, SelectField, TextAreaField, TextField, latest_today, live_check, request,
    today,
};
use crate::i18n::{Msg, use_i18n};
use crate::session::use_session;

/// `/stock/new`.
#[component]
pub fn NewVehiclePage() -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let opened = Callback::new(move |vehicle: Vehicle| navigate(&vehicle_path(&vehicle.vin), Default::default()));
    view! {
        <section class="page">
            <div class="page-header">
                <h1>{move || i18n.t(Msg::NewVehicle)}</h1>
                <a class="button secondary" href="/stock">{move || i18n.t(Msg::Cancel)}</a>
            </div>
            <VehicleForm original=Signal::derive(|| None) creating=true on_saved=opened />
        </section>
    }
}

/// What the form's inputs hold, as typed.
#[derive(Clone, Copy)]
struct Draft {
    vin: RwSignal<String>,
    plate: RwSignal<String>,
    brand: RwSignal<String>,
    model: RwSignal<String>,
    version: RwSignal<String>,
    registration_year: RwSignal<String>,
    registration_date: RwSignal<String>,
    reception_date: RwSignal<String>,
    mileage_km: RwSignal<String>,
    colour: RwSignal<String>,
    fuel: RwSignal<String>,
    transmission: RwSignal<String>,
    power_cv: RwSignal<String>,
    vehicle_type: RwSignal<String>,
    stock_type: RwSignal<String>,
    status: RwSignal<String>,
    reserved: RwSignal<bool>,
    published: RwSignal<bool>,
    listing_url: RwSignal<String>,
    dealer_id: RwSignal<String>,
    province_id: RwSignal<String>,
    location: RwSignal<String>,
    purchase_price: RwSignal<String>,
    total_cost: RwSignal<String>,
    sale_price: RwSignal<String>,
    description: RwSignal<String>,
    online_visits: RwSignal<String>,
    online_calls: RwSignal<String>,
    online_leads: RwSignal<String>,
}

fn shown<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// Euros as typed in the form: `15990`, or `15990.50` when there are cents.
fn money_text(amount: Option<Money>) -> String {
    amount.map(|m| if m.cents() % 100 == 0 { m.euros().to_string() } else { m.to_string() }).unwrap_or_default()
}

impl Draft {
    fn new() -> Self {
        let text = || RwSignal::new(String::new());
        Draft {
            vin: text(),
            plate: text(),
            brand: text(),
            model: text(),
            version: text(),
            registration_year: text(),
            registration_date: text(),
            reception_date: text(),
            mileage_km: text(),
            colour: text(),
            fuel: text(),
            transmission: text(),
            power_cv: text(),
            vehicle_type: text(),
            stock_type: RwSignal::new(StockType::Vo.as_str().to_owned()),
            status: RwSignal::new(VehicleStatus::Available.as_str().to_owned()),
            reserved: RwSignal::new(false),
            published: RwSignal::new(false),
            listing_url: text(),
            dealer_id: text(),
            province_id: text(),
            location: text(),
            purchase_price: text(),
            total_cost: text(),
            sale_price: text(),
            description: text(),
            online_visits: text(),
            online_calls: text(),
            online_leads: text(),
        }
    }

    fn fill(self, v: &Vehicle) {
        self.vin.set(v.vin.clone());
        self.plate.set(shown(v.plate.as_ref()));
        self.brand.set(v.brand.clone());
        self.model.set(v.model.clone());
        self.version.set(shown(v.version.as_ref()));
        self.registration_year.set(shown(v.registration_year));
        self.registration_date.set(shown(v.registration_date));
        self.reception_date.set(v.reception_date.to_string());
        self.mileage_km.set(v.mileage_km.to_string());
        self.colour.set(shown(v.colour.as_ref()));
        self.fuel.set(shown(v.fuel));
        self.transmission.set(shown(v.transmission));
        self.power_cv.set(shown(v.power_cv));
        self.vehicle_type.set(shown(v.vehicle_type.as_ref()));
        self.stock_type.set(v.stock_type.to_string());
        self.status.set(v.status.to_string());
        self.reserved.set(v.reserved);
        self.published.set(v.published);
        self.listing_url.set(shown(v.listing_url.as_ref()));
        self.dealer_id.set(shown(v.dealer_id));
        self.province_id.set(shown(v.province_id));
        self.location.set(shown(v.location.as_ref()));
        self.purchase_price.set(money_text(v.purchase_price));
        self.total_cost.set(money_text(v.total_cost));
        self.sale_price.set(money_text(Some(v.sale_price)));
        self.description.set(shown(v.description.as_ref()));
        self.online_visits.set(v.online_visits.to_string());
        self.online_calls.set(v.online_calls.to_string());
        self.online_leads.set(v.online_leads.to_string());
    }

    /// The input the form stands for, or the problems the browser can already see: values
    /// that do not read as numbers, amounts or dates, then the shared rules. Reads the inputs
    /// tracked, so a live check follows them.
    fn to_input(self, creating: bool) -> Result<VehicleInput, FieldErrors> {
        let mut check = Check::default();
        let vin = String::from(Vin::new(&self.vin.get()));
        let input = VehicleInput {
            vin: creating.then(|| vin.clone()),
            brand: check.required("brand", self.brand),
            model: check.required("model", self.model),
            plate: Some(text(self.plate)),
            version: Some(text(self.version)),
            registration_year: Some(check.parsed("registration_year", self.registration_year)),
            registration_date: Some(check.parsed("registration_date", self.registration_date)),
            reception_date: check.parsed("reception_date", self.reception_date),
            mileage_km: check.parsed("mileage_km", self.mileage_km),
            colour: Some(text(self.colour)),
            fuel: Some(check.parsed("fuel", self.fuel)),
            transmission: Some(check.parsed("transmission", self.transmission)),
            power_cv: Some(check.parsed("power_cv", self.power_cv)),
            vehicle_type: Some(text(self.vehicle_type)),
            stock_type: check.required_parsed("stock_type", self.stock_type),
            status: check.parsed("status", self.status),
            reserved: Some(self.reserved.get()),
            published: Some(self.published.get()),
            listing_url: Some(text(self.listing_url)),
            dealer_id: Some(check.parsed("dealer_id", self.dealer_id)),
            province_id: Some(check.parsed("province_id", self.province_id)),
            location: Some(text(self.location)),
            purchase_price: Some(check.parsed("purchase_price", self.purchase_price)),
            total_cost: Some(check.parsed("total_cost", self.total_cost)),
            sale_price: check.required_parsed("sale_price", self.sale_price),
            description: Some(text(self.description)),
            online_visits: check.parsed("online_visits", self.online_visits),
            online_calls: check.parsed("online_calls", self.online_calls),
            online_leads: check.parsed("online_leads", self.online_leads),
        };
        // Editing keeps the stored VIN (older records may have a legacy one).
        let rule = if creating { VinRule::Strict } else { VinRule::AllowLegacy };
        let complete = VehicleInput { vin: Some(vin), ..input.clone() };
        for (field, problem) in check_vehicle(&complete, rule, latest_today()) {
            // A value that did not read is not also "required" or out of range.
            if !check.0.contains_key(field) {
                check.problem(field, problem);
            }
        }
        if check.0.is_empty() { Ok(input) } else { Err(check.0) }
    }
}

/// Trimmed text; `None` when empty.
fn text(value: RwSignal<String>) -> Option<String> {
    Some(value.get().trim().to_owned()).filter(|v| !v.is_empty())
}

/// The problems found in the browser, keyed by field like the API's.
#[derive(Default)]
struct Check(FieldErrors);

impl Check {
    fn problem(&mut self, field: &str, problem: FieldProblem) {
        self.0.entry(field.to_owned()).or_default().push(problem.as_str().to_owned());
    }

    fn required(&mut self, field: &str, value: RwSignal<String>) -> Option<String> {
        let value = text(value);
        if value.is_none() {
            self.problem(field, FieldProblem::Required);
        }
        value
    }

    /// `None` when empty; a problem when it does not read as a `T` (a number, an amount, a date, a code).
    fn parsed<T: FromStr>(&mut self, field: &str, value: RwSignal<String>) -> Option<T> {
        let value = text(value)?;
        let parsed = value.parse().ok();
        if parsed.is_none() {
            self.problem(field, FieldProblem::Invalid);
        }
        parsed
    }

    fn required_parsed<T: FromStr>(&mut self, field: &str, value: RwSignal<String>) -> Option<T> {
        self.required(field, value)?;
        self.parsed(field, value)
    }
}

/// The vehicle as an input, to compare the form against.
fn input_of(v: &Vehicle) -> VehicleInput {
    VehicleInput {
        vin: None,
        brand: Some(v.brand.clone()),
        model: Some(v.model.clone()),
        plate: Some(v.plate.clone()),
        version: Some(v.version.clone()),
        registration_year: Some(v.registration_year),
        registration_date: Some(v.registration_date),
        reception_date: Some(v.reception_date),
        mileage_km: Some(v.mileage_km),
        colour: Some(v.colour.clone()),
        fuel: Some(v.fuel),
        transmission: Some(v.transmission),
        power_cv: Some(v.power_cv),
        vehicle_type: Some(v.vehicle_type.clone()),
        stock_type: Some(v.stock_type),
        status: Some(v.status),
        reserved: Some(v.reserved),
        published: Some(v.published),
        listing_url: Some(v.listing_url.clone()),
        dealer_id: Some(v.dealer_id),
        province_id: Some(v.province_id),
        location: Some(v.location.clone()),
        purchase_price: Some(v.purchase_price),
        total_cost: Some(v.total_cost),
        sale_price: Some(v.sale_price),
        description: Some(v.description.clone()),
        online_visits: Some(v.online_visits),
        online_calls: Some(v.online_calls),
        online_leads: Some(v.online_leads),
    }
}

/// Only what differs from `before` (absent means unchanged in a PATCH), so the vehicle's
/// change log names just the fields the user touched.
fn changes(before: &VehicleInput, after: VehicleInput) -> VehicleInput {
    let (Ok(Value::Object(before)), Ok(Value::Object(edited))) =
        (serde_json::to_value(before), serde_json::to_value(&after))
    else {
        return after;
    };
    let changed = edited.into_iter().filter(|(field, value)| before.get(field) != Some(value)).collect();
    serde_json::from_value(Value::Object(changed)).unwrap_or(after)
}

/// A VIN that already exists is a conflict, whether or not the answer names the field.
fn name_the_taken_vin(mut failure: ApiFailure) -> ApiFailure {
    if let ApiFailure::Api { status: 409, body } = &mut failure
        && body.fields.is_empty()
    {
        body.fields.insert("vin".into(), vec![FieldProblem::AlreadyTaken.as_str().into()]);
    }
    failure
}

/// `(value, label)` options of a code list.
fn code_options<T: Copy + ToString + Send + Sync + 'static>(
    all: &'static [T],
    name: fn(T) -> Msg,
) -> Signal<Vec<(String, String)>> {
    let i18n = use_i18n();
    Signal::derive(move || all.iter().map(|code| (code.to_string(), i18n.t(name(*code)).to_owned())).collect())
}

#[component]
pub fn VehicleForm(
    /// The vehicle as last loaded; `None` while creating.
    original: Signal<Option<Vehicle>>,
    creating: bool,
    on_saved: Callback<Vehicle>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let draft = Draft::new();
    let feedback = Feedback::new();
    let (errors, status) = (feedback.errors, feedback.status);
    // The dealership and province choices, as (id, name).
    let choices = |list: LocalResource<Vec<(String, String)>>| Signal::derive(move || list.get().unwrap_or_default());
    let dealers = choices(LocalResource::new(move || async move {
        let page = session.get::<Page<Dealer>>("/dealers").await;
        page.map(|page| page.items.into_iter().map(|d| (d.id.to_string(), d.name)).collect()).unwrap_or_default()
    }));
    let provinces = choices(LocalResource::new(move || async move {
        let page = session.get::<Page<Province>>("/provinces").await;
        page.map(|page| page.items.into_iter().map(|p| (p.id.to_string(), p.name)).collect()).unwrap_or_default()
    }));

    Effect::new(move |_| {
        if let Some(vehicle) = original.get() {
            draft.fill(&vehicle);
        }
    });

    let validate = live_check(errors, move || draft.to_input(creating).err().unwrap_or_default());
    let send = request(
        feedback,
        move |input: &VehicleInput| {
            let (original, input) = (original.get_untracked(), input.clone());
            async move {
                let answer = match original {
                    Some(vehicle) => {
                        let body = changes(&input_of(&vehicle), input);
                        session.api::<_, Vehicle>(Method::Patch, &vehicle_path(&vehicle.vin), Some(&body)).await
                    }
                    None => session.api::<_, Vehicle>(Method::Post, "/stock", Some(&input)).await,
                };
                answer.map_err(name_the_taken_vin)
            }
        },
        move |vehicle| {
            status.set(Some(Ok(Msg::Saved)));
            on_saved.run(vehicle);
        },
    );
    let saving = send.pending();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !validate() {
            status.set(Some(Err(Msg::CheckFields)));
            return;
        }
        let Ok(input) = untrack(|| draft.to_input(creating)) else { return };
        status.set(None);
        send.dispatch(input);
    };

    // `bounds` is a prop too: the shared ranges, for the "must be at least…" messages.
    let range = |field: &str| bounds(field, today()).expect("a number field");
    view! {
        <form class="card form grid vehicle-form" id="vehicle-form" on:submit=save novalidate=true>
            <Show when=move || creating>
                <div class="field-group">
                    <TextField id="vin" label=Msg::Vin value=draft.vin errors />
                    <p class="hint">{move || i18n.t(Msg::VinHint)}</p>
                </div>
            </Show>
            <TextField id="brand" label=Msg::Brand value=draft.brand errors />
            <TextField id="model" label=Msg::Model value=draft.model errors />
            <TextField id="version" label=Msg::Version value=draft.version errors />
            <TextField id="plate" label=Msg::Plate value=draft.plate errors />
            <SelectField id="stock_type" label=Msg::StockType value=draft.stock_type errors
                options=code_options(StockType::ALL, stock_type_name) />
            <SelectField id="status" label=Msg::Status value=draft.status errors
                options=code_options(VehicleStatus::ALL, status_name) />
            <TextField id="sale_price" label=Msg::SalePrice value=draft.sale_price errors inputmode="decimal"
                bounds=range("sale_price") />
            <TextField id="purchase_price" label=Msg::PurchasePrice value=draft.purchase_price errors
                inputmode="decimal" bounds=range("purchase_price") />
            <TextField id="total_cost" label=Msg::TotalCost value=draft.total_cost errors inputmode="decimal"
                bounds=range("total_cost") />
            <TextField id="registration_year" label=Msg::RegistrationYear value=draft.registration_year errors
                inputmode="numeric" bounds=range("registration_year") />
            <TextField id="registration_date" label=Msg::RegistrationDate value=draft.registration_date errors
                kind="date" />
            <TextField id="reception_date" label=Msg::ReceptionDate value=draft.reception_date errors kind="date" />
            <TextField id="mileage_km" label=Msg::Mileage value=draft.mileage_km errors inputmode="numeric"
                bounds=range("mileage_km") />
            <SelectField id="fuel" label=Msg::Fuel value=draft.fuel errors options=code_options(Fuel::ALL, fuel_name)
                empty=Msg::None />
            <SelectField id="transmission" label=Msg::Transmission value=draft.transmission errors
                options=code_options(Transmission::ALL, transmission_name) empty=Msg::None />
            <TextField id="power_cv" label=Msg::Power value=draft.power_cv errors inputmode="numeric"
                bounds=range("power_cv") />
            <TextField id="colour" label=Msg::Colour value=draft.colour errors />
            <TextField id="vehicle_type" label=Msg::VehicleType value=draft.vehicle_type errors />
            <SelectField id="dealer_id" label=Msg::Dealer value=draft.dealer_id errors options=dealers
                empty=Msg::None />
            <SelectField id="province_id" label=Msg::Province value=draft.province_id errors options=provinces
                empty=Msg::None />
            <TextField id="location" label=Msg::Location value=draft.location errors />
            <TextField id="listing_url" label=Msg::ListingUrl value=draft.listing_url errors kind="url" />
            <TextField id="online_visits" label=Msg::OnlineVisits value=draft.online_visits errors inputmode="numeric"
                bounds=range("online_visits") />
            <TextField id="online_calls" label=Msg::OnlineCalls value=draft.online_calls errors inputmode="numeric"
                bounds=range("online_calls") />
            <TextField id="online_leads" label=Msg::OnlineLeads value=draft.online_leads errors inputmode="numeric"
                bounds=range("online_leads") />
            <CheckboxField id="reserved" label=Msg::Reserved checked=draft.reserved />
            <CheckboxField id="published" label=Msg::Published checked=draft.published />
            <TextAreaField id="description" label=Msg::Description value=draft.description errors />
            <div class="form-actions">
                <FormStatus status />
                <button class="button primary" type="submit" disabled=move || saving.get()>
                    {move || i18n.t(if creating { Msg::Create } else { Msg::Save })}
                </button>
            </div>
        </form>
    }
}
