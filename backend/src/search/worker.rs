//! The background worker: embeds queued passages in small batches, off the request path. Any
//! number of replicas may run it; each batch is taken by one of them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::embedder::Embedder;
use super::store::{self, BatchError};
use crate::db::DbPool;

/// Passages per transaction (a few seconds of work on two cores).
pub const BATCH_SIZE: i64 = 32;
/// How often an idle worker looks at the queue.
const IDLE_POLL: Duration = Duration::from_secs(2);
const RETRY_AFTER_ERROR: Duration = Duration::from_secs(10);
/// How often an idle worker drops the vectors of texts no vehicle has any more.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

pub fn spawn(pool: DbPool, embedder: Arc<dyn Embedder>) {
    tokio::spawn(async move {
        let mut last_purge = Instant::now();
        loop {
            let pause = match run_once(&pool, &*embedder).await {
                Ok(0) if last_purge.elapsed() >= PURGE_EVERY => {
                    last_purge = Instant::now();
                    purge(&pool).await;
                    IDLE_POLL
                }
                Ok(0) => IDLE_POLL,
                Ok(_) => Duration::ZERO,
                Err(error) => {
                    tracing::warn!(%error, "embedding worker: batch failed, retrying later");
                    RETRY_AFTER_ERROR
                }
            };
            tokio::time::sleep(pause).await;
        }
    });
}

async fn purge(pool: &DbPool) {
    let purged: anyhow::Result<usize> = async {
        let mut conn = pool.get().await?;
        Ok(store::purge_orphans(&mut conn).await?)
    }
    .await;
    match purged {
        Ok(0) => {}
        Ok(purged) => tracing::info!(purged, "dropped the vectors of texts no vehicle has any more"),
        Err(error) => tracing::warn!(%error, "could not drop unused vectors"),
    }
}

async fn run_once(pool: &DbPool, embedder: &dyn Embedder) -> anyhow::Result<usize> {
    let mut conn = pool.get().await?;
    match store::embed_batch(&mut conn, embedder, BATCH_SIZE).await {
        Ok(done) => {
            if done > 0 {
                tracing::debug!(done, "embedded passages");
            }
            Ok(done)
        }
        Err(BatchError::ModelChanged { stored, ours }) => {
            // Another process adopted another model: this one's vectors would not compare.
            anyhow::bail!("the stored vectors belong to `{stored}`; this process embeds with `{ours}`")
        }
        Err(error) => Err(error.into()),
    }
}
