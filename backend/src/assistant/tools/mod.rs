//! The assistant's tools: a fixed set of typed, read-only questions to the stock, answered by
//! the same code as the stock list, the search and the dashboard. Never model-written SQL.
//! Each call runs in its own READ ONLY transaction with a statement timeout, and only for a
//! caller who may read the stock: the assistant sees what its user sees, no more.

pub mod args;
mod queries;
pub mod specs;

use diesel_async::{AsyncConnection, SimpleAsyncConnection};
use shared::Permission;

pub use args::*;

use crate::error::ApiError;
use crate::state::AppState;
use crate::users::UserRow;

/// How long one tool's SQL may run: a question that needs longer is refused, not queued.
const STATEMENT_TIMEOUT: &str = "5s";

/// Why a call gave no result; the text goes back to the model, which may correct itself.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("{0}")]
    Refused(String),
    #[error("the tool failed: {0}")]
    Failed(String),
}

impl From<diesel::result::Error> for ToolError {
    fn from(error: diesel::result::Error) -> Self {
        ToolError::from(ApiError::from(error))
    }
}

impl From<ApiError> for ToolError {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Validation(fields) => ToolError::Refused(format!(
                "invalid arguments: {}",
                fields
                    .iter()
                    .map(|(field, problems)| format!("{field} ({})", problems.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            ApiError::Forbidden => ToolError::Refused("the user may not read the stock".into()),
            ApiError::Unavailable(what) => ToolError::Failed(format!("{what} is unavailable")),
            ApiError::NotFound(what) => ToolError::Refused(format!("{what} not found")),
            other => {
                tracing::warn!(error = %other, "assistant tool failed");
                ToolError::Failed("the database could not answer in time".into())
            }
        }
    }
}

/// Runs one call for `user`. Meaning search embeds its text first (no connection held while
/// the model works); everything else is one read-only transaction.
pub async fn run(state: &AppState, user: &UserRow, request: &ToolRequest) -> Result<ToolOutput, ToolError> {
    if !user.role().can(Permission::ReadStock) {
        return Err(ApiError::Forbidden.into());
    }
    let today = state.config.today();
    let prepared = match request {
        ToolRequest::SemanticSearch(args) => Some(queries::prepare_semantic(state, args).await?),
        _ => None,
    };
    let _turn = state.assistant.tool_turn().await;
    let mut conn = state.pool.get().await.map_err(ApiError::from)?;
    let output = conn
        .transaction(async |conn| {
            conn.batch_execute(&format!(
                "SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'"
            ))
            .await?;
            let output = match request {
                ToolRequest::SearchVehicles(args) => ToolOutput::Search(queries::search(conn, args, today).await?),
                ToolRequest::AggregateStock(args) => {
                    ToolOutput::Aggregate(queries::aggregate(conn, args, today).await?)
                }
                ToolRequest::SemanticSearch(args) => {
                    let prepared = prepared.as_ref().expect("prepared above");
                    ToolOutput::Semantic(queries::semantic(conn, state, args, prepared, today).await?)
                }
                ToolRequest::GetVehicle(args) => ToolOutput::Vehicle(queries::vehicle(conn, args, today).await?),
                ToolRequest::DashboardFigures(args) => {
                    ToolOutput::Dashboard(queries::dashboard(conn, args, &state.config).await?)
                }
                ToolRequest::StockHistory(args) => ToolOutput::History(queries::history(conn, args, today).await?),
            };
            Ok::<_, ToolError>(output)
        })
        .await?;
    Ok(output)
}
