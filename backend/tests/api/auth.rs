use serde_json::{Value, json};
use shared::users::Role;

use crate::helpers::{PASSWORD, TestApp, assert_error};

#[actix_web::test]
async fn login_returns_tokens_the_user_and_an_httponly_refresh_cookie() {
    let app = TestApp::spawn().await;
    app.create_user("maria", Role::Sales).await;

    let response = app.login("maria", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers().get("set-cookie").expect("refresh cookie").to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();

    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["user"]["username"], "maria");
    assert_eq!(body["user"]["role"], "sales");
    assert!(body["user"].get("password_hash").is_none(), "the hash never leaves the backend");
    let refresh = body["refresh_token"].as_str().unwrap();
    assert!(refresh.len() >= 43, "at least 256 bits");
    assert!(cookie.starts_with(&format!("dealaai_refresh={refresh}")));
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api/auth"] {
        assert!(cookie.contains(attribute), "{attribute} missing from {cookie}");
    }
    assert!(!cookie.contains("Secure"), "development serves plain HTTP");
}

#[actix_web::test]
async fn the_refresh_cookie_is_secure_in_production() {
    let app = TestApp::builder().production().spawn().await;
    app.create_user("maria", Role::Sales).await;
    let response = app.login("maria", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.contains("Secure"));
}

#[actix_web::test]
async fn usernames_are_case_insensitive() {
    let app = TestApp::spawn().await;
    app.create_user("maria", Role::Sales).await;
    assert_eq!(app.login("MARIA", PASSWORD).await.status(), 200);
}

#[actix_web::test]
async fn wrong_credentials_get_401_in_the_error_shape() {
    let app = TestApp::spawn().await;
    app.create_user("maria", Role::Sales).await;

    let wrong_password = assert_error(app.login("maria", "not-the-password").await, 401, "invalid_credentials").await;
    let unknown_user = assert_error(app.login("nobody", PASSWORD).await, 401, "invalid_credentials").await;
    assert_eq!(wrong_password, unknown_user, "no hint whether the user exists");
}

#[actix_web::test]
async fn inactive_users_cannot_log_in() {
    let app = TestApp::spawn().await;
    let user = app.create_user("gone", Role::Sales).await;
    deactivate(&app, user.id).await;
    assert_error(app.login("gone", PASSWORD).await, 401, "invalid_credentials").await;
}

#[actix_web::test]
async fn bad_login_bodies_are_client_errors() {
    let app = TestApp::spawn().await;

    let missing = app.post_json("/api/auth/login", &json!({"username": "maria"})).await;
    let body = assert_error(missing, 422, "validation_failed").await;
    assert!(body["fields"]["password"].is_array(), "names the field: {body}");

    let empty = app.post_json("/api/auth/login", &json!({"username": " ", "password": ""})).await;
    let body = assert_error(empty, 422, "validation_failed").await;
    assert!(body["fields"]["username"].is_array() && body["fields"]["password"].is_array());

    let malformed = app
        .client
        .post(app.url("/api/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_error(malformed, 400, "bad_request").await;

    let huge = json!({"username": "x".repeat(300 * 1024), "password": "y"});
    assert_error(app.post_json("/api/auth/login", &huge).await, 413, "payload_too_large").await;
}

#[actix_web::test]
async fn me_needs_a_valid_bearer_token() {
    let app = TestApp::spawn().await;
    app.create_user("maria", Role::Manager).await;
    let tokens = app.login_ok("maria").await;

    let me = app.get_with_token("/api/auth/me", tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["username"], "maria");
    assert_eq!(me["role"], "manager");

    let anonymous = app.client.get(app.url("/api/auth/me")).send().await.unwrap();
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    assert_error(anonymous, 401, "unauthenticated").await;

    for garbage in ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."] {
        assert_error(app.get_with_token("/api/auth/me", garbage).await, 401, "invalid_token").await;
    }
    let basic = app.client.get(app.url("/api/auth/me")).basic_auth("maria", Some(PASSWORD)).send().await.unwrap();
    assert_error(basic, 401, "invalid_token").await;
}

#[actix_web::test]
async fn tokens_signed_with_another_key_are_refused() {
    let app = TestApp::spawn().await;
    let other = TestApp::builder().var("SECRET_KEY", "some-other-key-some-other-key-some-other").spawn().await;
    app.create_user("maria", Role::Admin).await;
    other.create_user("maria", Role::Admin).await;
    let foreign = other.login_ok("maria").await;
    let response = app.get_with_token("/api/auth/me", foreign["access_token"].as_str().unwrap()).await;
    assert_error(response, 401, "invalid_token").await;
}

#[actix_web::test]
async fn refresh_rotates_the_token_and_the_old_one_stops_working() {
    let app = TestApp::spawn().await;
    app.create_user("maria", Role::Sales).await;
    let first = app.login_ok("maria").await;
    let first_refresh = first["refresh_token"].as_str().unwrap();

    let rotated = app.post_json("/api/auth/refresh", &json!({"refresh_token": first_refresh})).await;
    assert_eq!(rotated.status(), 200);
    let rotated: Value = rotated.json().await.unwrap();
    let second_refresh = rotated["refresh_token"].as_str().unwrap();
    assert_ne!(second_refresh, first_refresh);
    assert_eq!(rotated["user"]["username"], "maria");
    let me = app.get_with_token("/api/auth/me", rotated["access_token"].as_str().unwrap()).await;
    assert_eq!(me.status(), 200);

    // Replaying the first token is theft: refused, and the whole session is revoked.
    let replay = app.post_json("/api/auth/refresh", &json!({"refresh_token": first_refresh})).await;
    assert_error(replay, 401, "invalid_token").await;
    let after_theft = app.post_json("/api/auth/refresh", &json!({"refresh_token": second_refresh})).await;
    assert_error(after_theft, 401, "invalid_token").await;
    let me = app.get_with_token("/api/auth/me", rotated["access_token"].as_str().unwrap()).await;
    assert_error(me, 401, "invalid_token").await;
}

#[actix_web::test]
async fn two_tabs_refreshing_at_once_do_not_end_the_session() {
    let app = TestApp::builder().var("REFRESH_REUSE_GRACE_SECONDS", "30").spawn().await;
    app.create_user("maria", Role::Sales).await;
    let tokens = app.login_ok("maria").await;
    let shared_cookie = tokens["refresh_token"].as_str().unwrap();

    let first = app.post_json("/api/auth/refresh", &json!({"refresh_token": shared_cookie})).await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    // The second tab still sent the old cookie: refused, without revoking anything...
    let second = app.post_json("/api/auth/refresh", &json!({"refresh_token": shared_cookie})).await;
    assert_error(second, 401, "invalid_token").await;
    // ...so its retry with the cookie the first answer set succeeds.
    let retry = app.post_json("/api/auth/refresh", &json!({"refresh_token": first["refresh_token"]})).await;
    assert_eq!(retry.status(), 200);
}

#[actix_web::test]
async fn refresh_accepts_the_cookie() {
    let app = TestApp::spawn().await;
    app.create_user("maria", Role::Sales).await;
    let tokens = app.login_ok("maria").await;
    let response = app
        .client
        .post(app.url("/api/auth/refresh"))
        .header("cookie", format!("dealaai_refresh={}", tokens["refresh_token"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("set-cookie").is_some(), "the cookie is rotated too");
}

#[actix_web::test]
async fn refresh_without_or_with_an_unknown_token_is_401() {
    let app = TestApp::spawn().await;
    assert_error(app.client.post(app.url("/api/auth/refresh")).send().await.unwrap(), 401, "unauthenticated").await;
    let unknown = app.post_json("/api/auth/refresh", &json!({"refresh_token": "made-up"})).await;
    assert_error(unknown, 401, "invalid_token").await;
}

#[actix_web::test]
async fn logout_revokes_the_session_at_once() {
    let app = TestApp::spawn().await;
    app.create_user("maria", Role::Sales).await;
    let tokens = app.login_ok("maria").await;
    let access = tokens["access_token"].as_str().unwrap();

    let logout = app.client.post(app.url("/api/auth/logout")).bearer_auth(access).send().await.unwrap();
    assert_eq!(logout.status(), 204);
    let cleared = logout.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(cleared.contains("Max-Age=0") || cleared.contains("expires=Thu, 01 Jan 1970"), "{cleared}");

    assert_error(app.get_with_token("/api/auth/me", access).await, 401, "invalid_token").await;
    let refresh = app.post_json("/api/auth/refresh", &json!({"refresh_token": tokens["refresh_token"]})).await;
    assert_error(refresh, 401, "invalid_token").await;
}

#[actix_web::test]
async fn a_deactivated_users_tokens_stop_working() {
    let app = TestApp::spawn().await;
    let user = app.create_user("maria", Role::Sales).await;
    let tokens = app.login_ok("maria").await;
    deactivate(&app, user.id).await;

    let me = app.get_with_token("/api/auth/me", tokens["access_token"].as_str().unwrap()).await;
    assert_error(me, 401, "invalid_token").await;
    let refresh = app.post_json("/api/auth/refresh", &json!({"refresh_token": tokens["refresh_token"]})).await;
    assert_error(refresh, 401, "invalid_token").await;
}

async fn deactivate(app: &TestApp, user_id: i64) {
    use dealaai::db::schema::users;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    diesel::update(users::table.find(user_id))
        .set(users::is_active.eq(false))
        .execute(&mut app.conn().await)
        .await
        .unwrap();
}

/// Logs in as if from `address`: the test client connects from loopback, and the backend
/// believes the `X-Forwarded-For` of a loopback peer (the frontend proxy in development).
async fn login_from(app: &TestApp, address: &str, username: &str, password: &str) -> reqwest::Response {
    let body = json!({"username": username, "password": password});
    app.client.post(app.url("/api/auth/login")).header("x-forwarded-for", address).json(&body).send().await.unwrap()
}

async fn retry_after(response: reqwest::Response) -> u64 {
    let seconds = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert_error(response, 429, "throttled").await;
    seconds
}

#[actix_web::test]
async fn an_attacker_elsewhere_cannot_lock_the_owner_out() {
    let app = TestApp::spawn().await;
    app.create_user("admin", Role::Admin).await;
    let (attacker, owner) = ("203.0.113.7", "198.51.100.20");
    for n in 0..5 {
        let guess = login_from(&app, attacker, "admin", &format!("guess-{n}")).await;
        assert_error(guess, 401, "invalid_credentials").await;
    }
    let blocked = retry_after(login_from(&app, attacker, "admin", PASSWORD).await).await;
    assert!((1..=900).contains(&blocked), "{blocked}");

    let response = login_from(&app, owner, "admin", PASSWORD).await;
    assert_eq!(response.status(), 200, "the owner logs in from their own address");
    let sessions: Vec<Value> = app
        .get_with_token("/api/auth/sessions", response.json::<Value>().await.unwrap()["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sessions[0]["ip"], owner, "the forwarded address is the one counted");

    // The owner's success does not give the attacker fresh attempts.
    retry_after(login_from(&app, attacker, "admin", PASSWORD).await).await;
    retry_after(login_from(&app, attacker, "admin", "guess-6").await).await;
}

/// Guesses spread over many addresses slow the username down for new addresses, but an
/// address the user has logged in from before is not slowed.
#[actix_web::test]
async fn guesses_from_many_addresses_slow_down_new_addresses_only() {
    use dealaai::db::schema::login_failures;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;

    let app = TestApp::spawn().await;
    app.create_user("maria", Role::Sales).await;
    let (home, new_laptop) = ("198.51.100.20", "192.0.2.44");
    assert_eq!(login_from(&app, home, "maria", PASSWORD).await.status(), 200);
    // A botnet's 16 wrong guesses, one from each address: each address stays under its limits.
    let botnet: Vec<_> = (1..=16)
        .map(|n| (login_failures::username.eq("maria"), login_failures::ip.eq(format!("203.0.113.{n}"))))
        .collect();
    diesel::insert_into(login_failures::table).values(botnet).execute(&mut app.conn().await).await.unwrap();

    // Past 10 failures each attempt waits twice as long as the last: 2^6 s after the 16th.
    let wait = retry_after(login_from(&app, "203.0.113.99", "maria", "guess").await).await;
    assert!((30..=64).contains(&wait), "{wait}");
    let wait = retry_after(login_from(&app, new_laptop, "maria", PASSWORD).await).await;
    assert!((30..=64).contains(&wait), "{wait}");
    // Unknown usernames are slowed the same way: no hint whether the user exists.
    let ghosts: Vec<_> = (1..=16)
        .map(|n| (login_failures::username.eq("ghost"), login_failures::ip.eq(format!("203.0.113.{n}"))))
        .collect();
    diesel::insert_into(login_failures::table).values(ghosts).execute(&mut app.conn().await).await.unwrap();
    retry_after(login_from(&app, new_laptop, "ghost", PASSWORD).await).await;

    assert_eq!(login_from(&app, home, "maria", PASSWORD).await.status(), 200, "home is known");
    // A wrong password from home is still only a wrong password.
    assert_error(login_from(&app, home, "maria", "typo").await, 401, "invalid_credentials").await;
}
