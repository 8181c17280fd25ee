//! `dealaai backup` and `dealaai restore`: PostgreSQL's own custom-format archives, written
//! by `pg_dump` and read by `pg_restore`. Both come from PG_BIN_DIR or else PATH, and must be
//! of the server's major version or newer: an older `pg_dump` refuses a newer server.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use tokio::process::Command;

use super::connect;
use crate::config::Config;
use crate::db;

pub async fn backup(config: &Config, file: &Path) -> anyhow::Result<()> {
    let pg_dump = {
        let mut conn = connect(config).await?;
        client_tool(config, "pg_dump", server_major_version(&mut conn).await?).await?
    };
    // Written under another name first: a dump that fails half-way never looks like a backup.
    let mut partial = file.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let status = connected(Command::new(&pg_dump), config.database_url.expose())?
        .args(["--format=custom", "--file"])
        .arg(&partial)
        .status()
        .await
        .with_context(|| format!("running {}", pg_dump.display()))?;
    if !status.success() {
        let _ = tokio::fs::remove_file(&partial).await;
        bail!("pg_dump failed ({status}); no backup was written");
    }
    tokio::fs::rename(&partial, file).await.with_context(|| format!("writing {}", file.display()))?;
    let bytes = tokio::fs::metadata(file).await?.len();
    println!("backup written to {} ({:.1} MB)", file.display(), bytes as f64 / 1e6);
    Ok(())
}

pub async fn restore(config: &Config, file: &Path, clean: bool) -> anyhow::Result<()> {
    let mut conn = connect(config).await?;
    let pg_restore = client_tool(config, "pg_restore", server_major_version(&mut conn).await?).await?;
    // Reading the archive's table of contents rejects a wrong file before anything changes.
    let contents = Command::new(&pg_restore).arg("--list").arg(file).output().await?;
    if !contents.status.success() {
        bail!(
            "{} is not a backup made by `dealaai backup`: {}",
            file.display(),
            String::from_utf8_lossy(&contents.stderr).trim()
        );
    }
    let tables = user_tables(&mut conn).await?;
    if tables > 0 && !clean {
        bail!(
            "the database already has {tables} tables: restore into a new, empty database, or pass --clean to \
             drop what the backup holds and recreate it from the backup"
        );
    }
    drop(conn);

    let mut command = connected(Command::new(&pg_restore), config.database_url.expose())?;
    // One transaction: a restore that fails leaves the database as it was. The objects belong
    // to whoever restores, whichever role made the backup.
    command.args(["--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges"]);
    if clean {
        command.args(["--clean", "--if-exists"]);
    }
    let status = command.arg(file).status().await.with_context(|| format!("running {}", pg_restore.display()))?;
    if !status.success() {
        bail!("pg_restore failed ({status}); the database was left as it was");
    }
    println!("{} restored", file.display());

    let pending = db::pending_migrations(config.database_url.expose()).await?;
    if pending.is_empty() {
        println!("its schema is up to date with this version of dealaai");
    } else {
        println!(
            "the backup predates {} migration(s) of this version: `dealaai migrate` (or `serve`) applies them",
            pending.len()
        );
    }
    Ok(())
}

/// `pg_dump` or `pg_restore`, checked to exist and to be of at least the server's version.
async fn client_tool(config: &Config, name: &str, server_major: u32) -> anyhow::Result<PathBuf> {
    let (program, place) = match &config.pg_bin_dir {
        Some(dir) => (dir.join(name), format!("in PG_BIN_DIR ({})", dir.display())),
        None => (PathBuf::from(name), "on PATH".to_owned()),
    };
    let install = format!(
        "install PostgreSQL {server_major}'s client tools (Debian: postgresql-client-{server_major}) or set \
         PG_BIN_DIR to the folder that has them"
    );
    let output = match Command::new(&program).arg("--version").output().await {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            bail!("`{name}` was not found {place}: {install}")
        }
        Err(error) => return Err(error).with_context(|| format!("running {}", program.display())),
    };
    let version = String::from_utf8_lossy(&output.stdout);
    let Some(major) = major_version(&version) else {
        bail!("`{} --version` answered `{}`, not a PostgreSQL version", program.display(), version.trim());
    };
    if major < server_major {
        bail!(
            "{} is PostgreSQL {major}'s, older than the server (PostgreSQL {server_major}), which it cannot \
             handle: {install}",
            program.display()
        );
    }
    Ok(program)
}

/// `pg_dump (PostgreSQL) 17.2 (Debian 17.2-1.pgdg120+1)` → 17; `18beta1` → 18.
fn major_version(version_output: &str) -> Option<u32> {
    let number = version_output.split_once("(PostgreSQL)")?.1.split_whitespace().next()?;
    let digits: String = number.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

async fn server_major_version(conn: &mut AsyncPgConnection) -> anyhow::Result<u32> {
    #[derive(diesel::QueryableByName)]
    struct Version {
        #[diesel(sql_type = BigInt)]
        major: i64,
    }
    let version: Version = diesel::sql_query("SELECT current_setting('server_version_num')::bigint / 10000 AS major")
        .get_result(conn)
        .await
        .context("reading the server's version")?;
    Ok(version.major as u32)
}

/// Tables outside PostgreSQL's own schemas.
async fn user_tables(conn: &mut AsyncPgConnection) -> anyhow::Result<i64> {
    #[derive(diesel::QueryableByName)]
    struct Tables {
        #[diesel(sql_type = BigInt)]
        tables: i64,
    }
    let found: Tables = diesel::sql_query(
        "SELECT count(*) AS tables FROM pg_catalog.pg_tables \
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    )
    .get_result(conn)
    .await?;
    Ok(found.tables)
}

/// Points a libpq tool at `database_url`, its password in the environment rather than on
/// the command line (which any local user can read).
fn connected(mut command: Command, database_url: &str) -> anyhow::Result<Command> {
    let mut url = url::Url::parse(database_url).context("DATABASE_URL is not a URL")?;
    if let Some(password) = url.password() {
        command.env("PGPASSWORD", percent_decode(password)?);
        url.set_password(None).map_err(|()| anyhow::anyhow!("DATABASE_URL cannot hold a password"))?;
    }
    command.arg("--dbname").arg(url.as_str());
    Ok(command)
}

/// A URL's password is percent-encoded (`p%40ss` is `p@ss`).
fn percent_decode(text: &str) -> anyhow::Result<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, after)) = rest.split_first() {
        if byte == b'%' && after.len() >= 2 {
            let hex = std::str::from_utf8(&after[..2])?;
            bytes.push(u8::from_str_radix(hex, 16).context("bad %-escape in DATABASE_URL's password")?);
            rest = &after[2..];
        } else {
            bytes.push(byte);
            rest = after;
        }
    }
    Ok(String::from_utf8(bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_versions_are_read_from_the_tools_output() {
        assert_eq!(major_version("pg_dump (PostgreSQL) 17.2 (Debian 17.2-1.pgdg120+1)\n"), Some(17));
        assert_eq!(major_version("pg_restore (PostgreSQL) 15.18"), Some(15));
        assert_eq!(major_version("pg_dump (PostgreSQL) 18beta1"), Some(18));
        assert_eq!(major_version("pg_dump 9000"), None);
    }

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        let command = connected(Command::new("pg_dump"), "postgres://deala:p%40ss%2Fword@db:5432/stock").unwrap();
        let command = command.as_std();
        let args: Vec<_> = command.get_args().collect();
        assert_eq!(args, ["--dbname", "postgres://deala@db:5432/stock"]);
        let password = command.get_envs().find(|(name, _)| *name == "PGPASSWORD").and_then(|(_, value)| value);
        assert_eq!(password.and_then(|p| p.to_str()), Some("p@ss/word"));
    }
}
