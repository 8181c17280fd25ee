//! "Mi perfil": one's own contact details, password and sessions.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::FieldErrors;
use shared::users::{ChangePasswordRequest, ProfileInput, SessionInfo, User};

use crate::api::Method;
use crate::components::form::{FormStatus, TextField};
use crate::i18n::{Msg, role_name, use_i18n};
use crate::session::use_session;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let user = session.user();
    view! {
        <section class="page">
            <h1>{move || i18n.t(Msg::MyProfile)}</h1>
            {user.map(|user| {
                let role = role_name(user.role);
                view! {
                    <p class="muted">
                        {user.username.clone()} " · " {move || i18n.t(role)}
                    </p>
                    <div class="cards">
                        <ProfileForm user />
                        <PasswordForm />
                    </div>
                    <SessionList />
                }
            })}
        </section>
    }
}

#[component]
fn ProfileForm(user: User) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let first_name = RwSignal::new(user.first_name);
    let last_name = RwSignal::new(user.last_name);
    let email = RwSignal::new(user.email);
    let mobile = RwSignal::new(user.mobile);
    let errors = RwSignal::new(FieldErrors::new());
    let status = RwSignal::new(None);

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = ProfileInput {
            first_name: Some(first_name.get_untracked()),
            last_name: Some(last_name.get_untracked()),
            email: Some(email.get_untracked()),
            mobile: Some(mobile.get_untracked()),
        };
        spawn_local(async move {
            match session.api::<_, User>(Method::Patch, "/auth/me", Some(&body)).await {
                Ok(user) => {
                    errors.set(FieldErrors::new());
                    session.set_user(user);
                    status.set(Some(Ok(Msg::Saved)));
                }
                Err(failure) => {
                    errors.set(failure.fields());
                    status.set(Some(Err(failure.message())));
                }
            }
        });
    };
    view! {
        <form class="card form" id="profile-form" on:submit=save novalidate=true>
            <h2>{move || i18n.t(Msg::MyProfile)}</h2>
            <TextField id="first_name" label=Msg::FirstName value=first_name errors />
            <TextField id="last_name" label=Msg::LastName value=last_name errors />
            <TextField id="email" label=Msg::Email value=email errors kind="email" autocomplete="email" />
            <TextField id="mobile" label=Msg::Mobile value=mobile errors kind="tel" autocomplete="tel" />
            <FormStatus status />
            <button class="button primary" type="submit">{move || i18n.t(Msg::Save)}</button>
        </form>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let status = RwSignal::new(None);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if new.get_untracked() != confirm.get_untracked() {
            errors.set(FieldErrors::from([("confirm_password".to_owned(), vec!["mismatch".to_owned()])]));
            status.set(Some(Err(Msg::PasswordsDiffer)));
            return;
        }
        let body =
            ChangePasswordRequest { current_password: current.get_untracked(), new_password: new.get_untracked() };
        spawn_local(async move {
            match session.api_empty(Method::Post, "/auth/password", Some(&body)).await {
                Ok(()) => {
                    errors.set(FieldErrors::new());
                    for field in [current, new, confirm] {
                        field.set(String::new());
                    }
                    status.set(Some(Ok(Msg::PasswordChanged)));
                }
                Err(failure) => {
                    errors.set(failure.fields());
                    status.set(Some(Err(failure.message())));
                }
            }
        });
    };
    view! {
        <form class="card form" id="password-form" on:submit=submit novalidate=true>
            <h2>{move || i18n.t(Msg::ChangePassword)}</h2>
            <TextField id="current_password" label=Msg::CurrentPassword value=current errors kind="password"
                autocomplete="current-password" />
            <TextField id="new_password" label=Msg::NewPassword value=new errors kind="password"
                autocomplete="new-password" />
            <p class="hint">{move || i18n.t(Msg::PasswordHint)}</p>
            <TextField id="confirm_password" label=Msg::ConfirmPassword value=confirm errors kind="password"
                autocomplete="new-password" />
            <FormStatus status />
            <button class="button primary" type="submit">{move || i18n.t(Msg::ChangePassword)}</button>
        </form>
    }
}

#[component]
fn SessionList() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sessions = RwSignal::new(Vec::<SessionInfo>::new());
    let load = move || {
        spawn_local(async move {
            if let Ok(list) = session.get::<Vec<SessionInfo>>("/auth/sessions").await {
                sessions.set(list);
            }
        })
    };
    load();
    let end = move |id: i64| {
        spawn_local(async move {
            let _ = session.api_empty::<()>(Method::Delete, &format!("/auth/sessions/{id}"), None).await;
            load();
        })
    };
    view! {
        <section class="card">
            <h2>{move || i18n.t(Msg::Sessions)}</h2>
            <table class="table sessions">
                <tbody>
                    <For each=move || sessions.get() key=|s| s.id let:s>
                        <tr>
                            <td>{s.user_agent.clone().unwrap_or_default()}</td>
                            <td>{s.ip.clone().unwrap_or_default()}</td>
                            <td>{move || i18n.t(Msg::LastUsed)} ": " {s.last_used_at.format("%d/%m/%Y %H:%M").to_string()}</td>
                            <td>
                                {if s.current {
                                    view! { <span class="badge">{move || i18n.t(Msg::ThisDevice)}</span> }.into_any()
                                } else {
                                    let id = s.id;
                                    view! {
                                        <button class="button secondary small" on:click=move |_| end(id)>
                                            {move || i18n.t(Msg::EndSession)}
                                        </button>
                                    }
                                        .into_any()
                                }}
                            </td>
                        </tr>
                    </For>
                </tbody>
            </table>
        </section>
    }
}
