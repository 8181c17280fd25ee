//! User administration: a searchable, paginated list; the create/edit form; the team view.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::org::{Dealer, JobProfile, Province};
use shared::users::{Role, SetPasswordRequest, User, UserInput};
use shared::{FieldErrors, Page, Permission};

use crate::api::Method;
use crate::components::form::{
    CheckboxField, FormStatus, SelectField, TextField, field_errors, live_check, parse_date, parse_id, person_problems,
};
use crate::guard::allowed;
use crate::i18n::{Msg, role_name, use_i18n};
use crate::layout::encode;
use crate::session::use_session;

const PAGE_SIZE: i64 = 20;

#[component]
pub fn UsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let search = RwSignal::new(String::new());
    let role_filter = RwSignal::new(String::new());
    let active_filter = RwSignal::new(String::new());
    let page = RwSignal::new(1_i64);
    // The resource keeps only the answer to the newest search: while typing, a slow answer
    // to an earlier prefix never replaces it.
    let users = LocalResource::new(move || {
        let mut path = format!("/users?page={}&page_size={PAGE_SIZE}&q={}", page.get(), encode(search.get().trim()));
        for (name, value) in [("role", role_filter.get()), ("active", active_filter.get())] {
            if !value.is_empty() {
                path.push_str(&format!("&{name}={value}"));
            }
        }
        async move { session.get::<Page<User>>(&path).await }
    });
    let result = Signal::derive(move || users.get());
    let total = move || result.with(|r| r.as_ref().and_then(|r| r.as_ref().ok()).map(|p| p.total).unwrap_or(0));
    let last_page = move || ((total() + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    // A manager sees the team; only who may manage users gets the forms (the API checks too).
    let can_manage = allowed(session, Permission::ManageUsers);
    let open_form = navigate.clone();
    let new_user = move |_| open_form("/users/new", Default::default());

    view! {
        <section class="page">
            <div class="page-header">
                <h1>{move || i18n.t(Msg::Users)}</h1>
                <Show when=move || can_manage>
                    <button class="button primary" id="new-user" on:click=new_user.clone()>
                        {move || i18n.t(Msg::NewUser)}
                    </button>
                </Show>
            </div>
            <div class="filters">
                <input class="search" type="search" id="user-search" placeholder=move || i18n.t(Msg::SearchUsers)
                    on:input=move |ev| { search.set(event_target_value(&ev)); page.set(1); } />
                <label>
                    <span class="visually-hidden">{move || i18n.t(Msg::Role)}</span>
                    <select id="role-filter" on:change=move |ev| { role_filter.set(event_target_value(&ev)); page.set(1); }>
                        <option value="">{move || format!("{}: {}", i18n.t(Msg::Role), i18n.t(Msg::All))}</option>
                        {Role::ALL
                            .into_iter()
                            .map(|r| view! { <option value=r.as_str()>{move || i18n.t(role_name(r))}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    <span class="visually-hidden">{move || i18n.t(Msg::Active)}</span>
                    <select id="active-filter" on:change=move |ev| { active_filter.set(event_target_value(&ev)); page.set(1); }>
                        <option value="">{move || i18n.t(Msg::All)}</option>
                        <option value="true">{move || i18n.t(Msg::Active)}</option>
                        <option value="false">{move || i18n.t(Msg::Inactive)}</option>
                    </select>
                </label>
            </div>
            {move || match result.get() {
                None => view! { <p class="muted">{move || i18n.t(Msg::Loading)}</p> }.into_any(),
                Some(Err(failure)) => {
                    let msg = failure.message();
                    view! { <p class="form-error">{move || i18n.t(msg)}</p> }.into_any()
                }
                Some(Ok(list)) if list.items.is_empty() => {
                    view! { <p class="empty-state">{move || i18n.t(Msg::NoResults)}</p> }.into_any()
                }
                Some(Ok(list)) => {
                    let navigate = navigate.clone();
                    view! {
                        <table class="table users">
                            <thead>
                                <tr>
                                    <th>{move || i18n.t(Msg::Username)}</th>
                                    <th>{move || i18n.t(Msg::Name)}</th>
                                    <th>{move || i18n.t(Msg::Email)}</th>
                                    <th>{move || i18n.t(Msg::Role)}</th>
                                    <th>{move || i18n.t(Msg::Active)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {list
                                    .items
                                    .into_iter()
                                    .map(|user| {
                                        let navigate = navigate.clone();
                                        let href = format!("/users/{}", user.id);
                                        let role = role_name(user.role);
                                        let active = if user.is_active { Msg::Active } else { Msg::Inactive };
                                        let open = move |_| {
                                            if can_manage {
                                                navigate(&href, NavigateOptions::default())
                                            }
                                        };
                                        view! {
                                            <tr class:clickable=can_manage tabindex=can_manage.then_some("0") on:click=open>
                                                <td class="username">{user.username.clone()}</td>
                                                <td>{user.display_name()}</td>
                                                <td>{user.email.clone()}</td>
                                                <td>{move || i18n.t(role)}</td>
                                                <td>{move || i18n.t(active)}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                        .into_any()
                }
            }}
            <nav class="pager">
                <button class="button secondary" disabled=move || { page.get() <= 1 } on:click=move |_| page.update(|p| *p -= 1)>
                    {move || i18n.t(Msg::Previous)}
                </button>
                <span>{move || i18n.t(Msg::PageOf)} " " {page} " / " {last_page} " · " {total} " " {move || i18n.t(Msg::Results)}</span>
                <button class="button secondary" disabled=move || { page.get() >= last_page() } on:click=move |_| page.update(|p| *p += 1)>
                    {move || i18n.t(Msg::Next)}
                </button>
            </nav>
        </section>
    }
}

/// Options for the form's dropdowns.
#[derive(Clone, Default)]
struct Choices {
    dealers: Vec<(String, String)>,
    provinces: Vec<(String, String)>,
    job_profiles: Vec<(String, String)>,
    bosses: Vec<(String, String)>,
}

async fn load_choices(session: crate::session::Session) -> Choices {
    let dealers = session.get::<Page<Dealer>>("/dealers").await.map(|p| p.items).unwrap_or_default();
    let provinces = session.get::<Page<Province>>("/provinces").await.map(|p| p.items).unwrap_or_default();
    let job_profiles = session.get::<Page<JobProfile>>("/profiles").await.map(|p| p.items).unwrap_or_default();
    let bosses =
        session.get::<Page<User>>("/users?page_size=100&active=true").await.map(|p| p.items).unwrap_or_default();
    Choices {
        dealers: dealers.into_iter().map(|d| (d.id.to_string(), d.name)).collect(),
        provinces: provinces.into_iter().map(|p| (p.id.to_string(), p.name)).collect(),
        job_profiles: job_profiles
            .into_iter()
            .map(|p| (p.id.to_string(), format!("{} · {}", p.code, p.name)))
            .collect(),
        bosses: bosses.into_iter().map(|u| (u.id.to_string(), u.display_name())).collect(),
    }
}

fn opt(value: Option<i64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn date(value: Option<chrono::NaiveDate>) -> String {
    value.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// `/users/new` and `/users/:id`.
#[component]
pub fn UserFormPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id")).and_then(|id| id.parse::<i64>().ok());
    let creating = id().is_none();

    let username = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let first_name = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Sales.as_str().to_owned());
    let dealer_id = RwSignal::new(String::new());
    let province_id = RwSignal::new(String::new());
    let job_profile_id = RwSignal::new(String::new());
    let boss_id = RwSignal::new(String::new());
    let mobile = RwSignal::new(String::new());
    let birth_date = RwSignal::new(String::new());
    let joining_date = RwSignal::new(String::new());
    let leaving_date = RwSignal::new(String::new());
    let is_active = RwSignal::new(true);
    let chat_enabled = RwSignal::new(true);
    let errors = RwSignal::new(FieldErrors::new());
    let status = RwSignal::new(None);
    let choices = RwSignal::new(Choices::default());
    let team = RwSignal::new(Vec::<User>::new());

    spawn_local(async move { choices.set(load_choices(session).await) });
    if let Some(id) = id() {
        spawn_local(async move {
            match session.get::<User>(&format!("/users/{id}")).await {
                Ok(user) => {
                    username.set(user.username);
                    email.set(user.email);
                    first_name.set(user.first_name);
                    last_name.set(user.last_name);
                    role.set(user.role.as_str().to_owned());
                    dealer_id.set(opt(user.dealer_id));
                    province_id.set(opt(user.province_id));
                    job_profile_id.set(opt(user.job_profile_id));
                    boss_id.set(opt(user.boss_id));
                    mobile.set(user.mobile);
                    birth_date.set(date(user.birth_date));
                    joining_date.set(date(user.joining_date));
                    leaving_date.set(date(user.leaving_date));
                    is_active.set(user.is_active);
                    chat_enabled.set(user.chat_enabled);
                }
                Err(failure) => status.set(Some(Err(failure.message()))),
            }
            if let Ok(members) = session.get::<Vec<User>>(&format!("/users/{id}/subordinates?recursive=true")).await {
                team.set(members);
            }
        });
    }

    // The backend's rules, in the browser: shown on submit and followed as the user types.
    let validate = live_check(errors, move || {
        use shared::validation::{check_email, check_password, check_username};
        let mut problems = Vec::new();
        problems.extend(check_username(&username.get()).map(|p| ("username", p)));
        problems.extend(check_email(&email.get()).map(|p| ("email", p)));
        if creating {
            problems.extend(check_password(&password.get(), &username.get()).into_iter().map(|p| ("password", p)));
        }
        problems.extend(person_problems(
            [("first_name", first_name.get()), ("last_name", last_name.get())],
            &mobile.get(),
            [
                ("birth_date", birth_date.get()),
                ("joining_date", joining_date.get()),
                ("leaving_date", leaving_date.get()),
            ],
        ));
        field_errors(problems)
    });
    let after_save = navigate.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !validate() {
            status.set(Some(Err(Msg::CheckFields)));
            return;
        }
        status.set(None);
        let text = |s: RwSignal<String>| Some(s.get_untracked());
        let body = UserInput {
            username: text(username),
            email: text(email),
            password: creating.then(|| password.get_untracked()),
            first_name: text(first_name),
            last_name: text(last_name),
            role: role.get_untracked().parse().ok(),
            is_active: Some(is_active.get_untracked()),
            chat_enabled: Some(chat_enabled.get_untracked()),
            mobile: text(mobile),
            job_profile_id: Some(parse_id(&job_profile_id.get_untracked())),
            boss_id: Some(parse_id(&boss_id.get_untracked())),
            dealer_id: Some(parse_id(&dealer_id.get_untracked())),
            province_id: Some(parse_id(&province_id.get_untracked())),
            birth_date: Some(parse_date(&birth_date.get_untracked())),
            joining_date: Some(parse_date(&joining_date.get_untracked())),
            leaving_date: Some(parse_date(&leaving_date.get_untracked())),
        };
        let after_save = after_save.clone();
        spawn_local(async move {
            let result = match id() {
                None => session.api::<_, User>(Method::Post, "/users", Some(&body)).await,
                Some(id) => session.api::<_, User>(Method::Patch, &format!("/users/{id}"), Some(&body)).await,
            };
            match result {
                Ok(_) => after_save("/users", NavigateOptions::default()),
                Err(failure) => {
                    errors.set(failure.fields());
                    status.set(Some(Err(failure.message())));
                }
            }
        });
    };

    let after_deactivate = navigate.clone();
    let deactivate = move |_| {
        let Some(id) = id() else { return };
        let confirmed = window().confirm_with_message(i18n.t(Msg::ConfirmDeactivate)).unwrap_or(false);
        if !confirmed {
            return;
        }
        let after_deactivate = after_deactivate.clone();
        spawn_local(async move {
            match session.api_empty::<()>(Method::Delete, &format!("/users/{id}"), None).await {
                Ok(()) => after_deactivate("/users", NavigateOptions::default()),
                Err(failure) => status.set(Some(Err(failure.message()))),
            }
        });
    };

    let reset_password = RwSignal::new(String::new());
    let reset_errors = RwSignal::new(FieldErrors::new());
    let reset_status = RwSignal::new(None);
    let validate_reset = live_check(reset_errors, move || {
        let problems = shared::validation::check_password(&reset_password.get(), &username.get());
        field_errors(problems.into_iter().map(|p| ("new_password", p)))
    });
    let reset = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !validate_reset() {
            reset_status.set(Some(Err(Msg::CheckFields)));
            return;
        }
        let Some(id) = id() else { return };
        let body = SetPasswordRequest { new_password: reset_password.get_untracked() };
        spawn_local(async move {
            match session.api_empty(Method::Post, &format!("/users/{id}/password"), Some(&body)).await {
                Ok(()) => {
                    reset_password.set(String::new());
                    reset_errors.set(FieldErrors::new());
                    reset_status.set(Some(Ok(Msg::PasswordReset)));
                }
                Err(failure) => {
                    reset_errors.set(failure.fields());
                    reset_status.set(Some(Err(failure.message())));
                }
            }
        });
    };

    let roles = Signal::derive(move || {
        Role::ALL.iter().map(|r| (r.as_str().to_owned(), i18n.t(role_name(*r)).to_owned())).collect::<Vec<_>>()
    });
    let options = |pick: fn(&Choices) -> Vec<(String, String)>| Signal::derive(move || choices.with(pick));
    let cancel = navigate.clone();

    view! {
        <section class="page">
            <div class="page-header">
                <h1>{move || i18n.t(if creating { Msg::NewUser } else { Msg::EditUser })}</h1>
                <button class="button secondary" on:click=move |_| cancel("/users", Default::default())>
                    {move || i18n.t(Msg::Cancel)}
                </button>
            </div>
            <form class="card form grid" id="user-form" on:submit=save novalidate=true>
                <TextField id="username" label=Msg::Username value=username errors />
                <TextField id="email" label=Msg::Email value=email errors kind="email" />
                <Show when=move || creating>
                    <TextField id="password" label=Msg::Password value=password errors kind="password"
                        autocomplete="new-password" />
                </Show>
                <TextField id="first_name" label=Msg::FirstName value=first_name errors />
                <TextField id="last_name" label=Msg::LastName value=last_name errors />
                <SelectField id="role" label=Msg::Role value=role errors options=roles />
                <SelectField id="dealer_id" label=Msg::Dealer value=dealer_id errors options=options(|c| c.dealers.clone())
                    empty=Msg::None />
                <SelectField id="province_id" label=Msg::Province value=province_id errors
                    options=options(|c| c.provinces.clone()) empty=Msg::None />
                <SelectField id="job_profile_id" label=Msg::JobProfile value=job_profile_id errors
                    options=options(|c| c.job_profiles.clone()) empty=Msg::None />
                <SelectField id="boss_id" label=Msg::Boss value=boss_id errors options=options(|c| c.bosses.clone())
                    empty=Msg::None />
                <TextField id="mobile" label=Msg::Mobile value=mobile errors kind="tel" />
                <TextField id="birth_date" label=Msg::BirthDate value=birth_date errors kind="date" />
                <TextField id="joining_date" label=Msg::JoiningDate value=joining_date errors kind="date" />
                <TextField id="leaving_date" label=Msg::LeavingDate value=leaving_date errors kind="date" />
                <CheckboxField id="is_active" label=Msg::Active checked=is_active />
                <CheckboxField id="chat_enabled" label=Msg::ChatEnabled checked=chat_enabled />
                <div class="form-actions">
                    <FormStatus status />
                    <button class="button primary" type="submit">
                        {move || i18n.t(if creating { Msg::Create } else { Msg::Save })}
                    </button>
                    <Show when=move || !creating>
                        <button class="button danger" type="button" id="deactivate" on:click=deactivate.clone()>
                            {move || i18n.t(Msg::Deactivate)}
                        </button>
                    </Show>
                </div>
            </form>
            <Show when=move || !creating>
                <div class="cards">
                    <form class="card form" id="reset-password-form" on:submit=reset novalidate=true>
                        <h2>{move || i18n.t(Msg::ResetPassword)}</h2>
                        <TextField id="new_password" label=Msg::NewPassword value=reset_password errors=reset_errors
                            kind="password" autocomplete="new-password" />
                        <FormStatus status=reset_status />
                        <button class="button secondary" type="submit">{move || i18n.t(Msg::ResetPassword)}</button>
                    </form>
                    <section class="card team">
                        <h2>{move || i18n.t(Msg::Team)}</h2>
                        {move || {
                            let members = team.get();
                            if members.is_empty() {
                                view! { <p class="muted">{move || i18n.t(Msg::NoTeam)}</p> }.into_any()
                            } else {
                                view! {
                                    <ul>
                                        {members
                                            .into_iter()
                                            .map(|m| view! { <li><a href=format!("/users/{}", m.id)>{m.display_name()}</a></li> })
                                            .collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }
                        }}
                    </section>
                </div>
            </Show>
        </section>
    }
}
