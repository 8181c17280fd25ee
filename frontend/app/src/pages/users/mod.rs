//! User administration: a searchable, paginated list ([`UsersPage`]), and the create/edit form
//! with the password reset and the team view ([`form`]).

mod form;

pub use form::UserFormPage;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use shared::users::{Role, User};
use shared::{Page, Permission};

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
