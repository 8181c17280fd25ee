//! The PostgreSQL pool, the embedded migrations and the generated diesel schema.

pub mod pagination;
pub mod schema;
#[cfg(feature = "test-support")]
pub mod testing;

use std::time::Duration;

use anyhow::Context;
use diesel::{Connection, PgConnection};
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::deadpool::{self, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = deadpool::Object<AsyncPgConnection>;
pub type PoolError = deadpool::PoolError;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// How long a request waits for a connection before the API answers 503: a dead database
/// must make requests fail fast, not pile up.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(3);

pub fn build_pool(database_url: &str, max_size: usize) -> anyhow::Result<DbPool> {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(database_url);
    Pool::builder(manager)
        .max_size(max_size)
        .wait_timeout(Some(CONNECTION_TIMEOUT))
        .create_timeout(Some(CONNECTION_TIMEOUT))
        .recycle_timeout(Some(CONNECTION_TIMEOUT))
        .runtime(::deadpool::Runtime::Tokio1)
        .build()
        .context("building the database pool")
}

/// Applies pending migrations; returns their names. Uses a blocking connection, so call it
/// from a blocking context (`spawn_blocking` or the CLI before the runtime starts serving).
pub fn run_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    let mut conn = PgConnection::establish(database_url).context("connecting to the database")?;
    let applied = conn.run_pending_migrations(MIGRATIONS).map_err(|e| anyhow::anyhow!("running migrations: {e}"))?;
    Ok(applied.iter().map(|m| m.to_string()).collect())
}

/// diesel refuses an UPDATE whose changeset sets nothing; for a PATCH that changes nothing the
/// answer is simply the current row, so callers fetch it instead.
pub fn is_empty_changeset(error: &diesel::result::Error) -> bool {
    matches!(error, diesel::result::Error::QueryBuilderError(inner) if inner.is::<diesel::result::EmptyChangeset>())
}

pub async fn run_migrations_async(database_url: &str) -> anyhow::Result<Vec<String>> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || run_migrations(&url)).await?
}

/// The migrations this binary has that the database has not applied yet, by name.
pub async fn pending_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = PgConnection::establish(&url).context("connecting to the database")?;
        let pending = conn.pending_migrations(MIGRATIONS).map_err(|e| anyhow::anyhow!("reading migrations: {e}"))?;
        Ok(pending.iter().map(|m| m.name().to_string()).collect())
    })
    .await?
}
