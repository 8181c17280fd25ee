use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::components::form::{Feedback, request};
use crate::i18n::{Msg, use_i18n};
use crate::layout::LanguageSwitch;
use crate::session::{AuthState, use_session};

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map();

    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submitted = RwSignal::new(false);
    let feedback = Feedback::new();
    let login = request(
        feedback,
        move |(name, secret): &(String, String)| {
            let (name, secret) = (name.clone(), secret.clone());
            async move {
                let result = session.login(name, secret).await;
                if result.is_err() {
                    // The password is cleared for the next try, not missing: only the real error shows.
                    submitted.set(false);
                    password.set(String::new());
                }
                result
            }
        },
        // Logged in: the effect below takes the user on.
        |()| {},
    );
    let pending = login.pending();

    let next =
        move || query.with_untracked(|q| q.get("next")).filter(|n| is_local_path(n)).unwrap_or_else(|| "/".into());

    // Already logged in (or just logged in): go where the user was heading.
    Effect::new(move |_| {
        if let AuthState::LoggedIn { .. } = session.state() {
            navigate(&next(), NavigateOptions { replace: true, ..Default::default() });
        }
    });

    let notice = move || match session.state() {
        AuthState::Anonymous { notice } => notice,
        _ => None,
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        feedback.clear();
        if username.get_untracked().trim().is_empty() || password.get_untracked().is_empty() {
            return;
        }
        login.dispatch((username.get_untracked().trim().to_owned(), password.get_untracked()));
    };

    let missing = move |field: RwSignal<String>| submitted.get() && field.with(|v| v.trim().is_empty());

    view! {
        <div class="login-page">
            <form class="card login-card" on:submit=on_submit novalidate=true>
                <div class="login-header">
                    <h1 class="brand">{move || i18n.t(Msg::AppName)}</h1>
                    <LanguageSwitch />
                </div>
                <p class="tagline">{move || i18n.t(Msg::Tagline)}</p>
                <h2>{move || i18n.t(Msg::SignIn)}</h2>
                {move || notice().map(|msg| view! { <p class="notice" role="status">{move || i18n.t(msg)}</p> })}
                <label for="username">{move || i18n.t(Msg::Username)}</label>
                <input id="username" name="username" type="text" autocomplete="username" autofocus=true
                    aria-invalid=move || missing(username).to_string()
                    bind:value=username />
                <Show when=move || missing(username)>
                    <p class="field-error">{move || i18n.t(Msg::FieldRequired)}</p>
                </Show>
                <label for="password">{move || i18n.t(Msg::Password)}</label>
                <input id="password" name="password" type="password" autocomplete="current-password"
                    aria-invalid=move || missing(password).to_string()
                    bind:value=password />
                <Show when=move || missing(password)>
                    <p class="field-error">{move || i18n.t(Msg::FieldRequired)}</p>
                </Show>
                {move || feedback.status.get().and_then(Result::err).map(|msg| view! {
                    <p class="form-error" role="alert">{move || i18n.t(msg)}</p>
                })}
                <button class="button primary" type="submit" disabled=move || pending.get()>
                    {move || if pending.get() { i18n.t(Msg::SigningIn) } else { i18n.t(Msg::SignIn) }}
                </button>
            </form>
        </div>
    }
}

/// Whether `next` is a path on this site: `//host` and `/\host` (which browsers read as
/// `//host`) would send the user to another origin, and control characters have no place in it.
fn is_local_path(next: &str) -> bool {
    next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::is_local_path;

    #[test]
    fn only_same_site_paths_are_followed() {
        assert!(is_local_path("/stock"));
        assert!(is_local_path("/users/3"));
        for foreign in ["https://evil.example", "//evil.example", "/\\evil.example", "/\tevil", "stock", ""] {
            assert!(!is_local_path(foreign), "{foreign:?}");
        }
    }
}
