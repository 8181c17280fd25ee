//! Login sessions and their rotating refresh tokens, all in PostgreSQL so any replica can
//! serve any request.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::tokens::{hash_refresh_token, random_token};
use crate::db::schema::{auth_sessions, refresh_tokens};

/// Who is logging in from where; kept so a user can recognise their sessions.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

pub struct NewSession {
    pub session_id: i64,
    pub refresh_token: String,
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    ttl: std::time::Duration,
    client: &ClientInfo,
) -> QueryResult<NewSession> {
    let expires_at = Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::days(30));
    conn.transaction(async |conn| {
        let session_id: i64 = diesel::insert_into(auth_sessions::table)
            .values((
                auth_sessions::user_id.eq(user_id),
                auth_sessions::expires_at.eq(expires_at),
                auth_sessions::user_agent.eq(client.user_agent.as_deref()),
                auth_sessions::ip.eq(client.ip.as_deref()),
            ))
            .returning(auth_sessions::id)
            .get_result(conn)
            .await?;
        let refresh_token = insert_token(conn, session_id).await?;
        Ok(NewSession { session_id, refresh_token })
    })
    .await
}

async fn insert_token(conn: &mut AsyncPgConnection, session_id: i64) -> QueryResult<String> {
    let token = random_token();
    diesel::insert_into(refresh_tokens::table)
        .values((refresh_tokens::token_hash.eq(hash_refresh_token(&token)), refresh_tokens::session_id.eq(session_id)))
        .execute(conn)
        .await?;
    Ok(token)
}

/// A presented refresh token with the state of its session.
#[derive(Queryable, Selectable)]
#[diesel(check_for_backend(diesel::pg::Pg))]
struct PresentedToken {
    #[diesel(select_expression = refresh_tokens::session_id)]
    session_id: i64,
    #[diesel(select_expression = refresh_tokens::rotated_at)]
    rotated_at: Option<DateTime<Utc>>,
    #[diesel(select_expression = auth_sessions::user_id)]
    user_id: i64,
    #[diesel(select_expression = auth_sessions::expires_at)]
    expires_at: DateTime<Utc>,
    #[diesel(select_expression = auth_sessions::revoked_at)]
    revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug)]
pub enum Rotation {
    Rotated {
        user_id: i64,
        session_id: i64,
        refresh_token: String,
    },
    /// Unknown token, or its session is expired or revoked.
    Invalid,
    /// The token was already rotated: someone replayed it. The session is now revoked.
    Reused,
    /// Rotated moments ago (within the grace period): most likely two tabs refreshing at
    /// once. Refused, but the session lives; the browser retries with the new cookie.
    Superseded,
}

/// Exchanges a refresh token for a new one. The old token is marked rotated in the same
/// transaction with a conditional update, so two concurrent uses cannot both succeed.
pub async fn rotate(
    conn: &mut AsyncPgConnection,
    presented: &str,
    reuse_grace: std::time::Duration,
) -> QueryResult<Rotation> {
    let hash = hash_refresh_token(presented);
    conn.transaction(async |conn| {
        let found = refresh_tokens::table
            .inner_join(auth_sessions::table)
            .filter(refresh_tokens::token_hash.eq(&hash))
            .select(PresentedToken::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?;
        let Some(PresentedToken { session_id, rotated_at, user_id, expires_at, revoked_at }) = found else {
            return Ok(Rotation::Invalid);
        };
        if revoked_at.is_some() || expires_at <= Utc::now() {
            return Ok(Rotation::Invalid);
        }
        if let Some(rotated_at) = rotated_at {
            let grace = chrono::Duration::from_std(reuse_grace).unwrap_or_default();
            if Utc::now() - rotated_at < grace {
                return Ok(Rotation::Superseded);
            }
            revoke(conn, session_id).await?;
            return Ok(Rotation::Reused);
        }
        diesel::update(refresh_tokens::table.find(&hash))
            .set(refresh_tokens::rotated_at.eq(Utc::now()))
            .execute(conn)
            .await?;
        diesel::update(auth_sessions::table.find(session_id))
            .set(auth_sessions::last_used_at.eq(Utc::now()))
            .execute(conn)
            .await?;
        let refresh_token = insert_token(conn, session_id).await?;
        Ok(Rotation::Rotated { user_id, session_id, refresh_token })
    })
    .await
}

pub async fn revoke(conn: &mut AsyncPgConnection, session_id: i64) -> QueryResult<usize> {
    diesel::update(auth_sessions::table.find(session_id).filter(auth_sessions::revoked_at.is_null()))
        .set(auth_sessions::revoked_at.eq(Utc::now()))
        .execute(conn)
        .await
}

/// The session a refresh token belongs to, whatever its state (for logout by cookie).
pub async fn session_of_token(conn: &mut AsyncPgConnection, presented: &str) -> QueryResult<Option<i64>> {
    refresh_tokens::table
        .find(hash_refresh_token(presented))
        .select(refresh_tokens::session_id)
        .first(conn)
        .await
        .optional()
}

/// When the session expires, while it is neither revoked nor expired and belongs to `user_id`
/// (None otherwise); checked on every request so logout takes effect at once, not when the
/// access token expires, and so a token cannot pair one user with another's session.
pub async fn live_until(conn: &AsyncPgConnection, session_id: i64, user_id: i64) -> QueryResult<Option<DateTime<Utc>>> {
    auth_sessions::table
        .find(session_id)
        .filter(auth_sessions::user_id.eq(user_id))
        .filter(auth_sessions::revoked_at.is_null())
        .filter(auth_sessions::expires_at.gt(Utc::now()))
        .select(auth_sessions::expires_at)
        .first(&mut &*conn)
        .await
        .optional()
}

/// Ends every session of a user, except `keep` (the one making the request, if any).
pub async fn revoke_all_for_user(conn: &mut AsyncPgConnection, user_id: i64, keep: Option<i64>) -> QueryResult<usize> {
    let mut query = diesel::update(auth_sessions::table)
        .filter(auth_sessions::user_id.eq(user_id))
        .filter(auth_sessions::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        query = query.filter(auth_sessions::id.ne(keep));
    }
    query.set(auth_sessions::revoked_at.eq(Utc::now())).execute(conn).await
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = auth_sessions, check_for_backend(diesel::pg::Pg))]
pub struct SessionRow {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// A user's live sessions, most recently used first.
pub async fn live_for_user(conn: &mut AsyncPgConnection, user_id: i64) -> QueryResult<Vec<SessionRow>> {
    auth_sessions::table
        .filter(auth_sessions::user_id.eq(user_id))
        .filter(auth_sessions::revoked_at.is_null())
        .filter(auth_sessions::expires_at.gt(Utc::now()))
        .select(SessionRow::as_select())
        .order(auth_sessions::last_used_at.desc())
        .load(conn)
        .await
}

/// Revokes one of the user's own sessions; false if they have no such live session.
pub async fn revoke_own(conn: &mut AsyncPgConnection, user_id: i64, session_id: i64) -> QueryResult<bool> {
    let revoked = diesel::update(
        auth_sessions::table
            .find(session_id)
            .filter(auth_sessions::user_id.eq(user_id))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set(auth_sessions::revoked_at.eq(Utc::now()))
    .execute(conn)
    .await?;
    Ok(revoked == 1)
}
