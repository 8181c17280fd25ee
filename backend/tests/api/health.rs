use serde_json::Value;

use crate::helpers::TestApp;

#[actix_web::test]
async fn health_reports_ok_with_the_database() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/api/health/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    assert!(body["timestamp"].is_string());
}

#[actix_web::test]
async fn health_is_503_while_the_database_is_down_and_recovers_by_itself() {
    let (app, proxy, _db_server) = TestApp::behind_proxy().await;
    let health = || async { app.client.get(app.url("/api/health/")).send().await.unwrap() };

    assert_eq!(health().await.status(), 200);

    proxy.set_up(false);
    let down = health().await;
    assert_eq!(down.status(), 503);
    let body: Value = down.json().await.unwrap();
    assert_eq!(body["database"], "unavailable");
    assert_eq!(body["status"], "degraded");

    proxy.set_up(true);
    assert_eq!(health().await.status(), 200, "recovers without a restart");
}
