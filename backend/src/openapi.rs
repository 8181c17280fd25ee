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
    ),
    modifiers(&BearerAuth),
    tags((name = "health"), (name = "auth", description = "Login, token refresh and logout"))
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
