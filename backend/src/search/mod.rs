//! Semantic and hybrid stock search. Each vehicle's descriptive text (its "passage", built by
//! the SQL function `vehicle_passage`) is embedded once per distinct text by a background
//! worker; searches embed the query and walk an HNSW index under the stock list's filters,
//! alone or fused with the text search. See migration 2026-12-02-000014 for the tables,
//! backend/sql/01_text.sql and 06_semantic_search.sql for the passage and its queue.

pub mod codes;
pub mod e5;
pub mod embedder;
mod handlers;
pub mod openai;
pub mod ranking;
pub mod store;
pub mod worker;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use utoipa_actix_web::service_config::ServiceConfig;

pub use embedder::{Embedder, TextRole};

use crate::config::{Config, EmbeddingsProvider};
use crate::db::DbPool;
use crate::error::ApiError;

pub(crate) use handlers::{PreparedSearch, prepare, rank_on};

/// Registered inside the `/stock` scope, before `/{vin}` so `search` is not read as a VIN.
pub fn stock_routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::search_vehicles).service(handlers::export_ranked).service(handlers::similar_vehicles);
}

/// Query vectors kept per process: paging, sorting or refining the filters of one search
/// embeds its text once (embedding is most of a search's time).
const QUERY_CACHE_ENTRIES: usize = 4096;

/// The embedder this process searches with, or why there is none.
#[derive(Clone)]
pub struct Semantic {
    embedder: Result<Arc<dyn Embedder>, String>,
    queries: Arc<Mutex<HashMap<String, Arc<Vec<f32>>>>>,
}

impl Semantic {
    /// Loads the configured model. A missing or corrupt model is logged once with what to do,
    /// and semantic search is then unavailable while the text search keeps working.
    pub fn from_config(config: &Config) -> Self {
        let embedder: Result<Arc<dyn Embedder>, String> = match &config.embeddings {
            EmbeddingsProvider::Embedded { model_path } => embedded_model(model_path),
            EmbeddingsProvider::OpenAi(settings) => Ok(Arc::new(openai::OpenAiEmbedder::new(settings))),
            EmbeddingsProvider::Disabled => Err("semantic search is disabled (EMBEDDINGS_PROVIDER=none)".to_owned()),
        };
        if let Err(reason) = &embedder {
            tracing::warn!(%reason, "semantic search unavailable; text search still works");
        }
        Semantic { embedder, queries: Default::default() }
    }

    /// The vector of a search's text, from this process's cache when it was asked before.
    pub async fn embed_query(&self, text: &str) -> Result<Arc<Vec<f32>>, embedder::EmbedError> {
        let embedder = self.embedder.as_ref().map_err(|reason| embedder::EmbedError::Provider(reason.clone()))?;
        if let Some(vector) = self.queries.lock().expect("not poisoned").get(text) {
            return Ok(vector.clone());
        }
        let texts = [text.to_owned()];
        let vector = Arc::new(embedder.embed(&texts, TextRole::Query).await?.remove(0));
        let mut queries = self.queries.lock().expect("not poisoned");
        if queries.len() >= QUERY_CACHE_ENTRIES {
            // Wholesale: cheaper than tracking recency, and refilled within seconds in use.
            queries.clear();
        }
        queries.insert(text.to_owned(), vector.clone());
        Ok(vector)
    }

    pub fn embedder(&self) -> Result<&Arc<dyn Embedder>, ApiError> {
        self.embedder.as_ref().map_err(|_| ApiError::Unavailable("semantic search"))
    }

    pub fn unavailable_reason(&self) -> Option<&str> {
        self.embedder.as_ref().err().map(String::as_str)
    }

    /// Adopts this process's model (re-embedding everything if it changed), then runs the
    /// worker if configured. Retries while the database is unreachable.
    pub fn start_background(&self, pool: DbPool, run_worker: bool) {
        let Ok(embedder) = self.embedder.clone() else { return };
        tokio::spawn(async move {
            loop {
                match adopt(&pool, &*embedder).await {
                    Ok(()) => break,
                    Err(error) => {
                        tracing::warn!(%error, "could not record the embedding model; retrying");
                        tokio::time::sleep(Duration::from_secs(5)).await;
                    }
                }
            }
            if run_worker {
                worker::spawn(pool, embedder);
            }
        });
    }
}

async fn adopt(pool: &DbPool, embedder: &dyn Embedder) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    if let store::Adoption::Adopted { previous, queued } = store::adopt_model(&mut conn, embedder).await? {
        tracing::info!(
            model = embedder.model_id(),
            ?previous,
            queued,
            "embedding model adopted; re-embedding the stock"
        );
    }
    Ok(())
}

/// Each model file's loading outcome, kept for the life of the process.
type LoadedModels = HashMap<PathBuf, Result<Arc<e5::E5Embedder>, String>>;

/// The embedded model is loaded once per process (the tests start many apps).
fn embedded_model(path: &Path) -> Result<Arc<dyn Embedder>, String> {
    static LOADED: OnceLock<Mutex<LoadedModels>> = OnceLock::new();
    let mut loaded = LOADED.get_or_init(Default::default).lock().expect("not poisoned");
    let model = loaded
        .entry(path.to_owned())
        .or_insert_with(|| e5::E5Embedder::load(path).map(Arc::new).map_err(|e| e.to_string()));
    model.clone().map(|m| m as Arc<dyn Embedder>)
}
