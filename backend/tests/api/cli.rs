//! The `dealaai` binary's operator commands, run as a user would run them.

use std::io::Write;
use std::process::{Command, Stdio};

use shared::users::Role;

use crate::helpers::{TestApp, assert_error};

fn dealaai(app: &TestApp) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dealaai"));
    cmd.current_dir(std::env::temp_dir())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", app.db.url())
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

    let output = dealaai(&app)
        .arg("seed")
        .env("APP_ENV", "production")
        .env("SECRET_KEY", "4f9a0c3e7b21d8e56a0f9c2b7d4e1a3c5b8f0e2d")
        .env("ALLOWED_HOSTS", "deala.example")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("refused in production"));

    let output = dealaai(&app).arg("serve").env("APP_ENV", "production").output().unwrap();
    assert!(!output.status.success(), "serve must not start without a SECRET_KEY");
}
