//! The `dealaai` binary's operator commands, run as a user would run them.

use std::io::Write;
use std::process::{Command, Stdio};

use shared::users::Role;

use crate::helpers::{PASSWORD, PRODUCTION_VARS, TestApp, assert_error};

fn dealaai(app: &TestApp) -> Command {
    dealaai_on(app.db.url())
}

fn dealaai_on(database_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dealaai"));
    cmd.current_dir(std::env::temp_dir())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn");
    cmd
}

fn run_with_stdin(mut cmd: Command, stdin: &str) -> std::process::Output {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[actix_web::test]
async fn createsuperuser_reads_the_password_from_stdin() {
    let app = TestApp::spawn().await;
    let mut cmd = dealaai(&app);
    cmd.args(["createsuperuser", "--username", "lucia", "--email", "lucia@example.com", "--password-stdin"]);
    let output = run_with_stdin(cmd, "a-strong-passphrase-26\n");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let response = app.login("lucia", "a-strong-passphrase-26").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["user"]["role"], "admin");
}

#[actix_web::test]
async fn createsuperuser_refuses_weak_passwords_and_duplicates() {
    let app = TestApp::spawn().await;
    let mut weak = dealaai(&app);
    weak.args(["createsuperuser", "--username", "lucia", "--email", "lucia@example.com", "--password-stdin"]);
    let output = run_with_stdin(weak, "admin123\n");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 10 characters"));

    app.create_user("taken", Role::Sales).await;
    let mut duplicate = dealaai(&app);
    duplicate.args(["createsuperuser", "--username", "TAKEN", "--email", "t@example.com", "--password-stdin"]);
    let output = run_with_stdin(duplicate, "a-strong-passphrase-26\n");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("already exists"));
}

/// The command line applies the API's password rules, the list of common passwords included.
#[actix_web::test]
async fn user_commands_refuse_common_passwords_and_look_alike_usernames() {
    let app = TestApp::spawn().await;
    let mut common = dealaai(&app);
    common.args(["users", "create", "--username", "pepe", "--email", "pepe@example.com", "--password-stdin"]);
    let output = run_with_stdin(common, "Admin123456\n");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("too common"), "{output:?}");

    let mut look_alike = dealaai(&app);
    look_alike.args(["createsuperuser", "--username", "\u{0430}dmin", "--email", "a@example.com", "--password-stdin"]);
    let output = run_with_stdin(look_alike, "a-strong-passphrase-26\n");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("username is not valid"), "{output:?}");
    assert_error(app.login("pepe", "Admin123456").await, 401, "invalid_credentials").await;
}

#[actix_web::test]
async fn seed_creates_the_demo_admin_once_and_never_resets_it() {
    let app = TestApp::spawn().await;
    let output = dealaai(&app).arg("seed").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("admin123"), "prints the credentials");
    assert_eq!(app.login("admin", "admin123").await.status(), 200);

    // Someone changes the password; seeding again must not put admin123 back.
    {
        use dealaai::db::schema::users;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let hash = dealaai::auth::password::hash("a-new-private-password".into()).await.unwrap();
        diesel::update(users::table.filter(users::username.eq("admin")))
            .set(users::password_hash.eq(hash))
            .execute(&mut app.conn().await)
            .await
            .unwrap();
    }
    let again = dealaai(&app).arg("seed").output().unwrap();
    assert!(again.status.success());
    assert_error(app.login("admin", "admin123").await, 401, "invalid_credentials").await;
    assert_eq!(app.login("admin", "a-new-private-password").await.status(), 200);
}

#[actix_web::test]
async fn seed_and_serve_refuse_insecure_production_settings() {
    let app = TestApp::spawn().await;
    let output = dealaai(&app).arg("seed").env("APP_ENV", "production").output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("SECRET_KEY"));

    let output = in_production(dealaai(&app)).arg("seed").output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("refused in production"));

    let output = dealaai(&app).arg("serve").env("APP_ENV", "production").output().unwrap();
    assert!(!output.status.success(), "serve must not start without a SECRET_KEY");
}

/// A command with the settings production accepts.
fn in_production(mut cmd: Command) -> Command {
    cmd.envs(PRODUCTION_VARS);
    cmd
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A database seeded in development and then deployed keeps the demo administrator:
/// production refuses that login (and only that one) until the password changes.
#[actix_web::test]
async fn production_refuses_the_demo_admin_until_its_password_changes() {
    let app = TestApp::builder().production().spawn().await;
    let seeded = dealaai(&app).arg("seed").output().unwrap();
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    app.create_user("lucia", Role::Admin).await;

    let refused = assert_error(app.login("admin", "admin123").await, 403, "forbidden").await;
    assert!(refused["message"].as_str().unwrap().contains("dealaai users set-password admin"), "{refused}");
    assert_eq!(app.login("lucia", PASSWORD).await.status(), 200, "strong passwords log in");
    assert_error(app.login("admin", "admin1234").await, 401, "invalid_credentials").await;

    let mut set_password = in_production(dealaai(&app));
    set_password.args(["users", "set-password", "admin", "--password-stdin"]);
    let output = run_with_stdin(set_password, "a-private-passphrase-77\n");
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(app.login("admin", "a-private-passphrase-77").await.status(), 200);
    assert_error(app.login("admin", "admin123").await, 401, "invalid_credentials").await;
}

#[actix_web::test]
async fn check_deploy_lists_every_problem_then_passes_once_they_are_fixed() {
    let app = TestApp::spawn().await;
    assert!(dealaai(&app).arg("seed").output().unwrap().status.success());

    let output = dealaai(&app)
        .args(["check", "--deploy"])
        .env("DEBUG", "true")
        .env("CORS_ALLOWED_ORIGINS", "*")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let findings = stdout(&output);
    let expected = [
        "APP_ENV must be `production`",
        "SECRET_KEY is not set",
        "DEBUG must be off",
        "ALLOWED_HOSTS must list",
        "CORS_ALLOWED_ORIGINS must not be `*`",
        "account `admin` still has the demo password",
    ];
    assert_eq!(findings.lines().count(), expected.len(), "one line each:\n{findings}");
    for (line, start) in findings.lines().zip(expected) {
        assert!(line.starts_with(start), "expected `{start}…`, got `{line}`");
    }
    assert!(stderr(&output).contains("6 problems found"), "{}", stderr(&output));

    // Production settings that `serve` would refuse are still listed, not refused.
    let output = in_production(dealaai(&app)).args(["check", "--deploy"]).env("DEBUG", "on").output().unwrap();
    assert!(!output.status.success());
    assert_eq!(stdout(&output).lines().count(), 2, "{}", stdout(&output));

    let mut set_password = dealaai(&app);
    set_password.args(["users", "set-password", "admin", "--password-stdin"]);
    assert!(run_with_stdin(set_password, "a-private-passphrase-77\n").status.success());
    let output = in_production(dealaai(&app)).args(["check", "--deploy"]).output().unwrap();
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    assert_eq!(stdout(&output), "no problems found\n");
}

#[actix_web::test]
async fn check_reports_pending_migrations_and_a_missing_administrator() {
    let app = TestApp::spawn().await;
    use diesel_async::RunQueryDsl;
    diesel::sql_query(
        "DELETE FROM __diesel_schema_migrations WHERE version = (SELECT max(version) FROM __diesel_schema_migrations)",
    )
    .execute(&mut app.conn().await)
    .await
    .unwrap();
    app.create_user("maria", Role::Sales).await;

    let output = dealaai(&app).arg("check").output().unwrap();
    assert!(!output.status.success());
    let findings = stdout(&output);
    assert!(findings.contains("1 migration(s) pending"), "{findings}");
    assert!(findings.contains("no active administrator"), "{findings}");
    assert_eq!(findings.lines().count(), 2, "development's settings are not production's: {findings}");
}

/// `pg_dump`/`pg_restore` of the test server's version: PG_BIN_DIR, or else the server's own
/// binaries (the test server runs on this machine).
async fn pg_bin_dir(app: &TestApp) -> String {
    if let Ok(dir) = std::env::var("PG_BIN_DIR") {
        return dir;
    }
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        setting: String,
    }
    let bin: Setting = diesel::sql_query("SELECT setting FROM pg_config WHERE name = 'BINDIR'")
        .get_result(&mut app.conn().await)
        .await
        .unwrap();
    bin.setting
}

/// Every table's row count, and a checksum of the whole stock.
async fn fingerprint(database_url: &str) -> String {
    use diesel_async::{AsyncConnection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Text {
        #[diesel(sql_type = diesel::sql_types::Text)]
        text: String,
    }
    let mut conn = diesel_async::AsyncPgConnection::establish(database_url).await.unwrap();
    let tables: Vec<Text> = diesel::sql_query(
        "SELECT table_name AS text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let counts: Vec<String> =
        tables.iter().map(|t| format!("SELECT '{0}=' || count(*) AS text FROM \"{0}\"", t.text)).collect();
    let stock =
        "SELECT 'stock=' || coalesce(md5(string_agg(v::text, '|' ORDER BY v.vin)), 'none') AS text FROM vehicles v";
    let lines: Vec<Text> =
        diesel::sql_query(format!("{} UNION ALL {stock}", counts.join(" UNION ALL "))).load(&mut conn).await.unwrap();
    lines.into_iter().map(|line| line.text).collect::<Vec<_>>().join(" ")
}

#[actix_web::test]
async fn backup_then_restore_gives_the_same_database_and_never_mixes_two() {
    let app = TestApp::spawn().await;
    let bin = pg_bin_dir(&app).await;
    let seeded = dealaai(&app).args(["seed", "--vehicles", "300", "--history-days", "3"]).output().unwrap();
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    let original = fingerprint(app.db.url()).await;
    assert!(original.contains(" vehicles=300 ") && original.contains(" users=1 "), "{original}");

    let file = std::env::temp_dir().join(format!("{}.dump", app.db.name()));
    let output = dealaai(&app).env("PG_BIN_DIR", &bin).arg("backup").arg(&file).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));

    let empty = dealaai::testing::TestDatabase::empty();
    let output = dealaai_on(empty.url()).env("PG_BIN_DIR", &bin).arg("restore").arg(&file).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("up to date"), "{}", stdout(&output));
    assert_eq!(fingerprint(empty.url()).await, original);

    // A database in use is left alone without --clean...
    let other = TestApp::spawn().await;
    other.create_user("maria", Role::Sales).await;
    let before = fingerprint(other.db.url()).await;
    let output = dealaai(&other).env("PG_BIN_DIR", &bin).arg("restore").arg(&file).output().unwrap();
    assert!(!output.status.success());
    assert!(stderr(&output).contains("--clean"), "{}", stderr(&output));
    assert_eq!(fingerprint(other.db.url()).await, before);

    // ...and replaced by the backup with it.
    let output = dealaai(&other).env("PG_BIN_DIR", &bin).args(["restore", "--clean"]).arg(&file).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(fingerprint(other.db.url()).await, original);
    let _ = std::fs::remove_file(&file);
}

#[actix_web::test]
async fn backup_names_a_missing_or_too_old_pg_dump() {
    let app = TestApp::spawn().await;
    let dir = std::env::temp_dir().join(format!("{}-bin", app.db.name()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("stock.dump");

    let output = dealaai(&app).env("PG_BIN_DIR", &dir).arg("backup").arg(&file).output().unwrap();
    assert!(!output.status.success());
    assert!(stderr(&output).contains("`pg_dump` was not found in PG_BIN_DIR"), "{}", stderr(&output));

    let old = dir.join("pg_dump");
    std::fs::write(&old, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n").unwrap();
    std::fs::set_permissions(&old, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let output = dealaai(&app).env("PG_BIN_DIR", &dir).arg("backup").arg(&file).output().unwrap();
    assert!(!output.status.success());
    assert!(stderr(&output).contains("PostgreSQL 9's, older than the server"), "{}", stderr(&output));
    assert!(!file.exists(), "nothing written");
    let _ = std::fs::remove_dir_all(&dir);
}
