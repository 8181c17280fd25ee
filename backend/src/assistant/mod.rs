//! The AI assistant: answers questions about the stock from the stock itself. A model (the
//! embedded planner by default, or any OpenAI-compatible API) asks for typed, read-only
//! [`tools`]; the answer streams as Server-Sent Events, quotes only what the tools returned
//! ([`grounding`]), and is stored with its tool calls in the user's conversation.

mod chat;
mod embedded;
pub mod grounding;
mod handlers;
pub mod model;
pub mod openai;
pub mod planner;
mod store;
pub mod tools;

use std::sync::Arc;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::config::{ChatProvider, Config};
use crate::db::DbPool;
use model::ChatModel;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/assistant")
            .service(handlers::list_conversations)
            .service(handlers::create_conversation)
            .service(handlers::get_conversation)
            .service(handlers::rename_conversation)
            .service(handlers::delete_conversation)
            .service(handlers::post_message)
            .service(handlers::retry_answer),
    );
}

/// Tool calls this process runs at once; the others wait their turn. A flood of questions
/// then queues here instead of as parallel scans that all hit the statement timeout.
const CONCURRENT_TOOLS: usize = 4;

/// The model this process answers with.
#[derive(Clone)]
pub struct Assistant {
    model: Arc<dyn ChatModel>,
    tool_turns: Arc<tokio::sync::Semaphore>,
}

impl Assistant {
    pub fn from_config(config: &Arc<Config>, pool: DbPool) -> Self {
        let model: Arc<dyn ChatModel> = match &config.assistant.provider {
            ChatProvider::Embedded => Arc::new(embedded::EmbeddedPlanner::new(pool, config.clone())),
            ChatProvider::OpenAi(settings) => Arc::new(openai::OpenAiChatModel::new(settings)),
        };
        Assistant { model, tool_turns: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_TOOLS)) }
    }

    /// Waits for a turn to run a tool call.
    pub async fn tool_turn(&self) -> tokio::sync::SemaphorePermit<'_> {
        self.tool_turns.acquire().await.expect("never closed")
    }

    pub fn model(&self) -> Arc<dyn ChatModel> {
        self.model.clone()
    }
}
