//! The DealaAI single-page app: Leptos (client-side rendering), built by Trunk.

mod api;
mod components;
mod events;
mod format;
mod guard;
mod i18n;
mod layout;
mod pages;
mod session;

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;
use shared::Permission;

use crate::guard::guard;
use crate::i18n::{I18n, Msg};

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    let i18n = I18n::provide();
    session::Session::provide();
    view! {
        <Router>
            <Routes fallback=move || view! { <p class="not-found">{move || i18n.t(Msg::PageNotFound)}</p> }>
                <Route path=path!("/login") view=pages::login::LoginPage />
                // Routes that need a permission go through `guard`, which refuses the page to other roles.
                <ParentRoute path=path!("") view=layout::ProtectedLayout>
                    <Route path=path!("") view=pages::dashboard::DashboardPage />
                    <Route path=path!("/profile") view=pages::profile::ProfilePage />
                    <Route path=path!("/users") view=guard(Permission::ViewTeam, pages::users::UsersPage) />
                    <Route path=path!("/users/new") view=guard(Permission::ManageUsers, pages::users::UserFormPage) />
                    <Route path=path!("/users/:id") view=guard(Permission::ManageUsers, pages::users::UserFormPage) />
                    <Route path=path!("/organisation")
                        view=guard(Permission::ManageOrganisation, pages::organisation::OrganisationPage) />
                    <Route path=path!("/stock") view=pages::stock::StockPage />
                    <Route path=path!("/stock/new") view=guard(Permission::WriteStock, pages::stock::NewVehiclePage) />
                    <Route path=path!("/stock/import") view=guard(Permission::WriteStock, pages::stock::ImportPage) />
                    <Route path=path!("/stock/:vin") view=pages::stock::VehiclePage />
                    // One route for the list and a conversation: asking from `/assistant` opens the
                    // new conversation without remounting the page (and cutting its stream).
                    <Route path=path!("/assistant/:id?") view=guard(Permission::UseChat, pages::assistant::AssistantPage) />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
