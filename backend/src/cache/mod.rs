//! A small cache in PostgreSQL (the architecture's stand-in for Redis): costly reads keep
//! their JSON answer under a key, with an expiry. Database triggers drop the stock's entries
//! and bump an epoch whenever the stock changes, whoever changes it, and an answer computed
//! from data older than the current epoch is never stored.

use std::time::Duration;

use actix_web::HttpResponse;
use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{cache_entries, cache_epoch};
use crate::error::ApiResult;

/// Matches no stored epoch, so [`put`] stores nothing.
const NO_EPOCH: i64 = -1;

/// The epoch at the start of a computation, to be handed back to [`put`].
#[derive(Debug, Clone, Copy)]
pub struct Epoch(i64);

/// The cached answer, and the current epoch (read in the same round trip) for a miss.
pub async fn get(conn: &AsyncPgConnection, key: &str) -> QueryResult<(Option<String>, Epoch)> {
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

/// Stores an answer computed since `epoch`, unless the data changed meanwhile. The epoch row
/// is read `FOR SHARE`, so a change being committed is waited for and then seen.
pub async fn put(conn: &mut AsyncPgConnection, key: &str, value: &str, ttl: Duration, epoch: Epoch) -> QueryResult<()> {
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

/// Empties the cache (`dealaai cache clear`); returns how many entries went.
pub async fn clear(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(cache_entries::table).execute(conn).await
}

/// Drops expired entries (run periodically; reads ignore them anyway).
pub async fn purge_expired(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(cache_entries::table.filter(cache_entries::expires_at.le(Utc::now()))).execute(conn).await
}

/// The key of a stock-derived answer (`stock:` keys are dropped on every stock change). The
/// day is part of it because days in stock change with the day; answers are shared by every
/// reader allowed to see the stock.
pub fn stock_key(kind: &str, today: NaiveDate, query: &impl serde::Serialize) -> String {
    format!("stock:{kind}:{today}:{}", serde_urlencoded::to_string(query).unwrap_or_default())
}

/// An answer already serialised (from the cache, or just stored).
pub fn json_response(json: String) -> HttpResponse {
    HttpResponse::Ok().content_type(actix_web::http::header::ContentType::json()).body(json)
}

/// Caches the answer (unless the data changed while it was computed) and sends it.
pub async fn store_and_respond<T: serde::Serialize>(
    conn: &mut AsyncPgConnection,
    key: &str,
    answer: &T,
    ttl: Duration,
    epoch: Epoch,
) -> ApiResult<HttpResponse> {
    let json = serde_json::to_string(answer).map_err(anyhow::Error::from)?;
    put(conn, key, &json, ttl, epoch).await?;
    Ok(json_response(json))
}
