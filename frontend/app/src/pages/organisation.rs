//! Dealerships, provinces and job profiles, for administrators.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::org::{Dealer, DealerInput, JobProfile, JobProfileInput, Province, ProvinceInput};
use shared::{FieldErrors, Page};

use crate::api::Method;
use crate::components::form::{FormStatus, SelectField, TextField, parse_id};
use crate::i18n::{Msg, use_i18n};
use crate::session::use_session;

#[component]
pub fn OrganisationPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let dealers = RwSignal::new(Vec::<Dealer>::new());
    let provinces = RwSignal::new(Vec::<Province>::new());
    let profiles = RwSignal::new(Vec::<JobProfile>::new());
    let reload = move || {
        spawn_local(async move {
            if let Ok(page) = session.get::<Page<Dealer>>("/dealers").await {
                dealers.set(page.items);
            }
            if let Ok(page) = session.get::<Page<Province>>("/provinces").await {
                provinces.set(page.items);
            }
            if let Ok(page) = session.get::<Page<JobProfile>>("/profiles").await {
                profiles.set(page.items);
            }
        })
    };
    reload();
    let province_name = move |id: Option<i64>| {
        provinces.with(|all| id.and_then(|id| all.iter().find(|p| p.id == id)).map(|p| p.name.clone()))
    };
    let toggle_dealer = move |dealer: Dealer| {
        spawn_local(async move {
            let body = DealerInput { is_active: Some(!dealer.is_active), ..Default::default() };
            let _ = session.api::<_, Dealer>(Method::Patch, &format!("/dealers/{}", dealer.id), Some(&body)).await;
            reload();
        })
    };

    view! {
        <section class="page">
            <h1>{move || i18n.t(Msg::Organisation)}</h1>
            <section class="card">
                <h2>{move || i18n.t(Msg::Dealers)}</h2>
                <table class="table dealers">
                    <thead>
                        <tr>
                            <th>{move || i18n.t(Msg::Name)}</th>
                            <th>{move || i18n.t(Msg::Province)}</th>
                            <th>{move || i18n.t(Msg::Phone)}</th>
                            <th>{move || i18n.t(Msg::Active)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || dealers.get() key=|d| (d.id, d.is_active) let:dealer>
                            <tr>
                                <td>{dealer.name.clone()}</td>
                                <td>{province_name(dealer.province_id)}</td>
                                <td>{dealer.phone.clone()}</td>
                                <td>
                                    <button class="button secondary small" on:click={
                                        let dealer = dealer.clone();
                                        move |_| toggle_dealer(dealer.clone())
                                    }>
                                        {move || i18n.t(if dealer.is_active { Msg::Active } else { Msg::Inactive })}
                                    </button>
                                </td>
                            </tr>
                        </For>
                    </tbody>
                </table>
                <NewDealerForm provinces on_created=reload />
            </section>
            <div class="cards">
                <section class="card">
                    <h2>{move || i18n.t(Msg::JobProfiles)}</h2>
                    <ul class="plain">
                        <For each=move || profiles.get() key=|p| p.id let:profile>
                            <li><strong>{profile.code.clone()}</strong> " · " {profile.name.clone()}</li>
                        </For>
                    </ul>
                    <NewProfileForm on_created=reload />
                </section>
                <section class="card">
                    <h2>{move || i18n.t(Msg::Provinces)}</h2>
                    <ul class="plain columns">
                        <For each=move || provinces.get() key=|p| p.id let:province>
                            <li>{province.code.clone()} " · " {province.name.clone()}</li>
                        </For>
                    </ul>
                    <NewProvinceForm on_created=reload />
                </section>
            </div>
        </section>
    }
}

#[component]
fn NewDealerForm(provinces: RwSignal<Vec<Province>>, on_created: impl Fn() + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let name = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let province_id = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let status = RwSignal::new(None);
    let options =
        Signal::derive(move || provinces.get().into_iter().map(|p| (p.id.to_string(), p.name)).collect::<Vec<_>>());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = DealerInput {
            name: Some(name.get_untracked()),
            phone: Some(phone.get_untracked()),
            email: Some(email.get_untracked()),
            province_id: Some(parse_id(&province_id.get_untracked())),
            ..Default::default()
        };
        spawn_local(async move {
            match session.api::<_, Dealer>(Method::Post, "/dealers", Some(&body)).await {
                Ok(_) => {
                    for field in [name, phone, email, province_id] {
                        field.set(String::new());
                    }
                    errors.set(FieldErrors::new());
                    status.set(Some(Ok(Msg::Saved)));
                    on_created();
                }
                Err(failure) => {
                    errors.set(failure.fields());
                    status.set(Some(Err(failure.message())));
                }
            }
        });
    };
    view! {
        <form class="form inline" id="dealer-form" on:submit=submit novalidate=true>
            <TextField id="dealer_name" label=Msg::Name value=name errors />
            <TextField id="dealer_phone" label=Msg::Phone value=phone errors kind="tel" />
            <TextField id="dealer_email" label=Msg::Email value=email errors kind="email" />
            <SelectField id="dealer_province" label=Msg::Province value=province_id errors options empty=Msg::None />
            <FormStatus status />
            <button class="button primary" type="submit">{move || i18n.t(Msg::Add)}</button>
        </form>
    }
}

#[component]
fn NewProfileForm(on_created: impl Fn() + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let status = RwSignal::new(None);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = JobProfileInput {
            code: Some(code.get_untracked()),
            name: Some(name.get_untracked()),
            ..Default::default()
        };
        spawn_local(async move {
            match session.api::<_, JobProfile>(Method::Post, "/profiles", Some(&body)).await {
                Ok(_) => {
                    code.set(String::new());
                    name.set(String::new());
                    errors.set(FieldErrors::new());
                    status.set(None);
                    on_created();
                }
                Err(failure) => {
                    errors.set(failure.fields());
                    status.set(Some(Err(failure.message())));
                }
            }
        });
    };
    view! {
        <form class="form inline" on:submit=submit novalidate=true>
            <TextField id="code" label=Msg::Code value=code errors />
            <TextField id="name" label=Msg::Name value=name errors />
            <FormStatus status />
            <button class="button secondary" type="submit">{move || i18n.t(Msg::Add)}</button>
        </form>
    }
}

#[component]
fn NewProvinceForm(on_created: impl Fn() + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let status = RwSignal::new(None);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = ProvinceInput { code: Some(code.get_untracked()), name: Some(name.get_untracked()) };
        spawn_local(async move {
            match session.api::<_, Province>(Method::Post, "/provinces", Some(&body)).await {
                Ok(_) => {
                    code.set(String::new());
                    name.set(String::new());
                    errors.set(FieldErrors::new());
                    status.set(None);
                    on_created();
                }
                Err(failure) => {
                    errors.set(failure.fields());
                    status.set(Some(Err(failure.message())));
                }
            }
        });
    };
    view! {
        <form class="form inline" on:submit=submit novalidate=true>
            <TextField id="code" label=Msg::Code value=code errors />
            <TextField id="name" label=Msg::Name value=name errors />
            <FormStatus status />
            <button class="button secondary" type="submit">{move || i18n.t(Msg::Add)}</button>
        </form>
    }
}
