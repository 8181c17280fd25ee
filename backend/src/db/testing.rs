//! Per-test databases: the migrations run once into a template database, and every test
//! gets its own copy (`CREATE DATABASE .. TEMPLATE ..`, a file copy that takes a few ms),
//! so tests run in parallel against real PostgreSQL and leave nothing behind.
//!
//! The server comes from `TEST_DATABASE_URL` or `DATABASE_URL` (`cargo xtask test` sets it).

use std::sync::OnceLock;

use anyhow::Context;
use diesel::{Connection, PgConnection, RunQueryDsl, sql_query};
use sha2::{Digest, Sha256};

use super::MIGRATIONS;
use diesel::migration::MigrationSource;

pub struct TestDatabase {
    name: String,
    url: String,
    admin_url: String,
}

impl TestDatabase {
    /// A fresh, migrated, empty database for one test.
    pub fn new() -> Self {
        let admin_url = server_url();
        let template = template_database(&admin_url);
        let name = format!("dealaai_test_{}", hex::encode(rand::random::<[u8; 8]>()));
        let mut admin = PgConnection::establish(&admin_url).expect("connect to the test server");
        sql_query(format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""))
            .execute(&mut admin)
            .expect("clone the template database");
        TestDatabase { url: with_database(&admin_url, &name), name, admin_url }
    }

    /// A database with nothing in it, not even the migrations (a restore's target).
    pub fn empty() -> Self {
        let admin_url = server_url();
        let name = format!("dealaai_test_{}", hex::encode(rand::random::<[u8; 8]>()));
        let mut admin = PgConnection::establish(&admin_url).expect("connect to the test server");
        sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut admin).expect("create an empty database");
        TestDatabase { url: with_database(&admin_url, &name), name, admin_url }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Default for TestDatabase {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let _ = sql_query(format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name)).execute(&mut admin);
        }
    }
}

/// The URL of the test server's maintenance database.
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .expect("set DATABASE_URL to a PostgreSQL server with pgvector (`cargo xtask test` does)")
}

/// Replaces the database name in a postgres URL.
pub fn with_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("DATABASE_URL is a URL");
    parsed.set_path(name);
    parsed.to_string()
}

/// The template is named after a hash of the migrations and the SQL files, so it is built once per migration
/// set and reused by every later run; an advisory lock stops parallel test binaries from
/// building it twice.
fn template_database(admin_url: &str) -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| build_template(admin_url).expect("build the template database")).clone()
}

fn build_template(admin_url: &str) -> anyhow::Result<String> {
    let mut hasher = Sha256::new();
    let migrations = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS).map_err(|e| anyhow::anyhow!("{e}"))?;
    for migration in &migrations {
        hasher.update(migration.name().to_string());
    }
    // Migration names alone miss edits to an existing migration: hash the SQL too.
    hasher.update(include_migration_sql());
    for (name, sql) in super::SQL_FILES {
        hasher.update(name);
        hasher.update(sql);
    }
    let name = format!("dealaai_template_{}", &hex::encode(hasher.finalize())[..16]);

    let mut admin = PgConnection::establish(admin_url).context("connect to the test server")?;
    sql_query("SELECT pg_advisory_lock(7403319)").execute(&mut admin)?;
    let result = (|| -> anyhow::Result<()> {
        #[derive(diesel::QueryableByName)]
        struct Exists {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            exists: bool,
        }
        let exists: Exists = sql_query(format!(
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}' AND datistemplate) AS exists"
        ))
        .get_result(&mut admin)?;
        if !exists.exists {
            sql_query(format!("DROP DATABASE IF EXISTS \"{name}\"")).execute(&mut admin)?;
            sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut admin)?;
            super::run_migrations(&with_database(admin_url, &name))?;
            sql_query(format!("ALTER DATABASE \"{name}\" WITH is_template = true ALLOW_CONNECTIONS = false"))
                .execute(&mut admin)?;
        }
        Ok(())
    })();
    sql_query("SELECT pg_advisory_unlock(7403319)").execute(&mut admin)?;
    result.map(|()| name)
}

/// All migration SQL, embedded at compile time by the build script.
fn include_migration_sql() -> &'static str {
    include_str!(concat!(env!("OUT_DIR"), "/migrations.sql"))
}
