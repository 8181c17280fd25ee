//! A small cache in PostgreSQL (the architecture's stand-in for Redis): costly reads keep
//! their JSON answer under a key, with an expiry. Database triggers drop the stock's entries
//! and bump an epoch whenever the stock changes, whoever changes it, and an answer computed
//! from data older than the current epoch is never stored.
//!
//! In front of it, each process keeps the answers it served in memory ([`memory`]), trusted
//! only while it hears the database's notifications that they changed ([`listener`]): a hit
//! there needs no database round trip at all.

pub mod listener;
pub mod memory;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::web::Bytes;
use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{cache_entries, cache_epoch};
use crate::db::{DbConn, DbPool};
use crate::error::ApiResult;
use memory::Memory;

/// Matches no stored epoch, so [`put`] stores nothing.
const NO_EPOCH: i64 = -1;

/// How much memory the answers kept in each process may take: ~400 list pages, far more than
/// the answers asked for again within a minute (the rest are not kept).
const MEMORY_BUDGET_BYTES: usize = 8 * 1024 * 1024;

/// The epoch at the start of a computation, to be handed back to [`put`].
#[derive(Debug, Clone, Copy)]
struct Epoch(i64);

/// The cached answer, and the current epoch (read in the same round trip) for a miss.
async fn get(conn: &AsyncPgConnection, key: &str) -> QueryResult<(Option<String>, Epoch)> {
    let value = cache_entries::table
        .find(key)
        .filter(cache_entries::expires_at.gt(Utc::now()))
        .select(cache_entries::value)
        .load::<String>(&mut &*conn);
    let epoch = cache_epoch::table.select(cache_epoch::epoch).load::<i64>(&mut &*conn);
    let (value, epoch) = futures_util::try_join!(value, epoch)?;
    // Without its epoch row (deleted by hand) nothing is stored, and reads still work.
    Ok((value.into_iter().next(), Epoch(epoch.into_iter().next().unwrap_or(NO_EPOCH))))
}

/// Where an answer is kept once computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// In this process's memory only, and only once asked for a second time: cheap answers
    /// to varied requests, most asked once (writing each miss to PostgreSQL cost more than it
    /// saved, and nobody read it again).
    InMemory,
    /// In memory and in PostgreSQL, shared by every replica: costly answers asked for often.
    Shared,
}

/// A pooled connection taken on first use: a computation that needs none (an answer from the
/// in-memory index) takes none, and nobody holds one while waiting for its turn.
pub struct Db<'a> {
    pool: &'a DbPool,
    conn: Option<DbConn>,
}

impl Db<'_> {
    pub async fn conn(&mut self) -> ApiResult<&mut AsyncPgConnection> {
        let conn = match self.conn.take() {
            Some(conn) => conn,
            None => self.pool.get().await?,
        };
        Ok(&mut **self.conn.insert(conn))
    }
}

/// The answers cached for costly reads: in this process's memory, then in PostgreSQL.
pub struct Answers {
    memory: Memory<String, Bytes>,
    flights: Flights,
    ttl: Duration,
}

impl Answers {
    pub fn new(ttl: Duration) -> Self {
        Answers { memory: Memory::new(ttl, MEMORY_BUDGET_BYTES, Bytes::len), flights: Flights::default(), ttl }
    }

    pub fn generation(&self) -> &Arc<memory::Generation> {
        self.memory.generation()
    }

    /// The answer for `key`: from memory (no connection taken), from PostgreSQL when it is
    /// [`Keep::Shared`], or else computed by `compute` and kept as `keep` says, unless the
    /// data changed while it was computed.
    ///
    /// Requests for a key already being computed in this process wait for that computation
    /// and look again, so a cold cache under load computes each answer once instead of once
    /// per waiting request (which exhausted the pool at 1,000,000 vehicles). Waiters hold no
    /// pooled connection (holding one queued the dashboard's drill-downs into 503s).
    pub async fn cached<T: serde::Serialize>(
        &self,
        pool: &DbPool,
        key: &str,
        keep: Keep,
        compute: impl AsyncFnOnce(&mut Db<'_>) -> ApiResult<T>,
    ) -> ApiResult<HttpResponse> {
        if let Some(json) = self.memory.get(key) {
            return Ok(json_response(json));
        }
        let _turn = self.flights.enter(key).await;
        if let Some(json) = self.memory.get(key) {
            return Ok(json_response(json));
        }
        // Taken before the database is read: a change committed meanwhile voids the copy.
        let stamp = self.memory.stamp();
        let mut db = Db { pool, conn: None };
        let epoch = match keep {
            Keep::InMemory => None,
            Keep::Shared => match get(db.conn().await?, key).await? {
                (Some(json), _) => {
                    let json = Bytes::from(json);
                    self.memory.put(key.to_owned(), json.clone(), stamp);
                    return Ok(json_response(json));
                }
                (None, epoch) => Some(epoch),
            },
        };
        let answer = compute(&mut db).await?;
        let json = serde_json::to_string(&answer).map_err(anyhow::Error::from)?;
        let json = match epoch {
            Some(epoch) => {
                put(db.conn().await?, key, &json, self.ttl, epoch).await?;
                let json = Bytes::from(json);
                self.memory.put(key.to_owned(), json.clone(), stamp);
                json
            }
            None => {
                let json = Bytes::from(json);
                self.memory.put_if_asked_before(key.to_owned(), json.clone(), stamp);
                json
            }
        };
        Ok(json_response(json))
    }

    /// Forgets what this process holds in memory (after it served a write: the database's
    /// notification of it may arrive after the writer's next request).
    pub fn forget(&self) {
        self.memory.generation().advance();
    }
}

/// The keys being computed, each with a lock its computation holds.
#[derive(Default)]
struct Flights(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

/// Held while an answer is computed and kept.
struct Flight<'a> {
    flights: &'a Flights,
    key: String,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl Flights {
    async fn enter(&self, key: &str) -> Flight<'_> {
        let lock = self.0.lock().unwrap_or_else(|p| p.into_inner()).entry(key.to_owned()).or_default().clone();
        Flight { flights: self, key: key.to_owned(), _turn: lock.lock_owned().await }
    }
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        let mut flights = self.flights.0.lock().unwrap_or_else(|p| p.into_inner());
        // Only the map and this flight hold the lock: nobody waits, the entry can go.
        if flights.get(&self.key).is_some_and(|lock| Arc::strong_count(lock) <= 2) {
            flights.remove(&self.key);
        }
    }
}

/// Stores an answer computed since `epoch`, unless the data changed meanwhile. The epoch row
/// is read `FOR SHARE`, so a change being committed is waited for and then seen.
async fn put(conn: &mut AsyncPgConnection, key: &str, value: &str, ttl: Duration, epoch: Epoch) -> QueryResult<()> {
    let expires_at = Utc::now() + chrono::Duration::from_std(ttl).unwrap_or_default();
    diesel::sql_query(
        "INSERT INTO cache_entries (key, value, expires_at) \
         SELECT $1, $2, $3 FROM (SELECT epoch FROM cache_epoch WHERE epoch = $4 FOR SHARE) current \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
    )
    .bind::<Text, _>(key)
    .bind::<Text, _>(value)
    .bind::<Timestamptz, _>(expires_at)
    .bind::<BigInt, _>(epoch.0)
    .execute(conn)
    .await
    .map(drop)
}

/// Empties the cache (`dealaai cache clear`; every process hears of it and empties its
/// memory too, including answers only kept there); returns how many entries went.
pub async fn clear(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    let cleared = diesel::delete(cache_entries::table).execute(conn).await?;
    diesel::sql_query(format!("NOTIFY {}", listener::ANSWERS_CHANNEL)).execute(conn).await?;
    Ok(cleared)
}

/// Drops expired entries (reads ignore them anyway; this only frees their space). It tells
/// no process to forget anything.
pub async fn purge_expired(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(cache_entries::table.filter(cache_entries::expires_at.le(Utc::now()))).execute(conn).await
}

/// How often each process purges expired entries, whether or not it runs the snapshots.
const PURGE_EVERY: Duration = Duration::from_secs(300);

/// Purges expired entries every [`PURGE_EVERY`] for as long as the process runs.
pub async fn purge_periodically(pool: DbPool) {
    let mut every = tokio::time::interval(PURGE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let purged = match pool.get().await {
            Ok(mut conn) => purge_expired(&mut conn).await.map_err(anyhow::Error::from),
            Err(error) => Err(error.into()),
        };
        if let Err(error) = purged {
            tracing::warn!(%error, "could not purge expired cache entries");
        }
    }
}

/// The key of a stock-derived answer (`stock:` keys are dropped on every stock change). The
/// day is part of it because days in stock change with the day; answers are shared by every
/// reader allowed to see the stock.
pub fn stock_key(kind: &str, today: NaiveDate, query: &impl serde::Serialize) -> String {
    use sha2::{Digest, Sha256};
    // Hashed: a key's size must not depend on what a client sends (the key is indexed).
    let query = serde_urlencoded::to_string(query).unwrap_or_default();
    format!("stock:{kind}:{today}:{}", hex::encode(Sha256::digest(query.as_bytes())))
}

/// An answer already serialised.
fn json_response(json: Bytes) -> HttpResponse {
    HttpResponse::Ok().content_type(actix_web::http::header::ContentType::json()).body(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_second_computation_of_a_key_waits_for_the_first() {
        let flights = Flights::default();
        let first = flights.enter("stock:list").await;
        let other_key = flights.enter("stock:facets").await;
        let second = flights.enter("stock:list");
        futures_util::pin_mut!(second);
        assert!(futures_util::poll!(&mut second).is_pending(), "waits while the first computes");
        drop(first);
        drop(second.await);
        drop(other_key);
        assert!(flights.0.lock().unwrap().is_empty(), "nothing left behind");
    }
}
