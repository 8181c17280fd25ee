//! Dealerships, provinces and job profiles, for administrators.

use leptos::prelude::*;
use shared::Page;
use shared::org::{Dealer, DealerInput, JobProfile, Province};

use crate::api::{ApiFailure, Method};
use crate::components::form::{Feedback, FormStatus, SelectField, TextField, parse_id, request};
use crate::i18n::{Msg, use_i18n};
use crate::session::{Session, use_session};

/// The three lists the page shows, loaded together.
#[derive(Clone, Default)]
struct Organisation {
    dealers: Vec<Dealer>,
    provinces: Vec<Province>,
    job_profiles: Vec<JobProfile>,
}

async fn load(session: Session) -> Result<Organisation, ApiFailure> {
    Ok(Organisation {
        dealers: session.get::<Page<Dealer>>("/dealers").await?.items,
        provinces: session.get::<Page<Province>>("/provinces").await?.items,
        job_profiles: session.get::<Page<JobProfile>>("/profiles").await?.items,
    })
}

#[component]
pub fn OrganisationPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    // Loaded by the framework, and loaded again after every change.
    let organisation = LocalResource::new(move || load(session));
    let reload = move || organisation.refetch();
    let shown = move || organisation.get().and_then(Result::ok).unwrap_or_default();
    let dealers = move || shown().dealers;
    let provinces = Signal::derive(move || shown().provinces);
    let job_profiles = move || shown().job_profiles;
    let load_failure = move || {
        let failure = organisation.get()?.err()?;
        Some(view! { <p class="form-error" role="alert">{move || i18n.t(failure.message())}</p> })
    };
    let province_name = move |id: Option<i64>| {
        provinces.with(|all| id.and_then(|id| all.iter().find(|p| p.id == id)).map(|p| p.name.clone()))
    };
    let editing_dealer = RwSignal::new(None::<Dealer>);
    let editing_job_profile = RwSignal::new(None::<CodeName>);
    let editing_province = RwSignal::new(None::<CodeName>);
    let feedback = Feedback::new();
    // Deleting is refused by the API while something still refers to the record.
    let delete = request(
        feedback,
        move |path: &String| {
            let path = path.clone();
            async move { session.api_empty::<()>(Method::Delete, &path, None).await }
        },
        move |()| {
            feedback.clear();
            reload();
        },
    );
    let remove = move |path: String| {
        if window().confirm_with_message(i18n.t(Msg::ConfirmDelete)).unwrap_or(false) {
            delete.dispatch(path);
        }
    };
    let switch_dealer = request(
        feedback,
        move |dealer: &Dealer| {
            let path = format!("/dealers/{}", dealer.id);
            let body = DealerInput { is_active: Some(!dealer.is_active), ..Default::default() };
            async move { session.api::<_, Dealer>(Method::Patch, &path, Some(&body)).await }
        },
        move |_| reload(),
    );
    let toggle_dealer = move |dealer: Dealer| {
        switch_dealer.dispatch(dealer);
    };

    view! {
        <section class="page">
            <h1>{move || i18n.t(Msg::Organisation)}</h1>
            {load_failure}
            <FormStatus status=feedback.status />
            <section class="card">
                <h2>{move || i18n.t(Msg::Dealers)}</h2>
                <table class="table dealers">
                    <thead>
                        <tr>
                            <th>{move || i18n.t(Msg::Name)}</th>
                            <th>{move || i18n.t(Msg::Province)}</th>
                            <th>{move || i18n.t(Msg::Phone)}</th>
                            <th>{move || i18n.t(Msg::Active)}</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>
                        // Keyed by content, so an edited row re-renders.
                        <For each=dealers key=|d| format!("{d:?}") let:dealer>
                            <tr>
                                <td>{dealer.name.clone()}</td>
                                // Provinces may arrive after the dealers: look the name up reactively.
                                <td>{move || province_name(dealer.province_id)}</td>
                                <td>{dealer.phone.clone()}</td>
                                <td>
                                    <button class="button secondary small" on:click={
                                        let dealer = dealer.clone();
                                        move |_| toggle_dealer(dealer.clone())
                                    }>
                                        {move || i18n.t(if dealer.is_active { Msg::Active } else { Msg::Inactive })}
                                    </button>
                                </td>
                                <td class="row-actions">
                                    <button class="button secondary small" on:click={
                                        let dealer = dealer.clone();
                                        move |_| editing_dealer.set(Some(dealer.clone()))
                                    }>{move || i18n.t(Msg::Edit)}</button>
                                    <button class="button secondary small" on:click=move |_| remove(format!("/dealers/{}", dealer.id))>
                                        {move || i18n.t(Msg::Delete)}
                                    </button>
                                </td>
                            </tr>
                        </For>
                    </tbody>
                </table>
                <DealerForm provinces editing=editing_dealer on_saved=reload />
            </section>
            <div class="cards">
                <section class="card">
                    <h2>{move || i18n.t(Msg::JobProfiles)}</h2>
                    <ul class="plain">
                        <For each=job_profiles key=|p| format!("{p:?}") let:job_profile>
                            <li>
                                <strong>{job_profile.code.clone()}</strong> " · " {job_profile.name.clone()}
                                <span class="row-actions">
                                    <button class="button secondary small" on:click={
                                        let job_profile = job_profile.clone();
                                        move |_| {
                                            editing_job_profile.set(Some(CodeName {
                                                id: job_profile.id,
                                                code: job_profile.code.clone(),
                                                name: job_profile.name.clone(),
                                            }))
                                        }
                                    }>{move || i18n.t(Msg::Edit)}</button>
                                    <button class="button secondary small" on:click=move |_| remove(format!("/profiles/{}", job_profile.id))>
                                        {move || i18n.t(Msg::Delete)}
                                    </button>
                                </span>
                            </li>
                        </For>
                    </ul>
                    <CodeNameForm path="/profiles" code_id="profile_code" name_id="profile_name" editing=editing_job_profile
                        on_saved=reload />
                </section>
                <section class="card">
                    <h2>{move || i18n.t(Msg::Provinces)}</h2>
                    <ul class="plain columns">
                        <For each=move || provinces.get() key=|p| format!("{p:?}") let:province>
                            <li>
                                <button class="link" on:click={
                                    let province = province.clone();
                                    move |_| {
                                        editing_province.set(Some(CodeName {
                                            id: province.id,
                                            code: province.code.clone(),
                                            name: province.name.clone(),
                                        }))
                                    }
                                }>{province.code.clone()} " · " {province.name.clone()}</button>
                            </li>
                        </For>
                    </ul>
                    <CodeNameForm path="/provinces" code_id="province_code" name_id="province_name" editing=editing_province
                        on_saved=reload />
                </section>
            </div>
        </section>
    }
}

/// Adds a dealership, or edits the one in `editing`.
#[component]
fn DealerForm(
    provinces: Signal<Vec<Province>>,
    editing: RwSignal<Option<Dealer>>,
    on_saved: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let session = use_session();
    let name = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let province_id = RwSignal::new(String::new());
    let feedback = Feedback::new();
    let errors = feedback.errors;
    let options =
        Signal::derive(move || provinces.get().into_iter().map(|p| (p.id.to_string(), p.name)).collect::<Vec<_>>());
    Effect::new(move |_| {
        let dealer = editing.get();
        name.set(dealer.as_ref().map(|d| d.name.clone()).unwrap_or_default());
        phone.set(dealer.as_ref().map(|d| d.phone.clone()).unwrap_or_default());
        email.set(dealer.as_ref().map(|d| d.email.clone()).unwrap_or_default());
        province_id.set(dealer.and_then(|d| d.province_id).map(|id| id.to_string()).unwrap_or_default());
        errors.set(Default::default());
    });
    let save = request(
        feedback,
        move |(target, body): &(Option<i64>, DealerInput)| {
            let (target, body) = (*target, body.clone());
            async move {
                match target {
                    Some(id) => session.api::<_, Dealer>(Method::Patch, &format!("/dealers/{id}"), Some(&body)).await,
                    None => session.api::<_, Dealer>(Method::Post, "/dealers", Some(&body)).await,
                }
            }
        },
        move |_| {
            editing.set(None);
            feedback.status.set(Some(Ok(Msg::Saved)));
            on_saved();
        },
    );
    let is_editing = Signal::derive(move || editing.with(Option::is_some));
    let cancel = Callback::new(move |()| editing.set(None));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = DealerInput {
            name: Some(name.get_untracked()),
            phone: Some(phone.get_untracked()),
            email: Some(email.get_untracked()),
            province_id: Some(parse_id(&province_id.get_untracked())),
            ..Default::default()
        };
        save.dispatch((editing.get_untracked().map(|d| d.id), body));
    };
    view! {
        <form class="form inline" id="dealer-form" on:submit=submit novalidate=true>
            <TextField id="dealer_name" field="name" label=Msg::Name value=name errors />
            <TextField id="dealer_phone" field="phone" label=Msg::Phone value=phone errors kind="tel" />
            <TextField id="dealer_email" field="email" label=Msg::Email value=email errors kind="email" />
            <SelectField id="dealer_province" field="province_id" label=Msg::Province value=province_id errors options
                empty=Msg::None />
            <FormStatus status=feedback.status />
            <SaveOrAdd editing=is_editing pending=save.pending() cancel class="button primary" />
        </form>
    }
}

/// An inline form's buttons: "Añadir", or "Guardar" and "Cancelar" while a record is being
/// edited; saving is refused while the last save is still on its way.
#[component]
fn SaveOrAdd(editing: Signal<bool>, pending: Memo<bool>, cancel: Callback<()>, class: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <button class=class type="submit" disabled=move || pending.get()>
            {move || i18n.t(if editing.get() { Msg::Save } else { Msg::Add })}
        </button>
        <Show when=move || editing.get()>
            <button class="button secondary" type="button" on:click=move |_| cancel.run(())>
                {move || i18n.t(Msg::Cancel)}
            </button>
        </Show>
    }
}

/// A reference record edited as a code and a name (job profiles, provinces).
#[derive(Debug, Clone, PartialEq)]
struct CodeName {
    id: i64,
    code: String,
    name: String,
}

/// What the API takes to create or rename one (the same fields for both).
#[derive(Clone, serde::Serialize)]
struct CodeNameInput {
    code: String,
    name: String,
}

/// Adds a record under `path` (`/profiles`, `/provinces`), or edits the one in `editing`.
#[component]
fn CodeNameForm(
    path: &'static str,
    /// Element ids, unique on the page (the API's field names are `code` and `name` for both).
    code_id: &'static str,
    name_id: &'static str,
    editing: RwSignal<Option<CodeName>>,
    on_saved: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let session = use_session();
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let feedback = Feedback::new();
    let errors = feedback.errors;
    Effect::new(move |_| {
        let record = editing.get();
        code.set(record.as_ref().map(|r| r.code.clone()).unwrap_or_default());
        name.set(record.map(|r| r.name).unwrap_or_default());
        errors.set(Default::default());
    });
    let save = request(
        feedback,
        move |(target, body): &(Option<i64>, CodeNameInput)| {
            let (target, body) = (*target, body.clone());
            async move {
                match target {
                    Some(id) => session.api_empty(Method::Patch, &format!("{path}/{id}"), Some(&body)).await,
                    None => session.api_empty(Method::Post, path, Some(&body)).await,
                }
            }
        },
        move |_| {
            editing.set(None);
            feedback.clear();
            on_saved();
        },
    );
    let is_editing = Signal::derive(move || editing.with(Option::is_some));
    let cancel = Callback::new(move |()| editing.set(None));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = CodeNameInput { code: code.get_untracked(), name: name.get_untracked() };
        save.dispatch((editing.get_untracked().map(|r| r.id), body));
    };
    view! {
        <form class="form inline" on:submit=submit novalidate=true>
            <TextField id=code_id field="code" label=Msg::Code value=code errors />
            <TextField id=name_id field="name" label=Msg::Name value=name errors />
            <FormStatus status=feedback.status />
            <SaveOrAdd editing=is_editing pending=save.pending() cancel class="button secondary" />
        </form>
    }
}
