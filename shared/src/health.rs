use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    Ok,
    Unavailable,
}

/// `GET /api/health/`: 200 when everything answers, 503 otherwise.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthResponse {
    /// `ok` or `degraded`.
    pub status: String,
    pub database: ComponentStatus,
    pub version: String,
    pub timestamp: chrono::DateTime<chrono::Utc>,
}
