//! The frame around every logged-in page: sidebar navigation and a top bar with the user.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::{use_location, use_navigate};

use shared::Permission;

use crate::i18n::{Lang, Msg, use_i18n};
use crate::session::{AuthState, use_session};

/// Renders its child routes only for a logged-in user; anyone else goes to the login
/// page, which brings them back here afterwards.
#[component]
pub fn ProtectedLayout() -> impl IntoView {
    let session = use_session();
    let i18n = use_i18n();
    let navigate = use_navigate();
    let location = use_location();

    Effect::new(move |_| {
        if let AuthState::Anonymous { notice } = session.state() {
            let here = location.pathname.get_untracked();
            // After a logout the next person to log in starts afresh, not on this user's page.
            let target = if here == "/" || notice == Some(Msg::LoggedOut) {
                "/login".to_owned()
            } else {
                format!("/login?next={}", encode(&here))
            };
            navigate(&target, NavigateOptions { replace: true, ..Default::default() });
        }
    });

    // On a phone the navigation folds behind a menu button; choosing a page folds it again.
    let nav_open = RwSignal::new(false);
    Effect::new(move |_| {
        location.pathname.track();
        nav_open.set(false);
    });

    move || match session.state() {
        AuthState::LoggedIn { user, .. } => {
            let role = user.role;
            // An admin can switch the assistant off for one user.
            let chat_enabled = user.chat_enabled;
            view! {
            <div class="shell">
                <aside class="sidebar" class:nav-open=move || nav_open.get()>
                    <div class="sidebar-head">
                        <div class="brand">{move || i18n.t(Msg::AppName)}</div>
                        <button type="button" class="button secondary small menu-button" id="menu-button"
                            aria-controls="main-nav" aria-expanded=move || nav_open.get().to_string()
                            on:click=move |_| nav_open.update(|open| *open = !*open)>
                            <span aria-hidden="true">"☰ "</span>{move || i18n.t(Msg::Menu)}
                        </button>
                    </div>
                    // A click on the current page's link changes no path: close here too.
                    <nav id="main-nav" aria-label=move || i18n.t(Msg::MainNavigation) on:click=move |_| nav_open.set(false)>
                        <A href="/" exact=true>{move || i18n.t(Msg::Dashboard)}</A>
                        <Show when=move || role.can(Permission::ReadStock)>
                            <A href="/stock" exact=true>{move || i18n.t(Msg::Stock)}</A>
                        </Show>
                        <Show when=move || role.can(Permission::WriteStock)>
                            <A href="/stock/import">{move || i18n.t(Msg::Import)}</A>
                        </Show>
                        <Show when=move || role.can(Permission::UseChat) && chat_enabled>
                            <A href="/assistant">{move || i18n.t(Msg::Assistant)}</A>
                        </Show>
                        // Only what the role allows; the API checks again on every call.
                        <Show when=move || role.can(Permission::ViewTeam)>
                            <A href="/users">{move || i18n.t(Msg::Users)}</A>
                        </Show>
                        <Show when=move || role.can(Permission::ManageOrganisation)>
                            <A href="/organisation">{move || i18n.t(Msg::Organisation)}</A>
                        </Show>
                        <A href="/profile">{move || i18n.t(Msg::MyProfile)}</A>
                    </nav>
                </aside>
                <div class="main">
                    <header class="topbar">
                        <LanguageSwitch />
                        <span class="user-name">{user.display_name()}</span>
                        <button class="button secondary logout" on:click=move |_| spawn_local(session.logout())>
                            {move || i18n.t(Msg::Logout)}
                        </button>
                    </header>
                    <main class="content">
                        <Outlet />
                    </main>
                </div>
            </div>
            }
            .into_any()
        }
        _ => view! { <div class="loading" aria-busy="true">{move || i18n.t(Msg::Loading)}</div> }.into_any(),
    }
}

#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label class="language">
            <span class="visually-hidden">{move || i18n.t(Msg::Language)}</span>
            <select on:change=move |ev| {
                i18n.set_lang(if event_target_value(&ev) == "en" { Lang::En } else { Lang::Es })
            }>
                <option value="es" selected=move || i18n.lang() == Lang::Es>"Español"</option>
                <option value="en" selected=move || i18n.lang() == Lang::En>"English"</option>
            </select>
        </label>
    }
}

/// Percent-encodes a path for a query parameter.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
