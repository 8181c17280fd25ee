//! The vectors in PostgreSQL: which model they belong to, the queue of passages to embed, and
//! one batch of the worker's work.

use diesel::dsl::{count_star, exists};
use diesel::prelude::*;
use diesel::sql_types::{Array, Integer, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use pgvector::HalfVector;
use uuid::Uuid;

use super::embedder::{EmbedError, Embedder, TextRole};
use crate::db::schema::{embedding_model, embedding_queue, passage_embeddings, vehicles};

/// Serialises model changes between replicas and CLI runs.
const ADOPTION_LOCK: i64 = 7_403_320;

#[derive(Debug, PartialEq, Eq)]
pub enum Adoption {
    /// The stored vectors are this model's.
    Unchanged,
    /// The table held another model's vectors (or none): emptied, every passage queued.
    Adopted { previous: Option<String>, queued: i64 },
}

/// Makes `embedder`'s model the one whose vectors are stored. A different model's vectors are
/// dropped in the same transaction that records the new model, so no search ever compares
/// vectors of two models; the column and the HNSW index are rebuilt for the new dimension.
pub async fn adopt_model(conn: &mut AsyncPgConnection, embedder: &dyn Embedder) -> QueryResult<Adoption> {
    let model = embedder.model_id().to_owned();
    let dimensions = embedder.dimensions() as i32;
    conn.transaction(async move |conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(ADOPTION_LOCK)
            .execute(conn)
            .await?;
        let stored: Option<(String, i32)> = embedding_model::table
            .select((embedding_model::model, embedding_model::dimensions))
            .for_update()
            .first(conn)
            .await
            .optional()?;
        if stored.as_ref().is_some_and(|(m, d)| *m == model && *d == dimensions) {
            return Ok(Adoption::Unchanged);
        }
        // The migration creates the table for 384 dimensions; anything else changes its type.
        let current_dimensions: i32 = diesel::sql_query(
            "SELECT atttypmod AS dimensions FROM pg_attribute \
             WHERE attrelid = 'passage_embeddings'::regclass AND attname = 'embedding'",
        )
        .get_result::<Dimensions>(conn)
        .await?
        .dimensions;
        diesel::sql_query("TRUNCATE passage_embeddings").execute(conn).await?;
        if current_dimensions != dimensions {
            for statement in [
                "DROP INDEX passage_embeddings_hnsw_idx".to_owned(),
                format!("ALTER TABLE passage_embeddings ALTER COLUMN embedding TYPE halfvec({dimensions})"),
                "CREATE INDEX passage_embeddings_hnsw_idx ON passage_embeddings \
                 USING hnsw (embedding halfvec_cosine_ops) WITH (m = 16, ef_construction = 64)"
                    .to_owned(),
            ] {
                diesel::sql_query(statement).execute(conn).await?;
            }
        }
        diesel::insert_into(embedding_model::table)
            .values((embedding_model::model.eq(&model), embedding_model::dimensions.eq(dimensions)))
            .on_conflict(embedding_model::singleton)
            .do_update()
            .set((
                embedding_model::model.eq(&model),
                embedding_model::dimensions.eq(dimensions),
                embedding_model::adopted_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        let queued = queue_missing(conn).await?;
        Ok(Adoption::Adopted { previous: stored.map(|(m, _)| m), queued })
    })
    .await
}

#[derive(QueryableByName)]
struct Dimensions {
    #[diesel(sql_type = Integer)]
    dimensions: i32,
}

/// Queues every passage of the stock that has no vector; returns how many were added.
pub async fn queue_missing(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    let added = diesel::sql_query(
        "INSERT INTO embedding_queue (passage_key) \
         SELECT DISTINCT v.passage_key FROM vehicles v \
         WHERE NOT EXISTS (SELECT 1 FROM passage_embeddings e WHERE e.passage_key = v.passage_key) \
         ON CONFLICT DO NOTHING",
    )
    .execute(conn)
    .await?;
    Ok(added as i64)
}

/// Queues every passage again, keeping the current vectors until each is replaced (a rebuild
/// never leaves the search without vectors).
pub async fn queue_all(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    let added = diesel::sql_query(
        "INSERT INTO embedding_queue (passage_key) SELECT DISTINCT passage_key FROM vehicles ON CONFLICT DO NOTHING",
    )
    .execute(conn)
    .await?;
    Ok(added as i64)
}

/// Drops the vectors no vehicle's current text uses any more (edited descriptions, removed
/// vehicles); returns how many.
pub async fn purge_orphans(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM passage_embeddings e WHERE NOT EXISTS (SELECT 1 FROM vehicles v WHERE v.passage_key = e.passage_key)",
    )
    .execute(conn)
    .await
}

/// What `dealaai embeddings status` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub model: Option<(String, i32)>,
    pub vehicles: i64,
    pub embedded_vehicles: i64,
    pub passages: i64,
    pub embedded_passages: i64,
    pub queued: i64,
}

impl Status {
    /// Vehicles whose current text has no vector yet.
    pub fn stale_vehicles(&self) -> i64 {
        self.vehicles - self.embedded_vehicles
    }
}

pub async fn status(conn: &mut AsyncPgConnection) -> QueryResult<Status> {
    let embedded =
        exists(passage_embeddings::table.filter(passage_embeddings::passage_key.nullable().eq(vehicles::passage_key)));
    Ok(Status {
        model: embedding_model::table
            .select((embedding_model::model, embedding_model::dimensions))
            .first(conn)
            .await
            .optional()?,
        vehicles: vehicles::table.count().get_result(conn).await?,
        embedded_vehicles: vehicles::table.filter(embedded).count().get_result(conn).await?,
        passages: vehicles::table
            .select(diesel::dsl::sql::<diesel::sql_types::BigInt>("count(DISTINCT passage_key)"))
            .get_result(conn)
            .await?,
        embedded_passages: passage_embeddings::table.select(count_star()).get_result(conn).await?,
        queued: embedding_queue::table.count().get_result(conn).await?,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
    #[error(transparent)]
    Embedding(#[from] EmbedError),
    #[error("the stored vectors belong to `{stored}`, not to this process's `{ours}`")]
    ModelChanged { stored: String, ours: String },
}

#[derive(QueryableByName)]
struct Passage {
    #[diesel(sql_type = SqlUuid)]
    passage_key: Uuid,
    #[diesel(sql_type = Text)]
    passage: String,
}

/// Embeds up to `size` queued passages and stores their vectors; returns how many passages
/// left the queue (0: nothing to do). The claimed queue rows stay locked until the vectors
/// are stored, so another replica skips them (`SKIP LOCKED`) and a crash leaves them queued.
pub async fn embed_batch(
    conn: &mut AsyncPgConnection,
    embedder: &dyn Embedder,
    size: i64,
) -> Result<usize, BatchError> {
    conn.transaction(async move |conn| {
        // Shared with other workers, exclusive against a model change.
        let stored: Option<String> =
            embedding_model::table.select(embedding_model::model).for_share().first(conn).await.optional()?;
        if stored.as_deref() != Some(embedder.model_id()) {
            return Err(BatchError::ModelChanged {
                stored: stored.unwrap_or_default(),
                ours: embedder.model_id().to_owned(),
            });
        }
        let keys: Vec<Uuid> = embedding_queue::table
            .select(embedding_queue::passage_key)
            .order(embedding_queue::queued_at)
            .limit(size)
            .for_update()
            .skip_locked()
            .load(conn)
            .await?;
        if keys.is_empty() {
            return Ok(0);
        }
        // One text per key (vehicles that share a key share the text); a key whose vehicles
        // are gone has no text and simply leaves the queue.
        let passages: Vec<Passage> = diesel::sql_query(
            "SELECT DISTINCT ON (passage_key) passage_key, vehicle_passage(brand, model, version, vehicle_type, \
             fuel, transmission, colour, stock_type, description) AS passage \
             FROM vehicles WHERE passage_key = ANY($1)",
        )
        .bind::<Array<SqlUuid>, _>(&keys)
        .load(conn)
        .await?;
        let texts: Vec<String> = passages.iter().map(|p| p.passage.clone()).collect();
        let vectors = embedder.embed(&texts, TextRole::Passage).await?;
        let rows: Vec<_> = passages
            .iter()
            .zip(&vectors)
            .map(|(p, v)| {
                (
                    passage_embeddings::passage_key.eq(p.passage_key),
                    passage_embeddings::embedding.eq(HalfVector::from_f32_slice(v)),
                    // The time of the write, not of the transaction's start (which waited for
                    // the embedder): the stock index reads the vectors stored since it looked.
                    passage_embeddings::embedded_at.eq(diesel::dsl::sql::<Timestamptz>("clock_timestamp()")),
                )
            })
            .collect();
        if !rows.is_empty() {
            diesel::insert_into(passage_embeddings::table)
                .values(&rows)
                .on_conflict(passage_embeddings::passage_key)
                .do_update()
                .set((
                    passage_embeddings::embedding.eq(diesel::upsert::excluded(passage_embeddings::embedding)),
                    passage_embeddings::embedded_at.eq(diesel::upsert::excluded(passage_embeddings::embedded_at)),
                ))
                .execute(conn)
                .await?;
        }
        diesel::delete(embedding_queue::table.filter(embedding_queue::passage_key.eq_any(&keys))).execute(conn).await?;
        Ok(keys.len())
    })
    .await
}
