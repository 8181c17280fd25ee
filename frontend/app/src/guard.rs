//! What the logged-in user's role may do, read from the shared permission table. Routes
//! that need a permission are wrapped in [`guard`], so a page a role may not use is refused
//! in one place instead of offering forms the API would refuse (it checks again anyway).

use leptos::prelude::*;
use shared::Permission;

use crate::i18n::{Msg, use_i18n};
use crate::session::{Session, use_session};

/// Whether the logged-in user may do this (the API checks again on every call).
/// Read once when a page is built: the layout renders pages only for a logged-in user.
pub fn allowed(session: Session, permission: Permission) -> bool {
    untrack(|| session.user()).is_some_and(|user| user.role.can(permission))
}

/// A route's view: `page` for a role that has `permission`, a refusal for anyone else.
pub fn guard<V: IntoView + 'static>(
    permission: Permission,
    page: fn() -> V,
) -> impl Fn() -> AnyView + Clone + Send + Sync + 'static {
    move || {
        if allowed(use_session(), permission) { page().into_any() } else { view! { <Refused /> }.into_any() }
    }
}

#[component]
fn Refused() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page refused">
            <p class="form-error" role="alert">{move || i18n.t(Msg::PageForbidden)}</p>
            <p>
                <a class="button secondary" href="/">{move || i18n.t(Msg::BackToDashboard)}</a>
            </p>
        </section>
    }
}
