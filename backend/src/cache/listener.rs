//! Hears PostgreSQL's notifications (`LISTEN`) that data kept in memory changed, whoever
//! changed it and on whichever replica. Database triggers send them
//! (backend/sql/05_cache_and_notifications.sql); each channel advances one [`Generation`].

use std::sync::Arc;
use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;

use super::memory::Generation;

/// Sent when cached answers are dropped (any stock change, a snapshot, `cache clear`).
pub const ANSWERS_CHANNEL: &str = "cache_invalidated";
/// Sent when a session ends or a user changes.
pub const CALLERS_CHANNEL: &str = "auth_changed";

/// A quiet connection is checked this often, so a silently dead one is noticed.
const PING_EVERY: Duration = Duration::from_secs(15);
const PING_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Listens for as long as the process runs, reconnecting after failures. While not
/// listening, the generations are deaf, so the memory is bypassed.
pub async fn follow(database_url: String, channels: Vec<(&'static str, Arc<Generation>)>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let error = listen(&database_url, &channels, &mut backoff).await;
        channels.iter().for_each(|(_, generation)| generation.deaf());
        tracing::warn!(%error, retry_in = ?backoff, "not hearing cache notifications: memory bypassed");
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Returns only when the connection fails.
async fn listen(
    database_url: &str,
    channels: &[(&'static str, Arc<Generation>)],
    backoff: &mut Duration,
) -> anyhow::Error {
    let mut conn = match AsyncPgConnection::establish(database_url).await {
        Ok(conn) => conn,
        Err(error) => return error.into(),
    };
    for (channel, _) in channels {
        if let Err(error) = diesel::sql_query(format!("LISTEN {channel}")).execute(&mut conn).await {
            return error.into();
        }
    }
    channels.iter().for_each(|(_, generation)| generation.heard());
    *backoff = Duration::from_millis(100);
    loop {
        let next = tokio::time::timeout(PING_EVERY, std::pin::pin!(conn.notifications_stream()).next()).await;
        match next {
            Ok(Some(Ok(notification))) => channels
                .iter()
                .filter(|(channel, _)| *channel == notification.channel)
                .for_each(|(_, generation)| generation.advance()),
            Ok(Some(Err(error))) => return error.into(),
            Ok(None) => return anyhow::anyhow!("the database closed the connection"),
            Err(_quiet) => {
                match tokio::time::timeout(PING_TIMEOUT, diesel::sql_query("SELECT 1").execute(&mut conn)).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(error)) => return error.into(),
                    Err(_) => return anyhow::anyhow!("the database did not answer a ping"),
                }
            }
        }
    }
}
