//! Sessions a user can see and end, throttling, password changes.

use serde_json::{Value, json};
use shared::users::Role;

use crate::helpers::{PASSWORD, TestApp, assert_error};

#[actix_web::test]
async fn a_user_lists_and_revokes_their_own_sessions() {
    let app = TestApp::spawn().await;
    app.create_user("maria", Role::Sales).await;
    let laptop = app.login_ok("maria").await;
    let phone = app.login_ok("maria").await;
    let laptop_token = laptop["access_token"].as_str().unwrap();

    let sessions: Vec<Value> = app.get_with_token("/api/auth/sessions", laptop_token).await.json().await.unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"].as_i64().unwrap();

    let revoke = app.call("DELETE", &format!("/api/auth/sessions/{other}"), laptop_token, None).await;
    assert_eq!(revoke.status(), 204);
    let phone_me = app.get_with_token("/api/auth/me", phone["access_token"].as_str().unwrap()).await;
    assert_error(phone_me, 401, "invalid_token").await;
    assert_eq!(app.get_with_token("/api/auth/me", laptop_token).await.status(), 200);

    // Someone else's session is not yours to end.
    let intruder = app.token_for("pedro", Role::Admin).await;
    let laptop_session = sessions.iter().find(|s| s["current"] == true).unwrap()["id"].as_i64().unwrap();
    let response = app.call("DELETE", &format!("/api/auth/sessions/{laptop_session}"), &intruder, None).await;
    assert_error(response, 404, "not_found").await;
}

#[actix_web::test]
async fn logout_all_ends_every_session() {
    let app = TestApp::spawn().await;
    app.create_user("maria", Role::Sales).await;
    let first = app.login_ok("maria").await;
    let second = app.login_ok("maria").await;
    let response = app.call("POST", "/api/auth/logout-all", first["access_token"].as_str().unwrap(), None).await;
    assert_eq!(response.status(), 204);
    for tokens in [&first, &second] {
        assert_error(
            app.get_with_token("/api/auth/me", tokens["access_token"].as_str().unwrap()).await,
            401,
            "invalid_token",
        )
        .await;
        let refresh = app.post_json("/api/auth/refresh", &json!({"refresh_token": tokens["refresh_token"]})).await;
        assert_error(refresh, 401, "invalid_token").await;
    }
}

#[actix_web::test]
async fn five_failures_for_a_username_throttle_it_with_retry_after() {
    let app = TestApp::spawn().await;
    app.create_user("maria", Role::Sales).await;
    for _ in 0..5 {
        assert_error(app.login("maria", "wrong-password").await, 401, "invalid_credentials").await;
    }
    let throttled = app.login("maria", PASSWORD).await;
    let retry_after: u64 = throttled.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_error(throttled, 429, "throttled").await;
    // Unknown usernames are throttled the same way (no hint that they do not exist).
    for _ in 0..5 {
        app.login("ghost", "x").await;
    }
    assert_error(app.login("ghost", "x").await, 429, "throttled").await;
    // Other users are not affected by maria's counter.
    app.create_user("pedro", Role::Sales).await;
    assert_eq!(app.login("pedro", PASSWORD).await.status(), 200);
}

#[actix_web::test]
async fn a_successful_login_resets_the_username_counter() {
    let app = TestApp::spawn().await;
    app.create_user("maria", Role::Sales).await;
    for _ in 0..4 {
        app.login("maria", "wrong-password").await;
    }
    assert_eq!(app.login("maria", PASSWORD).await.status(), 200);
    for _ in 0..4 {
        app.login("maria", "wrong-password").await;
    }
    assert_eq!(app.login("maria", PASSWORD).await.status(), 200, "the counter started again");
}

#[actix_web::test]
async fn twenty_failures_from_one_address_throttle_it() {
    let app = TestApp::spawn().await;
    app.create_user("maria", Role::Sales).await;
    for i in 0..20 {
        app.login(&format!("user{i}"), "wrong").await;
    }
    assert_error(app.login("maria", PASSWORD).await, 429, "throttled").await;
}

#[actix_web::test]
async fn throttling_is_shared_by_every_replica() {
    let app = TestApp::spawn().await;
    app.create_user("maria", Role::Sales).await;
    // A second server process on the same database: another replica.
    let replica = crate::helpers::TestApp::builder().database_url(app.db.url().to_owned()).spawn().await;
    for _ in 0..5 {
        replica.login("maria", "wrong-password").await;
    }
    assert_error(app.login("maria", PASSWORD).await, 429, "throttled").await;
}

#[actix_web::test]
async fn changing_the_password_checks_the_current_one_and_ends_other_sessions() {
    let app = TestApp::spawn().await;
    app.create_user("maria", Role::Sales).await;
    let here = app.login_ok("maria").await;
    let elsewhere = app.login_ok("maria").await;
    let token = here["access_token"].as_str().unwrap();

    let wrong = json!({"current_password": "nope", "new_password": "a-brand-new-passphrase"});
    let body =
        assert_error(app.call("POST", "/api/auth/password", token, Some(&wrong)).await, 422, "validation_failed").await;
    assert_eq!(body["fields"]["current_password"], json!(["wrong_password"]));

    let weak = json!({"current_password": PASSWORD, "new_password": "123"});
    let body =
        assert_error(app.call("POST", "/api/auth/password", token, Some(&weak)).await, 422, "validation_failed").await;
    assert_eq!(body["fields"]["new_password"], json!(["too_short", "only_digits"]));

    let good = json!({"current_password": PASSWORD, "new_password": "a-brand-new-passphrase"});
    assert_eq!(app.call("POST", "/api/auth/password", token, Some(&good)).await.status(), 204);

    assert_eq!(app.get_with_token("/api/auth/me", token).await.status(), 200, "this session stays");
    let other = app.get_with_token("/api/auth/me", elsewhere["access_token"].as_str().unwrap()).await;
    assert_error(other, 401, "invalid_token").await;
    assert_error(app.login("maria", PASSWORD).await, 401, "invalid_credentials").await;
    assert_eq!(app.login("maria", "a-brand-new-passphrase").await.status(), 200);
}

#[actix_web::test]
async fn users_edit_their_own_contact_fields_only() {
    let app = TestApp::spawn().await;
    let token = app.token_for("maria", Role::Viewer).await;
    let changes =
        json!({"first_name": "María", "last_name": "López", "mobile": "+34 600 111 222", "email": "maria@grupo.es"});
    let response = app.call("PATCH", "/api/auth/me", &token, Some(&changes)).await;
    assert_eq!(response.status(), 200);
    let me: Value = response.json().await.unwrap();
    assert_eq!((me["first_name"].as_str(), me["mobile"].as_str()), (Some("María"), Some("+34 600 111 222")));

    // Role is not a contact field: refused by name, and not applied.
    let escalate = json!({"role": "admin"});
    let body =
        assert_error(app.call("PATCH", "/api/auth/me", &token, Some(&escalate)).await, 422, "validation_failed").await;
    assert!(body["fields"].get("role").is_some(), "{body}");
    let me: Value = app.call("GET", "/api/auth/me", &token, None).await.json().await.unwrap();
    assert_eq!(me["role"], "viewer");

    let bad = json!({"email": "not-an-email", "mobile": "call me"});
    let body =
        assert_error(app.call("PATCH", "/api/auth/me", &token, Some(&bad)).await, 422, "validation_failed").await;
    assert_eq!(body["fields"]["email"], json!(["invalid_email"]));
    assert_eq!(body["fields"]["mobile"], json!(["invalid"]));

    app.create_user("pedro", Role::Viewer).await;
    let taken = json!({"email": "PEDRO@example.com"});
    let body =
        assert_error(app.call("PATCH", "/api/auth/me", &token, Some(&taken)).await, 422, "validation_failed").await;
    assert_eq!(body["fields"]["email"], json!(["already_taken"]));
}

/// A token pairs its user with its session: one signed for user B with user A's session is
/// refused (it would need the key, but the check is one more condition on the same row).
#[actix_web::test]
async fn a_token_naming_another_users_session_is_refused() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", Role::Sales).await;
    let bob = app.create_user("bob", Role::Admin).await;
    let login = app.login_ok("alice").await;
    let token = login["access_token"].as_str().unwrap();
    let keys = dealaai::auth::tokens::JwtKeys::new(
        b"test-secret-key-test-secret-key-0123",
        std::time::Duration::from_secs(600),
    );
    let claims = keys.verify(token).unwrap();
    assert_eq!(claims.user_id().unwrap(), alice.id);
    let forged = keys.issue(bob.id, claims.sid, Role::Admin).unwrap();
    assert_error(app.get_with_token("/api/auth/me", &forged).await, 401, "invalid_token").await;
    // Alice's own token still works.
    assert_eq!(app.get_with_token("/api/auth/me", token).await.status(), 200);
}

/// Guessing the current password through "change password" is throttled like logins.
#[actix_web::test]
async fn guesses_of_the_current_password_are_throttled() {
    let app = TestApp::spawn().await;
    let token = app.token_for("carmen", Role::Sales).await;
    let guess = |n: usize| json!({"current_password": format!("guess-{n}"), "new_password": "a-brand-new-passphrase"});
    for n in 0..5 {
        let response = app.call("POST", "/api/auth/password", &token, Some(&guess(n))).await;
        assert_error(response, 422, "validation_failed").await;
    }
    let response = app.call("POST", "/api/auth/password", &token, Some(&guess(5))).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_error(response, 429, "throttled").await;
    // Even the right password waits now: the guesses cannot continue.
    let right = json!({"current_password": PASSWORD, "new_password": "a-brand-new-passphrase"});
    assert_error(app.call("POST", "/api/auth/password", &token, Some(&right)).await, 429, "throttled").await;
}

/// Parallel wrong passwords cannot overshoot the limit: each attempt is counted in the same
/// step as the check, so of 30 at once at most 5 are ever evaluated.
#[actix_web::test]
async fn parallel_wrong_passwords_are_counted_before_any_is_evaluated() {
    let app = TestApp::spawn().await;
    app.create_user("rosa", Role::Sales).await;
    let attempts = (0..30).map(|n| {
        let app = &app;
        async move { app.login("rosa", &format!("wrong-{n}")).await.status().as_u16() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let evaluated = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(evaluated + throttled, 30, "{statuses:?}");
    assert!(evaluated <= 5, "{evaluated} wrong passwords were evaluated: {statuses:?}");
    // The right password waits too, until the window passes.
    assert_error(app.login("rosa", PASSWORD).await, 429, "throttled").await;
}
