//! `GET /api/health/`: what EasyPanel and the Docker health check poll.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use diesel_async::RunQueryDsl;
use shared::health::{ComponentStatus, HealthResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health);
}

/// Reports whether the API and its database answer: 200, or 503 while PostgreSQL is down.
/// The pool reconnects by itself, so the status returns to 200 when the database does.
#[utoipa::path(
    get, tag = "health",
    responses(
        (status = 200, body = HealthResponse),
        (status = 503, description = "The database is unavailable", body = HealthResponse),
    )
)]
#[get("/health/")]
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let database = match tokio::time::timeout(Duration::from_secs(3), ping(&state)).await {
        Ok(Ok(())) => ComponentStatus::Ok,
        Ok(Err(error)) => {
            tracing::warn!(%error, "health check: database unavailable");
            ComponentStatus::Unavailable
        }
        Err(_) => ComponentStatus::Unavailable,
    };
    let ok = database == ComponentStatus::Ok;
    let body = HealthResponse {
        status: if ok { "ok" } else { "degraded" }.to_owned(),
        database,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        timestamp: chrono::Utc::now(),
    };
    let mut response = if ok { HttpResponse::Ok() } else { HttpResponse::ServiceUnavailable() };
    response.insert_header(("Cache-Control", "no-store")).json(body)
}

async fn ping(state: &AppState) -> anyhow::Result<()> {
    let mut conn = state.pool.get().await?;
    diesel::sql_query("SELECT 1").execute(&mut conn).await?;
    Ok(())
}
