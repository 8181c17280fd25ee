//! The PostgreSQL pool, the embedded migrations and the generated diesel schema.

pub mod pagination;
pub mod schema;
#[cfg(feature = "test-support")]
pub mod testing;

use std::time::Duration;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::deadpool::{self, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = deadpool::Object<AsyncPgConnection>;
pub type PoolError = deadpool::PoolError;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// The database's code (functions and triggers), re-applied after the migrations in this
/// order: migrations own tables, columns, indexes and data; these files own behaviour. What
/// each trigger does and why is listed in [`SQL_CATALOGUE`].
pub const SQL_FILES: &[(&str, &str)] = &[
    ("01_text.sql", include_str!("../../sql/01_text.sql")),
    ("02_bookkeeping.sql", include_str!("../../sql/02_bookkeeping.sql")),
    ("03_change_log.sql", include_str!("../../sql/03_change_log.sql")),
    ("04_dashboard_summary.sql", include_str!("../../sql/04_dashboard_summary.sql")),
    ("05_cache_and_notifications.sql", include_str!("../../sql/05_cache_and_notifications.sql")),
    ("06_semantic_search.sql", include_str!("../../sql/06_semantic_search.sql")),
];

/// backend/sql/00_catalogue.sql: comments only, never executed (a test keeps it in step with
/// the database's triggers).
pub const SQL_CATALOGUE: &str = include_str!("../../sql/00_catalogue.sql");

/// One schema change at a time across replicas: two processes replacing the same function at
/// once fail ("tuple concurrently updated"). 7_403_319 is the test template's lock, 7_403_320
/// semantic search's model adoption.
const SCHEMA_LOCK: i64 = 7_403_321;

/// A start waiting this long for a write lock (a long import holds one) fails loudly instead.
const SCHEMA_LOCK_TIMEOUT: &str = "60s";

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

/// Applies pending migrations, then the database's code ([`SQL_FILES`]), in one transaction
/// under one advisory lock: tables never exist without their triggers, and replicas starting
/// together take turns. Returns the migrations' names. Uses a blocking connection, so call it
/// from a blocking context (`spawn_blocking` or the CLI before the runtime starts serving).
pub fn run_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    let mut conn = PgConnection::establish(database_url).context("connecting to the database")?;
    conn.transaction(|conn| {
        conn.batch_execute(&format!(
            "SET LOCAL lock_timeout = '{SCHEMA_LOCK_TIMEOUT}'; SELECT pg_advisory_xact_lock({SCHEMA_LOCK})"
        ))?;
        // Each migration runs in a savepoint of this transaction (diesel nests them).
        let applied: Vec<String> = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("running migrations: {e}"))?
            .iter()
            .map(|m| m.to_string())
            .collect();
        apply_sql_files(conn)?;
        Ok(applied)
    })
}

/// Applies [`SQL_FILES`] in order (each is idempotent: it replaces what is there).
pub fn apply_sql_files(conn: &mut PgConnection) -> anyhow::Result<()> {
    for (name, sql) in SQL_FILES {
        conn.batch_execute(sql).with_context(|| format!("applying backend/sql/{name}"))?;
    }
    Ok(())
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
