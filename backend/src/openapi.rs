//! The OpenAPI 3.1 document (`/api/openapi.json`) and Swagger UI (`/api/docs/`), whose
//! assets are compiled into the binary: nothing is fetched at build or run time.

use std::sync::OnceLock;

use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(title = "DealaAI API", description = "Vehicle stock management for a group of Spanish car dealerships."),
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
struct ApiDoc;

/// The document: the paths of every route [`crate::app::api_routes`] registers (collected as
/// they are registered, so nothing is listed twice), with the title, tags and the additions
/// below. Built when asked, not kept: Swagger UI holds its copy, and the 405 answers keep only
/// each path's methods.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, routes) = actix_web::App::new()
        .into_utoipa_app()
        .service(utoipa_actix_web::scope("/api").configure(crate::app::api_routes))
        .split_for_parts();
    let mut document = ApiDoc::openapi().merge_from(routes);
    let additions: [&dyn Modify; 4] = [&BearerAuth, &FirstParameterWins, &CommonErrors, &EventStreams];
    for addition in additions {
        addition.modify(&mut document);
    }
    document
}

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

/// A handler may list a parameter before a struct that has it too (the search's required `q`
/// before the stock query's optional one); utoipa keeps both, so the first one stays.
struct FirstParameterWins;

impl Modify for FirstParameterWins {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for (_, operation) in operations(item) {
                let Some(parameters) = operation.as_mut().and_then(|o| o.parameters.as_mut()) else { continue };
                let mut seen = Vec::new();
                parameters.retain(|p| {
                    let key = (p.name.clone(), p.parameter_in.clone());
                    let first = !seen.contains(&key);
                    seen.push(key);
                    first
                });
            }
        }
    }
}

/// The error answers that come from the layers every request crosses (host check, token,
/// extractors, body limit, database pool) rather than from one handler: added to each
/// operation where they can happen, with the one error shape, unless the handler already
/// describes that status itself.
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            // Orchestrators probe the health check by address: it has no host check, no
            // parameters, and documents its own 503.
            let health = path == "/api/health/";
            for (_, operation) in operations(item) {
                let Some(operation) = operation else { continue };
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let has_body = operation.request_body.is_some();
                let has_query = operation.parameters.iter().flatten().any(|p| p.parameter_in == ParameterIn::Query);
                let responses = &mut operation.responses.responses;
                let mut add = |status: &str, applies: bool, description: &str| {
                    if applies {
                        responses.entry(status.to_owned()).or_insert_with(|| error_response(description));
                    }
                };
                add(
                    "400",
                    !health,
                    "A malformed request: a path parameter of the wrong type, a body that is not JSON, a NUL \
                     character in the path, or a host name this server does not serve",
                );
                add("401", secured, "No valid access token: missing, malformed, expired, or of an ended session");
                add("413", has_body, "The request body is too large");
                add("422", has_body || has_query, "Invalid parameters or fields, each named in `fields`");
                add("503", !health, "The database is unreachable; nothing was written, the request may be retried");
            }
        }
    }
}

/// An event stream's `schema` describes one event as it travels, as OpenAPI 3.2 has it (and
/// clients and schemathesis read 3.1 documents the same way): its `event` name, and its `data`,
/// JSON text of the schema the handler names.
struct EventStreams;

impl Modify for EventStreams {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for (_, operation) in operations(item) {
                let responses = operation.iter_mut().flat_map(|o| o.responses.responses.values_mut());
                for response in responses {
                    let RefOr::T(response) = response else { continue };
                    if let Some(content) = response.content.get_mut("text/event-stream")
                        && let Some(data) = content.schema.take()
                    {
                        content.schema = Some(server_sent_event(data));
                    }
                }
            }
        }
    }
}

fn server_sent_event(data: RefOr<Schema>) -> RefOr<Schema> {
    // utoipa has no `contentSchema` (JSON Schema 2020-12): added as an "extension" key, which
    // `from_iter` keeps as it is (the builder would prefix it with `x-`).
    let content_schema = Extensions::from_iter([("contentSchema", serde_json::to_value(data).expect("a schema"))]);
    let data = ObjectBuilder::new()
        .schema_type(Type::String)
        .content_media_type("application/json")
        .extensions(Some(content_schema));
    ObjectBuilder::new()
        .property("event", ObjectBuilder::new().schema_type(Type::String))
        .property("data", data)
        .required("event")
        .required("data")
        .into()
}

fn error_response(description: &str) -> RefOr<Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
    ResponseBuilder::new().description(description).content("application/json", content).build().into()
}

/// A path's operations by method, in the order an `Allow` header lists them.
fn operations(item: &mut PathItem) -> [(&'static str, &mut Option<Operation>); 8] {
    [
        ("GET", &mut item.get),
        ("HEAD", &mut item.head),
        ("POST", &mut item.post),
        ("PUT", &mut item.put),
        ("PATCH", &mut item.patch),
        ("DELETE", &mut item.delete),
        ("OPTIONS", &mut item.options),
        ("TRACE", &mut item.trace),
    ]
}

/// The methods the API serves at `path`, as an `Allow` header value, if the document declares
/// the path at all: a request with another method is then answered 405, not 404.
pub fn allowed_methods(path: &str) -> Option<String> {
    static ROUTES: OnceLock<Vec<(String, Vec<&'static str>)>> = OnceLock::new();
    let routes = ROUTES.get_or_init(|| {
        let mut document = document();
        document
            .paths
            .paths
            .iter_mut()
            .map(|(template, item)| {
                let methods = operations(item).into_iter().filter(|(_, o)| o.is_some()).map(|(m, _)| m).collect();
                (template.clone(), methods)
            })
            .collect()
    });
    // `/api/stock/search` also matches `/api/stock/{vin}`: the path is the one with the most
    // fixed segments, as the document (and a client reading it) sees it.
    let fixed = |template: &str| template.split('/').filter(|s| !s.starts_with('{')).count();
    let matching: Vec<&(String, Vec<&str>)> = routes.iter().filter(|(t, _)| matches_template(t, path)).collect();
    let most_fixed = matching.iter().map(|(t, _)| fixed(t)).max()?;
    let allowed: Vec<&str> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
        .into_iter()
        .filter(|m| matching.iter().any(|(t, methods)| fixed(t) == most_fixed && methods.contains(m)))
        .collect();
    Some(allowed.join(", "))
}

/// `/api/stock/{vin}` matches `/api/stock/ABC` (a `{parameter}` is one non-empty segment).
fn matches_template(template: &str, path: &str) -> bool {
    let (template, path): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    template.len() == path.len()
        && template.iter().zip(&path).all(|(t, p)| *t == *p || (t.starts_with('{') && !p.is_empty()))
}

/// Where Swagger UI is served.
pub const DOCS_PATH: &str = "/api/docs/";

/// What Swagger UI's page needs: its own scripts and styles, the data: images of its
/// stylesheet, and calls to the API. Nothing inline runs and nothing else loads.
pub const DOCS_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; \
     base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

pub fn swagger_ui() -> SwaggerUi {
    // Without the standalone top bar: its logo's inline styles break the CSP, and its badge
    // would send the document's address to swagger.io for an image.
    let config = utoipa_swagger_ui::Config::default().use_base_layout();
    SwaggerUi::new(format!("{DOCS_PATH}{{_:.*}}")).url("/api/openapi.json", document()).config(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_whole_segments() {
        assert!(matches_template("/api/stock/{vin}", "/api/stock/VSSZZZ6JZ9R123456"));
        assert!(matches_template("/api/health/", "/api/health/"));
        assert!(!matches_template("/api/stock/{vin}", "/api/stock/"));
        assert!(!matches_template("/api/stock/{vin}", "/api/stock/A/B"));
        assert!(!matches_template("/api/health/", "/api/health"));
    }

    #[test]
    fn a_declared_path_lists_its_methods_and_an_unknown_one_none() {
        assert_eq!(allowed_methods("/api/stock/ABC").as_deref(), Some("GET, PATCH, DELETE"));
        assert_eq!(allowed_methods("/api/stock").as_deref(), Some("GET, POST"));
        assert_eq!(allowed_methods("/api/stock/search").as_deref(), Some("GET"), "not those of `{{vin}}`");
        assert_eq!(allowed_methods("/api/nothing"), None);
    }
}
