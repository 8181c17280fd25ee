use leptos::prelude::*;

use crate::i18n::{Msg, use_i18n};
use crate::session::use_session;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let first_name = move || session.user().map(|u| u.display_name()).unwrap_or_default();
    view! {
        <section class="page">
            <h1>{move || i18n.t(Msg::Dashboard)}</h1>
            <p class="welcome">{move || i18n.t(Msg::Welcome)} ", " {first_name}</p>
            <div class="empty-state">{move || i18n.t(Msg::DashboardEmpty)}</div>
        </section>
    }
}
