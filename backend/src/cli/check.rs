//! `dealaai check [--deploy]`: everything that makes a deployment unsafe or unfinished, one
//! line each, so an operator fixes them all in one go (Django's `check --deploy`).

use anyhow::bail;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use shared::users::Role;

use super::connect;
use crate::auth::password::{self, DEMO_ADMIN_PASSWORD};
use crate::config::Config;
use crate::db::{self, schema::users};

pub async fn run(config: &Config, deploy: bool) -> anyhow::Result<()> {
    let production_rules = deploy || config.is_production();
    let mut findings: Vec<String> = Vec::new();
    if deploy && !config.is_production() {
        findings.push("APP_ENV must be `production`".to_owned());
    }
    if production_rules {
        findings.extend(config.insecure_settings().into_iter().map(str::to_owned));
    }
    findings.extend(database_findings(config, production_rules).await);

    for finding in &findings {
        println!("{finding}");
    }
    match findings.len() {
        0 => {
            println!("no problems found");
            Ok(())
        }
        1 => bail!("1 problem found"),
        n => bail!("{n} problems found"),
    }
}

async fn database_findings(config: &Config, production_rules: bool) -> Vec<String> {
    let mut findings = Vec::new();
    let mut conn = match connect(config).await {
        Ok(conn) => conn,
        Err(error) => return vec![format!("the database cannot be reached: {error:#}")],
    };
    match db::pending_migrations(config.database_url.expose()).await {
        Ok(pending) if pending.is_empty() => {}
        Ok(pending) => findings.push(format!(
            "{} migration(s) pending ({}): run `dealaai migrate` (`serve` applies them too)",
            pending.len(),
            pending.join(", ")
        )),
        Err(error) => findings.push(format!("the migrations cannot be read: {error:#}")),
    }
    match active_administrators(&mut conn).await {
        Ok(0) => findings.push("no active administrator: create one with `dealaai createsuperuser`".to_owned()),
        Ok(_) => {}
        Err(error) => findings.push(format!("the accounts cannot be read: {error:#}")),
    }
    if production_rules {
        match accounts_with_demo_password(&mut conn).await {
            Ok(usernames) => findings.extend(usernames.into_iter().map(|username| {
                format!(
                    "account `{username}` still has the demo password `{DEMO_ADMIN_PASSWORD}` (production refuses \
                     its login): run `dealaai users set-password {username}`"
                )
            })),
            Err(error) => findings.push(format!("the accounts cannot be read: {error:#}")),
        }
    }
    findings
}

async fn active_administrators(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    users::table.filter(users::is_active.and(users::role.eq(Role::Admin.as_str()))).count().get_result(conn).await
}

/// Active accounts whose password is the development demo one. One hash per account, so
/// never on a request's path.
async fn accounts_with_demo_password(conn: &mut AsyncPgConnection) -> anyhow::Result<Vec<String>> {
    let accounts: Vec<(String, String)> = users::table
        .filter(users::is_active)
        .select((users::username, users::password_hash))
        .order(users::username)
        .load(conn)
        .await?;
    let mut found = Vec::new();
    for (username, hash) in accounts {
        if password::verify(DEMO_ADMIN_PASSWORD.to_owned(), Some(hash)).await? {
            found.push(username);
        }
    }
    Ok(found)
}

/// `serve` in production: a loud warning per account that still has the demo password (its
/// logins are refused until an administrator changes it).
pub async fn warn_about_demo_passwords(database_url: &str) {
    let found = async {
        let mut conn = AsyncPgConnection::establish(database_url).await?;
        accounts_with_demo_password(&mut conn).await
    };
    match found.await {
        Ok(usernames) => {
            for username in usernames {
                tracing::warn!(
                    username,
                    "SECURITY: account `{username}` still has the demo password `{DEMO_ADMIN_PASSWORD}`; its logins \
                     are refused until you run `dealaai users set-password {username}`"
                );
            }
        }
        Err(error) => tracing::warn!(error = %error, "could not check the accounts for the demo password"),
    }
}
