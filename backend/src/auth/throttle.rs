//! Login throttling. The counters are rows in PostgreSQL, so every replica enforces the same
//! limits, and each attempt is counted as a failure in the same locked step as the check.
//!
//! Guessing from one address stops at 5 failures for one username (the pair) or 20 for any
//! usernames within 15 minutes. Guesses for one username spread over many addresses are only
//! slowed: past 10 failures in a day each attempt waits twice as long as the last, up to 15
//! minutes (about 100 guesses a day). That slow-down spares addresses the user has logged in
//! from (their sessions'), and a success clears only its own pair: an attacker elsewhere can
//! neither lock the owner out of their usual devices nor gain fresh attempts from them.

use chrono::{DateTime, Duration, Utc};
use diesel::dsl::{count_star, exists, max, min};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{auth_sessions, login_failures};
use crate::error::{ApiError, ApiResult};

const WINDOW_MINUTES: i64 = 15;
const MAX_FAILURES_PER_PAIR: i64 = 5;
const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// Failures for one username in a day, from anywhere, before each attempt waits.
const FREE_FAILURES_PER_USERNAME: i64 = 10;
/// How long ago a login from an address still makes it the user's own.
const KNOWN_ADDRESS_DAYS: i64 = 90;

fn window() -> Duration {
    Duration::minutes(WINDOW_MINUTES)
}

fn normalise(username: &str) -> String {
    username.trim().to_lowercase()
}

/// Failures that match a filter since some time.
struct Tally {
    count: i64,
    oldest: Option<DateTime<Utc>>,
    newest: Option<DateTime<Utc>>,
}

impl Tally {
    async fn of(
        conn: &mut AsyncPgConnection,
        failures: login_failures::BoxedQuery<'_, Pg>,
        since: DateTime<Utc>,
    ) -> QueryResult<Tally> {
        let (count, oldest, newest) = failures
            .filter(login_failures::attempted_at.gt(since))
            .select((count_star(), min(login_failures::attempted_at), max(login_failures::attempted_at)))
            .first::<(i64, Option<DateTime<Utc>>, Option<DateTime<Utc>>)>(conn)
            .await?;
        Ok(Tally { count, oldest, newest })
    }

    /// When a limit of `max` failures per window lets attempts through again, if it is reached.
    fn window_reopens(&self, max: i64) -> Option<DateTime<Utc>> {
        self.oldest.filter(|_| self.count >= max).map(|oldest| oldest + window())
    }
}

/// The wait after the last failure for a username that failed `failures` times today: one
/// second at the free allowance, doubling with each failure, at most one window.
fn username_delay(failures: i64) -> Duration {
    let doublings = (failures - FREE_FAILURES_PER_USERNAME).clamp(0, 30);
    Duration::seconds(1 << doublings).min(window())
}

async fn check(conn: &mut AsyncPgConnection, username: &str, ip: Option<&str>) -> ApiResult<()> {
    let now = Utc::now();
    let by_username = || login_failures::table.filter(login_failures::username.eq(username)).into_boxed();
    let pair = match ip {
        Some(ip) => by_username().filter(login_failures::ip.eq(ip)),
        None => by_username().filter(login_failures::ip.is_null()),
    };
    let mut free_at = Tally::of(conn, pair, now - window()).await?.window_reopens(MAX_FAILURES_PER_PAIR);
    if free_at.is_none()
        && let Some(ip) = ip
    {
        let by_address = login_failures::table.filter(login_failures::ip.eq(ip)).into_boxed();
        free_at = Tally::of(conn, by_address, now - window()).await?.window_reopens(MAX_FAILURES_PER_ADDRESS);
    }
    if free_at.is_none() {
        let everywhere = Tally::of(conn, by_username(), now - Duration::days(1)).await?;
        if let Some(newest) = everywhere.newest.filter(|_| everywhere.count >= FREE_FAILURES_PER_USERNAME) {
            let until = newest + username_delay(everywhere.count);
            if until > now && !logged_in_from(conn, username, ip).await? {
                free_at = Some(until);
            }
        }
    }
    match free_at.map(|at| (at - now).num_milliseconds()) {
        Some(wait) if wait > 0 => Err(ApiError::Throttled { retry_after_seconds: (wait as u64).div_ceil(1000) }),
        _ => Ok(()),
    }
}

/// Whether the user of this name has logged in from `ip` lately (a session began there).
async fn logged_in_from(conn: &mut AsyncPgConnection, username: &str, ip: Option<&str>) -> QueryResult<bool> {
    let Some(ip) = ip else { return Ok(false) };
    let Some(user) = crate::users::find_by_username(conn, username).await? else { return Ok(false) };
    diesel::select(exists(
        auth_sessions::table
            .filter(auth_sessions::user_id.eq(user.id))
            .filter(auth_sessions::ip.eq(ip))
            .filter(auth_sessions::created_at.gt(Utc::now() - Duration::days(KNOWN_ADDRESS_DAYS))),
    ))
    .get_result(conn)
    .await
}

/// Checks the limits and, in the same step, counts this attempt as a failure (under a lock
/// per username and one per address, so parallel attempts cannot all pass the check before
/// any is counted). A successful attempt then [`clear`]s its pair's failures.
pub async fn reserve(conn: &mut AsyncPgConnection, username: &str, ip: Option<&str>) -> ApiResult<()> {
    use diesel_async::AsyncConnection;
    let username = normalise(username);
    conn.transaction(async |conn| {
        // Always the username's lock first: two attempts never wait for each other in a cycle.
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('login'), hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(&username)
            .execute(conn)
            .await?;
        if let Some(ip) = ip {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('login-address'), hashtext($1))")
                .bind::<diesel::sql_types::Text, _>(ip)
                .execute(conn)
                .await?;
        }
        check(conn, &username, ip).await?;
        record_failure(conn, &username, ip).await?;
        Ok(())
    })
    .await
}

async fn record_failure(conn: &mut AsyncPgConnection, username: &str, ip: Option<&str>) -> QueryResult<()> {
    diesel::insert_into(login_failures::table)
        .values((login_failures::username.eq(username), login_failures::ip.eq(ip)))
        .execute(conn)
        .await?;
    // Keep the table small: nothing older than a day matters.
    diesel::delete(login_failures::table.filter(login_failures::attempted_at.lt(Utc::now() - Duration::days(1))))
        .execute(conn)
        .await?;
    Ok(())
}

/// A successful login forgets the failures of its own username and address only: the owner
/// logging in must not give an attacker elsewhere fresh attempts.
pub async fn clear(conn: &mut AsyncPgConnection, username: &str, ip: Option<&str>) -> QueryResult<()> {
    let pair =
        diesel::delete(login_failures::table).filter(login_failures::username.eq(normalise(username))).into_boxed();
    let pair = match ip {
        Some(ip) => pair.filter(login_failures::ip.eq(ip)),
        None => pair.filter(login_failures::ip.is_null()),
    };
    pair.execute(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_username_delay_doubles_up_to_one_window() {
        let delays: Vec<i64> = (10..14).map(|n| username_delay(n).num_seconds()).collect();
        assert_eq!(delays, [1, 2, 4, 8]);
        assert_eq!(username_delay(20), window());
        assert_eq!(username_delay(i64::MAX), window());
    }
}
