use serde_json::Value;

use crate::helpers::{TestApp, assert_error};

#[actix_web::test]
async fn the_openapi_document_describes_the_api() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/api/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in ["/api/health/", "/api/auth/login", "/api/auth/refresh", "/api/auth/logout", "/api/auth/me"] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
    assert!(doc["components"]["schemas"].get("ErrorBody").is_some());
    assert!(doc["components"]["securitySchemes"].get("bearer").is_some());
}

#[actix_web::test]
async fn swagger_ui_is_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let page = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("swagger-ui"));
    let bundle = app.client.get(app.url("/api/docs/swagger-ui-bundle.js")).send().await.unwrap();
    assert_eq!(bundle.status(), 200);
    let config = app.client.get(app.url("/api/docs/swagger-initializer.js")).send().await.unwrap();
    assert!(config.text().await.unwrap().contains("/api/openapi.json"), "points at our document");
}

#[actix_web::test]
async fn unknown_routes_are_json_404s() {
    let app = TestApp::spawn().await;
    assert_error(app.client.get(app.url("/api/nothing-here")).send().await.unwrap(), 404, "not_found").await;
}

#[actix_web::test]
async fn requests_for_other_hosts_are_refused_when_allowed_hosts_is_set() {
    let app = TestApp::builder().var("ALLOWED_HOSTS", "deala.example,localhost").spawn().await;
    let login = |host: &'static str| {
        app.client.post(app.url("/api/auth/login")).header("host", host).json(&serde_json::json!({})).send()
    };
    assert_error(login("evil.example").await.unwrap(), 400, "invalid_host").await;
    assert_eq!(login("deala.example:443").await.unwrap().status(), 422, "allowed host reaches the handler");

    let health = app.client.get(app.url("/api/health/")).header("host", "10.0.0.7:8000").send().await.unwrap();
    assert_eq!(health.status(), 200, "orchestrators probe health by address");
}

#[actix_web::test]
async fn responses_carry_security_headers() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/api/health/")).send().await.unwrap();
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["x-frame-options"], "DENY");
}

#[actix_web::test]
async fn nul_characters_in_query_parameters_and_paths_are_refused_not_a_500() {
    let app = TestApp::spawn().await;
    let token = app.token_for("admin", shared::users::Role::Admin).await;
    for (path, field) in [
        ("/api/stock?brand=SE%00AT", "brand"),
        ("/api/stock?q=%00", "q"),
        ("/api/stock/search?q=furgoneta%00", "q"),
        ("/api/stock/facets?model=a%00", "model"),
        ("/api/dashboard?province=2%008", "province"),
        ("/api/users?q=%00", "q"),
    ] {
        let body = assert_error(app.call("GET", path, &token, None).await, 422, "validation_failed").await;
        assert!(body["fields"][field].is_array(), "{path}: {body}");
    }
    assert_error(app.call("GET", "/api/stock/VSS%00123", &token, None).await, 400, "bad_request").await;
}
