//! The :3000 server: serves the SPA's built `dist/`, its runtime `/config.json`, a
//! `/health` probe, and proxies `/api/*` to the backend so the browser talks to one origin.

mod assets;
mod proxy;
mod security;

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use actix_web::{App, HttpResponse, HttpServer, get, middleware, web};
use anyhow::Context;
use shared::proxies::TrustedProxies;
use tracing_actix_web::TracingLogger;

use crate::assets::Assets;

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    pub dist: PathBuf,
    pub api_url: String,
    pub backend_url: url::Url,
    /// Proxies in front of this server (EasyPanel's Traefik) whose `X-Forwarded-*` headers
    /// are passed on to the backend; anyone else's are replaced. Nobody by default.
    pub trusted_proxies: TrustedProxies,
}

impl Settings {
    fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let bind = var("BIND").unwrap_or_else(|| format!("0.0.0.0:{}", var("PORT").unwrap_or_else(|| "3000".into())));
        let backend_url = var("BACKEND_URL").unwrap_or_else(|| "http://127.0.0.1:8000".into());
        Ok(Settings {
            bind,
            dist: var("DIST_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("frontend/app/dist")),
            api_url: var("API_URL").unwrap_or_else(|| "/api".into()),
            backend_url: url::Url::parse(&backend_url).with_context(|| format!("BACKEND_URL `{backend_url}`"))?,
            trusted_proxies: match var("TRUSTED_PROXIES") {
                Some(list) => TrustedProxies::parse(&list).map_err(anyhow::Error::msg).context("TRUSTED_PROXIES")?,
                None => TrustedProxies::none(),
            },
        })
    }
}

#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(serde_json::json!({"status": "ok"}))
}

/// Runtime settings for the SPA, so one built bundle runs behind any domain.
#[get("/config.json")]
async fn config_json(settings: web::Data<Settings>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-cache"))
        .json(serde_json::json!({"api_url": settings.api_url}))
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn"));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|f| f == "json");
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    if json {
        builder.json().init()
    } else {
        builder.init()
    }

    // `dealaai-frontend-server precompress DIR`: a build step, not the server.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [command, dir] = args.as_slice()
        && command == "precompress"
    {
        let count = assets::precompress(std::path::Path::new(dir))?;
        println!("precompressed {count} file(s) in {dir}");
        return Ok(());
    }

    let settings = Settings::from_env()?;
    let assets = Arc::new(Assets::load(&settings.dist)?);
    tracing::info!(files = assets.len(), dist = %settings.dist.display(), "loaded the SPA");
    let listener = TcpListener::bind(&settings.bind).with_context(|| format!("binding {}", settings.bind))?;
    tracing::info!(address = %settings.bind, backend = %settings.backend_url, "serving the frontend");

    let policy = security::ContentSecurityPolicy::for_app(&assets.inline_script_hashes(), &settings.api_url)?;
    let policy = web::Data::new(policy);
    let settings = web::Data::new(settings);
    let assets = web::Data::from(assets);
    HttpServer::new(move || {
        App::new()
            .app_data(settings.clone())
            .app_data(assets.clone())
            .app_data(policy.clone())
            // awc clients are per worker thread (not Send).
            .app_data(web::Data::new(proxy::client()))
            .app_data(web::PayloadConfig::default().limit(64 * 1024 * 1024))
            .service(health)
            .service(config_json)
            .service(web::scope("/api").default_service(web::to(proxy::forward)))
            .default_service(web::to(assets::serve))
            .wrap(middleware::from_fn(security::add_headers))
            .wrap(TracingLogger::default())
    })
    .shutdown_timeout(30)
    .listen(listener)?
    .run()
    .await?;
    Ok(())
}
