//! What every handler shares: configuration, the pool, and what this process keeps in memory.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::auth::{self, tokens::JwtKeys};
use crate::config::Config;
use crate::db::DbPool;
use crate::{assistant, cache, search, stock};

/// Everything a handler needs. Holds nothing the database cannot rebuild (its memory only
/// copies the database): any replica can serve any request.
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: DbPool,
    pub jwt: JwtKeys,
    /// Cached answers of costly reads (in memory, then in PostgreSQL).
    pub answers: cache::Answers,
    /// The stock's filter and sort columns in memory: the list's order and counts and the facets.
    pub stock_index: Arc<stock::index::StockIndex>,
    /// Recently checked sessions, so most requests authenticate without the database.
    pub callers: auth::Callers,
    /// The embedding model of semantic search, if one is available.
    pub semantic: search::Semantic,
    /// Who writes the assistant's answers.
    pub assistant: assistant::Assistant,
}

impl AppState {
    pub fn new(config: Config, pool: DbPool) -> Self {
        let jwt = JwtKeys::new(config.secret_key.expose().as_bytes(), config.access_token_ttl);
        let answers = cache::Answers::new(config.cache_ttl);
        let semantic = search::Semantic::from_config(&config);
        // The index keeps the vectors of the model this process searches with.
        let model = semantic.embedder().ok().map(|embedder| embedder.model_id().to_owned());
        let stock_index = Arc::new(stock::index::StockIndex::new(
            answers.generation().clone(),
            config.stock_index_max_vehicles,
            model,
        ));
        let config = Arc::new(config);
        let assistant = assistant::Assistant::from_config(&config, pool.clone());
        AppState { config, pool, jwt, answers, stock_index, callers: auth::Callers::default(), semantic, assistant }
    }

    /// Hears the database's notifications that what this process keeps in memory changed;
    /// until then (and whenever the connection is lost) the memory is bypassed.
    pub(crate) fn follow_notifications(&self) -> impl Future<Output = ()> + 'static {
        cache::listener::follow(
            self.config.database_url.expose().to_owned(),
            vec![
                (cache::listener::ANSWERS_CHANNEL, self.answers.generation().clone()),
                (cache::listener::CALLERS_CHANNEL, self.callers.generation().clone()),
            ],
        )
    }
}

/// Route middleware for writes that can change cached answers (the stock and the names it
/// shows): after serving one, this process forgets the answers it keeps in memory at once, as
/// the database's notification of the change may arrive after the writer's next request.
pub async fn forget_answers_after_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    forget_after_writes(req, next, |state| state.answers.forget()).await
}

/// Route middleware for writes that can end a session or change a user: after serving one,
/// this process forgets the sessions it checked (see [`forget_answers_after_writes`]).
pub async fn forget_callers_after_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    forget_after_writes(req, next, |state| state.callers.forget()).await
}

async fn forget_after_writes<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
    forget: fn(&AppState),
) -> Result<ServiceResponse<B>, actix_web::Error> {
    // Reads, the hot path, only pay for the method check.
    let state = (!req.method().is_safe()).then(|| req.app_data::<web::Data<AppState>>().cloned()).flatten();
    let response = next.call(req).await;
    if let Some(state) = state {
        forget(&state);
    }
    response
}
