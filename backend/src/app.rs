//! Builds the HTTP server: middleware and routes over the [`AppState`]. `main` and the tests both
//! call [`run`], so the tests exercise exactly what production serves.

use std::net::TcpListener;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{self, Next};
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};

use crate::auth;
use crate::config::Config;
use crate::error::{self, ApiError};
use crate::state::AppState;
use crate::{assistant, cache, dashboard, health, json_body, nul_guard, openapi, org, stock, users};

/// Every route of the API, and so its OpenAPI document: a handler is registered with its
/// `#[utoipa::path]` description or not at all ([`utoipa_actix_web`]), and the document
/// lists exactly what is registered here ([`openapi::document`]).
pub fn api_routes(cfg: &mut ServiceConfig) {
    health::routes(cfg);
    auth::routes(cfg);
    users::routes(cfg);
    org::routes(cfg);
    stock::routes(cfg);
    dashboard::routes(cfg);
    assistant::routes(cfg);
}

/// Starts serving on `listener`; the returned server stops gracefully on SIGTERM/SIGINT,
/// finishing in-flight requests first.
pub fn run(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    tokio::spawn(state.follow_notifications());
    tokio::spawn(state.stock_index.clone().keep_current(state.pool.clone()));
    tokio::spawn(state.stock_index.clone().keep_codes_current(state.pool.clone()));
    tokio::spawn(cache::purge_periodically(state.pool.clone()));
    state.semantic.start_background(state.pool.clone(), state.config.embeddings_worker);
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        let app = App::new()
            .app_data(state.clone())
            // JSON bodies are read as bytes by `JsonBody`, within this limit.
            .app_data(web::PayloadConfig::new(json_body::JSON_LIMIT_BYTES))
            .app_data(web::QueryConfig::default().error_handler(error::query_error))
            .app_data(web::PathConfig::default().error_handler(error::path_error))
            .service(openapi::swagger_ui())
            .into_utoipa_app()
            .service(scope("/api").configure(api_routes))
            .into_app()
            .default_service(web::to(not_found))
            .wrap(middleware::from_fn(nul_guard::refuse_nul))
            .wrap(middleware::from_fn(check_host))
            .wrap(cors(&state.config))
            .wrap(middleware::Compress::default())
            .wrap(middleware::from_fn(security_headers))
            .wrap(TracingLogger::default());
        // Registering the routes also built their OpenAPI description, dropped just above:
        // give that memory back, or each worker keeps it as heap (+5 MB resident).
        release_freed_memory();
        app
    })
    .shutdown_timeout(30)
    .listen(listener)?
    .run();
    Ok(server)
}

fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: asks glibc to return free heap pages; it touches no memory in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// What no route answered: a path the API has, asked with another method (405 with `Allow`),
/// or no such path (404).
async fn not_found(req: actix_web::HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    match openapi::allowed_methods(req.path()) {
        Some(allowed) => Err(ApiError::MethodNotAllowed { allowed }),
        None => Err(ApiError::NotFound("resource")),
    }
}

fn cors(config: &Config) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .supports_credentials()
        .max_age(3600);
    for origin in &config.cors_allowed_origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// The API answers data, never pages: its policy lets nothing load or run. Swagger UI's
/// page has its own.
const API_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let policy = if req.path().starts_with(openapi::DOCS_PATH) {
        openapi::DOCS_CONTENT_SECURITY_POLICY
    } else {
        API_CONTENT_SECURITY_POLICY
    };
    let mut response = next.call(req).await?;
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::CONTENT_SECURITY_POLICY, policy),
    ] {
        response.headers_mut().insert(name, header::HeaderValue::from_static(value));
    }
    Ok(response)
}

/// Rejects requests for host names we do not serve (Host header attacks). The health check
/// is exempt: orchestrators probe it by container address.
async fn check_host(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().expect("AppState is registered");
    let host = auth::requested_host(req.request(), &state.config.trusted_proxies).to_owned();
    if req.path() != "/api/health/" && !state.config.allowed_hosts.allows(&host) {
        tracing::warn!(%host, "rejected request for a host that is not allowed");
        return Err(ApiError::InvalidHost.into());
    }
    next.call(req).await
}
