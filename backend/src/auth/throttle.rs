//! Login throttling: after 5 failures for one username, or 20 from one address, within 15
//! minutes, logins answer 429 until the oldest failure leaves the window. The counters are
//! rows in PostgreSQL, so every replica enforces the same limits.

use chrono::{Duration, Utc};
use diesel::dsl::{count_star, min};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::login_failures;
use crate::error::{ApiError, ApiResult};

const WINDOW_MINUTES: i64 = 15;
const MAX_FAILURES_PER_USERNAME: i64 = 5;
const MAX_FAILURES_PER_IP: i64 = 20;

fn normalise(username: &str) -> String {
    username.trim().to_lowercase()
}

async fn check(conn: &mut AsyncPgConnection, username: &str, ip: Option<&str>) -> ApiResult<()> {
    let since = Utc::now() - Duration::minutes(WINDOW_MINUTES);
    let (by_user, oldest_user) = login_failures::table
        .filter(login_failures::username.eq(normalise(username)))
        .filter(login_failures::attempted_at.gt(since))
        .select((count_star(), min(login_failures::attempted_at)))
        .first::<(i64, Option<chrono::DateTime<Utc>>)>(conn)
        .await?;
    let mut blocked_since = (by_user >= MAX_FAILURES_PER_USERNAME).then_some(oldest_user).flatten();
    if blocked_since.is_none()
        && let Some(ip) = ip
    {
        let (by_ip, oldest_ip) = login_failures::table
            .filter(login_failures::ip.eq(ip))
            .filter(login_failures::attempted_at.gt(since))
            .select((count_star(), min(login_failures::attempted_at)))
            .first::<(i64, Option<chrono::DateTime<Utc>>)>(conn)
            .await?;
        blocked_since = (by_ip >= MAX_FAILURES_PER_IP).then_some(oldest_ip).flatten();
    }
    match blocked_since {
        Some(oldest) => {
            let retry_after = (oldest + Duration::minutes(WINDOW_MINUTES) - Utc::now()).num_seconds().max(1);
            Err(ApiError::Throttled { retry_after_seconds: retry_after as u64 })
        }
        None => Ok(()),
    }
}

/// Checks the limits and, in the same step, counts this attempt as a failure (under a lock
/// per username, so parallel attempts cannot all pass the check before any is counted). A
/// successful attempt then [`clear`]s the username's failures.
pub async fn reserve(conn: &mut AsyncPgConnection, username: &str, ip: Option<&str>) -> ApiResult<()> {
    use diesel_async::AsyncConnection;
    let username = normalise(username);
    conn.transaction(async |conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('login'), hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(&username)
            .execute(conn)
            .await?;
        check(conn, &username, ip).await?;
        record_failure(conn, &username, ip).await?;
        Ok(())
    })
    .await
}

async fn record_failure(conn: &mut AsyncPgConnection, username: &str, ip: Option<&str>) -> QueryResult<()> {
    diesel::insert_into(login_failures::table)
        .values((login_failures::username.eq(normalise(username)), login_failures::ip.eq(ip)))
        .execute(conn)
        .await?;
    // Keep the table small: nothing older than a day matters.
    diesel::delete(login_failures::table.filter(login_failures::attempted_at.lt(Utc::now() - Duration::days(1))))
        .execute(conn)
        .await?;
    Ok(())
}

/// A successful login forgets that username's failures (not the address's).
pub async fn clear(conn: &mut AsyncPgConnection, username: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::username.eq(normalise(username))))
        .execute(conn)
        .await?;
    Ok(())
}
