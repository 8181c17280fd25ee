//! Forwarding headers are believed only from TRUSTED_PROXIES (loopback by default: these
//! tests' client is a loopback peer, so a test that wants an untrusted one trusts another
//! network instead); security headers on the API and on Swagger UI.

use serde_json::{Value, json};
use shared::users::Role;

use crate::helpers::{PASSWORD, TestApp, assert_error};

/// Loopback is not in this list: the test client is an untrusted peer.
const NOT_LOOPBACK: &str = "10.0.0.0/8";

async fn login_from(app: &TestApp, forwarded_for: &str, username: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

/// The address the session of a fresh login was recorded with.
async fn session_ip(app: &TestApp, forwarded_for: &str) -> Value {
    let response = login_from(app, forwarded_for, "maria", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let token: Value = response.json().await.unwrap();
    let sessions: Vec<Value> =
        app.get_with_token("/api/auth/sessions", token["access_token"].as_str().unwrap()).await.json().await.unwrap();
    sessions.into_iter().find(|s| s["current"] == true).unwrap()["ip"].clone()
}

#[actix_web::test]
async fn a_forged_x_forwarded_for_from_an_untrusted_peer_does_not_move_the_throttle() {
    let app = TestApp::builder().var("TRUSTED_PROXIES", NOT_LOOPBACK).spawn().await;
    app.create_user("maria", Role::Sales).await;
    assert_eq!(session_ip(&app, "198.51.100.7").await, "127.0.0.1", "the peer, not its header");
    // A different made-up address each time: all 20 failures still count against the peer.
    for i in 0..20 {
        let response = login_from(&app, &format!("203.0.113.{i}"), &format!("user{i}"), "wrong").await;
        assert_error(response, 401, "invalid_credentials").await;
    }
    assert_error(login_from(&app, "198.51.100.99", "maria", PASSWORD).await, 429, "throttled").await;
}

#[actix_web::test]
async fn a_trusted_proxy_names_the_client_right_most_first() {
    let app = TestApp::spawn().await;
    app.create_user("maria", Role::Sales).await;
    assert_eq!(session_ip(&app, "198.51.100.7").await, "198.51.100.7", "loopback is trusted by default");
    // Left of the first untrusted address is whatever the client wrote.
    assert_eq!(session_ip(&app, "1.2.3.4, 198.51.100.7, 127.0.0.1").await, "198.51.100.7");

    for i in 0..20 {
        login_from(&app, "198.51.100.7", &format!("user{i}"), "wrong").await;
    }
    assert_error(login_from(&app, "198.51.100.7", "maria", PASSWORD).await, 429, "throttled").await;
    let elsewhere = login_from(&app, "192.0.2.1, 198.51.100.8", "maria", PASSWORD).await;
    assert_eq!(elsewhere.status(), 200, "another client behind the same proxy is not throttled");
}

#[actix_web::test]
async fn a_forbidden_host_is_refused_whatever_an_untrusted_peer_forwards() {
    let host_check = |trusted: &'static str| async move {
        let app =
            TestApp::builder().var("ALLOWED_HOSTS", "deala.example").var("TRUSTED_PROXIES", trusted).spawn().await;
        let login = |headers: &[(&str, &str)]| {
            let mut request = app.client.post(app.url("/api/auth/login")).json(&json!({}));
            for &(name, value) in headers {
                request = request.header(name, value);
            }
            request.send()
        };
        let forwarded = login(&[("host", "evil.example"), ("x-forwarded-host", "deala.example")]).await.unwrap();
        let forwarded_away = login(&[("host", "deala.example"), ("x-forwarded-host", "evil.example")]).await.unwrap();
        let rfc7239 = login(&[("host", "evil.example"), ("forwarded", "host=deala.example")]).await.unwrap();
        (forwarded.status().as_u16(), forwarded_away.status().as_u16(), rfc7239.status().as_u16())
    };
    // 422: the host passed and the empty body reached the handler.
    assert_eq!(host_check(NOT_LOOPBACK).await, (400, 422, 400), "untrusted: the Host header decides");
    assert_eq!(
        host_check("127.0.0.1").await,
        (422, 400, 400),
        "trusted: X-Forwarded-Host decides; Forwarded is unread"
    );
}

#[actix_web::test]
async fn the_api_and_swagger_ui_carry_their_own_content_security_policies() {
    let app = TestApp::spawn().await;
    let header = |response: &reqwest::Response, name: &str| response.headers()[name].to_str().unwrap().to_owned();
    let api = app.client.get(app.url("/api/health/")).send().await.unwrap();
    assert_eq!(header(&api, "content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
    assert_eq!(header(&api, "referrer-policy"), "same-origin");
    let refused = app.client.get(app.url("/api/auth/me")).send().await.unwrap();
    assert_eq!(header(&refused, "content-security-policy"), "default-src 'none'; frame-ancestors 'none'");

    let docs = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    let policy = header(&docs, "content-security-policy");
    for directive in ["default-src 'self'", "img-src 'self' data:", "frame-ancestors 'none'", "object-src 'none'"] {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    assert!(!policy.contains("unsafe"), "{policy}");
    assert_eq!(header(&docs, "x-content-type-options"), "nosniff");
    let initializer = app.client.get(app.url("/api/docs/swagger-initializer.js")).send().await.unwrap();
    assert!(initializer.text().await.unwrap().contains(r#""layout": "BaseLayout""#), "no top bar, no inline styles");
}
