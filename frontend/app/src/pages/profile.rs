//! "Mi perfil": one's own contact details, password and sessions.

use leptos::prelude::*;
use shared::FieldErrors;
use shared::user_agent::describe;
use shared::users::{ChangePasswordRequest, ProfileInput, SessionInfo, User};

use crate::api::Method;
use crate::components::form::{Feedback, FormStatus, TextField, field_errors, live_check, person_problems, request};
use crate::format;
use crate::i18n::{Lang, Msg, role_name, use_i18n};
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
    let feedback = Feedback::new();
    let (errors, status) = (feedback.errors, feedback.status);

    // The backend's rules, in the browser: shown on submit and followed as the user types.
    let validate = live_check(errors, move || {
        let mut problems = Vec::new();
        problems.extend(shared::validation::check_email(&email.get()).map(|p| ("email", p)));
        let dates = [("birth_date", String::new()), ("joining_date", String::new()), ("leaving_date", String::new())];
        problems.extend(person_problems(
            [("first_name", first_name.get()), ("last_name", last_name.get())],
            &mobile.get(),
            dates,
        ));
        field_errors(problems)
    });
    let update = request(
        feedback,
        move |body: &ProfileInput| {
            let body = body.clone();
            async move { session.api::<_, User>(Method::Patch, "/auth/me", Some(&body)).await }
        },
        move |user| {
            errors.set(FieldErrors::new());
            session.set_user(user);
            status.set(Some(Ok(Msg::Saved)));
        },
    );
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !validate() {
            status.set(Some(Err(Msg::CheckFields)));
            return;
        }
        let body = ProfileInput {
            first_name: Some(first_name.get_untracked()),
            last_name: Some(last_name.get_untracked()),
            email: Some(email.get_untracked()),
            mobile: Some(mobile.get_untracked()),
        };
        update.dispatch(body);
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
    let feedback = Feedback::new();
    let (errors, status) = (feedback.errors, feedback.status);

    let username = session.user().map(|user| user.username).unwrap_or_default();
    let username = StoredValue::new(username);
    // The backend's password rules, in the browser (it also refuses the most common passwords).
    let validate = live_check(errors, move || {
        let mut problems = Vec::new();
        if current.get().is_empty() {
            problems.push(("current_password", shared::FieldProblem::Required));
        }
        let rules = shared::validation::check_password(&new.get(), &username.get_value());
        problems.extend(rules.into_iter().map(|p| ("new_password", p)));
        let mut found = field_errors(problems);
        if new.get() != confirm.get() {
            found.insert("confirm_password".to_owned(), vec!["mismatch".to_owned()]);
        }
        found
    });
    let change = request(
        feedback,
        move |body: &ChangePasswordRequest| {
            let body = body.clone();
            async move { session.api_empty(Method::Post, "/auth/password", Some(&body)).await }
        },
        move |()| {
            errors.set(FieldErrors::new());
            for field in [current, new, confirm] {
                field.set(String::new());
            }
            status.set(Some(Ok(Msg::PasswordChanged)));
        },
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !validate() {
            let differ = errors.with_untracked(|e| e.len() == 1 && e.contains_key("confirm_password"));
            status.set(Some(Err(if differ { Msg::PasswordsDiffer } else { Msg::CheckFields })));
            return;
        }
        let body =
            ChangePasswordRequest { current_password: current.get_untracked(), new_password: new.get_untracked() };
        change.dispatch(body);
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

/// Sessions shown per page of the list.
const SESSIONS_PER_PAGE: usize = 10;

/// "Chrome · Windows": what a person recognises, not the raw `User-Agent` header.
fn device_name(user_agent: Option<&str>, lang: Lang) -> String {
    let device = describe(user_agent.unwrap_or_default());
    let browser = device.browser.unwrap_or(Msg::UnknownBrowser.text(lang));
    let system = device.system.unwrap_or(Msg::UnknownSystem.text(lang));
    format!("{browser} · {system}")
}

#[component]
fn SessionList() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let list = LocalResource::new(move || session.get::<Vec<SessionInfo>>("/auth/sessions"));
    let sessions = Signal::derive(move || list.get().and_then(Result::ok).unwrap_or_default());
    let page = RwSignal::new(1_usize);
    // Ending sessions may leave the page past the last one.
    Effect::new(move |_| {
        let last = sessions.with(|all| all.len().div_ceil(SESSIONS_PER_PAGE).max(1));
        page.update(|p| *p = (*p).min(last));
    });
    let feedback = Feedback::new();
    let ending = request(
        feedback,
        move |id: &i64| {
            let path = format!("/auth/sessions/{id}");
            async move { session.api_empty::<()>(Method::Delete, &path, None).await }
        },
        move |()| list.refetch(),
    );
    let end = move |id: i64| {
        ending.dispatch(id);
    };
    let last_page = move || sessions.with(|all| all.len().div_ceil(SESSIONS_PER_PAGE).max(1));
    let shown = move || {
        let skip = (page.get() - 1) * SESSIONS_PER_PAGE;
        sessions.with(|all| all.iter().skip(skip).take(SESSIONS_PER_PAGE).cloned().collect::<Vec<_>>())
    };
    view! {
        <section class="card session-list">
            <h2>{move || i18n.t(Msg::Sessions)}</h2>
            <FormStatus status=feedback.status />
            <div class="table-scroll">
                <table class="table sessions">
                    <thead>
                        <tr>
                            <th>{move || i18n.t(Msg::SessionDevice)}</th>
                            <th>{move || i18n.t(Msg::SessionPlace)}</th>
                            <th>{move || i18n.t(Msg::LastUsed)}</th>
                            <th><span class="visually-hidden">{move || i18n.t(Msg::EndSession)}</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=shown key=|s| s.id let:s>
                            <tr data-session=s.id>
                                <td class="session-device" title=s.user_agent.clone().unwrap_or_default()>
                                    {
                                        let user_agent = s.user_agent.clone();
                                        move || device_name(user_agent.as_deref(), i18n.lang())
                                    }
                                </td>
                                <td class="session-place">
                                    {
                                        let ip = s.ip.clone().filter(|ip| !ip.is_empty());
                                        move || ip.clone().unwrap_or_else(|| i18n.t(Msg::UnknownPlace).to_owned())
                                    }
                                </td>
                                <td class="session-time">
                                    {
                                        let at = s.last_used_at;
                                        move || format::date_time(at, i18n.lang())
                                    }
                                </td>
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
            </div>
            <Show when=move || { last_page() > 1 }>
                <nav class="pager session-pager" aria-label=move || i18n.t(Msg::Pages)>
                    <button class="button secondary small" data-page="previous" prop:disabled=move || { page.get() <= 1 }
                        on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))>
                        {move || i18n.t(Msg::Previous)}
                    </button>
                    <span class="muted">{move || format!("{} {} / {}", i18n.t(Msg::PageOf), page.get(), last_page())}</span>
                    <button class="button secondary small" data-page="next" prop:disabled=move || { page.get() >= last_page() }
                        on:click=move |_| page.update(|p| *p = (*p + 1).min(last_page()))>
                        {move || i18n.t(Msg::Next)}
                    </button>
                </nav>
            </Show>
        </section>
    }
}
