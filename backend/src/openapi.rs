//! The OpenAPI 3.1 document (`/api/openapi.json`) and Swagger UI (`/api/docs/`), whose
//! assets are compiled into the binary: nothing is fetched at build or run time.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(title = "DealaAI API", description = "Vehicle stock management for a group of Spanish car dealerships."),
    paths(
        crate::health::health,
        crate::auth::routes_doc::login,
        crate::auth::routes_doc::refresh,
        crate::auth::routes_doc::logout,
        crate::auth::routes_doc::me,
        crate::auth::routes_doc::update_me,
        crate::auth::routes_doc::change_password,
        crate::auth::routes_doc::logout_all,
        crate::auth::routes_doc::list_sessions,
        crate::auth::routes_doc::revoke_session,
        crate::users::routes_doc::list_users,
        crate::users::routes_doc::create_user,
        crate::users::routes_doc::get_user,
        crate::users::routes_doc::update_user,
        crate::users::routes_doc::deactivate_user,
        crate::users::routes_doc::set_password,
        crate::users::routes_doc::subordinates,
        crate::org::routes_doc::list_provinces,
        crate::org::routes_doc::create_province,
        crate::org::routes_doc::update_province,
        crate::org::routes_doc::delete_province,
        crate::org::routes_doc::list_dealers,
        crate::org::routes_doc::get_dealer,
        crate::org::routes_doc::create_dealer,
        crate::org::routes_doc::update_dealer,
        crate::org::routes_doc::delete_dealer,
        crate::org::routes_doc::list_profiles,
        crate::org::routes_doc::create_profile,
        crate::org::routes_doc::update_profile,
        crate::org::routes_doc::delete_profile,
        crate::stock::routes_doc::list_vehicles,
        crate::stock::routes_doc::facets,
        crate::search::routes_doc::search_vehicles,
        crate::search::routes_doc::export_ranked,
        crate::search::routes_doc::similar_vehicles,
        crate::stock::routes_doc::export_vehicles,
        crate::stock::routes_doc::import_vehicles,
        crate::stock::routes_doc::create_vehicle,
        crate::stock::routes_doc::get_vehicle,
        crate::stock::routes_doc::update_vehicle,
        crate::stock::routes_doc::delete_vehicle,
        crate::stock::routes_doc::vehicle_history,
        crate::dashboard::dashboard,
        crate::assistant::routes_doc::list_conversations,
        crate::assistant::routes_doc::create_conversation,
        crate::assistant::routes_doc::get_conversation,
        crate::assistant::routes_doc::rename_conversation,
        crate::assistant::routes_doc::delete_conversation,
        crate::assistant::routes_doc::post_message,
        crate::assistant::routes_doc::retry_answer,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "health"),
        (name = "auth", description = "Login, sessions, token refresh, one's own profile and password"),
        (name = "users", description = "People and their hierarchy"),
        (name = "organisation", description = "Provinces, dealerships and job profiles"),
        (name = "stock", description = "Vehicles in stock: list, ranked search by meaning and words, similar vehicles, facets, history, import and export"),
        (name = "dashboard", description = "KPIs, breakdowns, ageing and trends over the whole stock"),
        (name = "assistant", description = "The AI assistant: conversations, and answers from the stock streamed as Server-Sent Events"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", ApiDoc::openapi())
}
