use serde_json::{Value, json};

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

/// A NUL can also arrive inside JSON (the escape `\u0000`) or a CSV cell: refused by field or
/// column on every kind of body, and nothing is written.
#[actix_web::test]
async fn nul_characters_in_json_bodies_and_csv_cells_are_refused_not_a_500() {
    let app = TestApp::spawn().await;
    let token = app.token_for("admin", shared::users::Role::Admin).await;
    let nul = "a\u{0}b";
    let bodies = [
        ("POST", "/api/auth/login", json!({"username": nul, "password": "whatever1234"}), "username"),
        ("POST", "/api/provinces", json!({"code": "99", "name": nul}), "name"),
        ("POST", "/api/dealers", json!({"name": "Norte", "address": nul}), "address"),
        ("POST", "/api/profiles", json!({"name": nul}), "name"),
        (
            "POST",
            "/api/users",
            json!({"username": "pepe", "first_name": nul, "password": "una clave larga"}),
            "first_name",
        ),
        ("PATCH", "/api/auth/me", json!({"last_name": nul}), "last_name"),
        (
            "POST",
            "/api/stock",
            json!({"vin": "VSSZZZ6JZ9R000001", "brand": "SEAT", "model": "Ibiza", "sale_price": "9000", "extra": {"color": [nul]}}),
            "extra",
        ),
        ("POST", "/api/assistant/conversations", json!({"title": nul}), "title"),
    ];
    for (method, path, body, field) in bodies {
        let response = app.call(method, path, &token, Some(&body)).await;
        let error = assert_error(response, 422, "validation_failed").await;
        assert!(error["fields"][field].is_array(), "{method} {path}: {error}");
    }
    let mut conn = app.conn().await;
    let provinces = crate::stock::count(&mut conn, "SELECT count(*) FROM provinces WHERE code = '99'").await;
    assert_eq!(provinces, 0, "nothing written");

    let csv = "vin,brand,model,sale_price,color,garaje\n\
        VSSZZZ6JZ9R000002,SEAT,Ibi\0za,9000,rojo,1\n\
        VSSZZZ6JZ9R000003,SEAT,Leon,9000,a\0,1\n\
        VSSZZZ6JZ9R000005,SEAT,Leon,9000,rojo,\0\n";
    let report =
        assert_error(crate::stock::import(&app, &token, "all_or_nothing", csv).await, 422, "validation_failed").await;
    let rejected: Vec<(u64, &str)> = report["report"]["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_u64().unwrap(), r["field"].as_str().unwrap()))
        .collect();
    assert_eq!(rejected, [(2, "model"), (3, "colour"), (4, "garaje")], "{report}");
    let header = "vin,brand,model,sale_price,co\0lor\nVSSZZZ6JZ9R000004,SEAT,Leon,9000,rojo\n";
    assert_error(crate::stock::import(&app, &token, "all_or_nothing", header).await, 422, "validation_failed").await;
    assert_eq!(crate::stock::count(&mut conn, "SELECT count(*) FROM vehicles").await, 0, "nothing written");
}

/// Every filter value is bounded (the cache keys are hashes, so no length reaches an index):
/// a 3,000-character value is a 422 naming the parameter on every endpoint that filters.
#[actix_web::test]
async fn overlong_filter_values_are_refused_by_name_on_every_filtering_endpoint() {
    let app = TestApp::spawn().await;
    let token = app.token_for("admin", shared::users::Role::Admin).await;
    let long = "A".repeat(3000);
    for endpoint in ["/api/stock", "/api/stock/facets", "/api/stock/export", "/api/dashboard", "/api/stock/search?q=x"]
    {
        let separator = if endpoint.contains('?') { '&' } else { '?' };
        let fields: &[&str] = if endpoint == "/api/dashboard" {
            &["province", "dealer_id", "stock_type"]
        } else {
            &["brand", "province", "dealer_id"]
        };
        for field in fields {
            let path = format!("{endpoint}{separator}{field}={long}");
            let body = assert_error(app.call("GET", &path, &token, None).await, 422, "validation_failed").await;
            assert_eq!(body["fields"][field][0], "too_long", "{endpoint} {field}: {body}");
        }
    }
    let body = assert_error(
        app.call("GET", &format!("/api/stock?q={}", "a ".repeat(300)), &token, None).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["fields"]["q"][0], "too_long");
    // Up to the bound, a long value is just a filter that finds nothing.
    let response = app.call("GET", &format!("/api/stock?brand={}", "B".repeat(100)), &token, None).await;
    assert_eq!(response.status(), 200);
}

/// A client's typo is seen: an unknown JSON field is a 422 naming it, on every body the API reads.
#[actix_web::test]
async fn unknown_json_fields_are_refused_by_name_on_every_body() {
    let app = TestApp::spawn().await;
    let token = app.token_for("admin", shared::users::Role::Admin).await;
    let me: serde_json::Value = app.get_with_token("/api/auth/me", &token).await.json().await.unwrap();
    let user = format!("/api/users/{}", me["id"]);
    for (method, path, unknown, body) in [
        ("PATCH", user.as_str(), "active", serde_json::json!({"active": false})),
        (
            "POST",
            "/api/users",
            "rol",
            serde_json::json!({"username": "x", "email": "x@y.es", "password": "a-long-passphrase", "rol": "admin"}),
        ),
        ("POST", "/api/dealers", "provincia", serde_json::json!({"name": "Motor", "provincia": 28})),
        ("POST", "/api/provinces", "country", serde_json::json!({"code": "99", "name": "X", "country": "ES"})),
        ("POST", "/api/profiles", "level", serde_json::json!({"name": "Jefe", "level": 1})),
        ("PATCH", "/api/auth/me", "phone", serde_json::json!({"phone": "600"})),
        (
            "POST",
            "/api/auth/password",
            "confirm",
            serde_json::json!({"current_password": "x", "new_password": "y", "confirm": "y"}),
        ),
        ("POST", "/api/stock", "wheels", serde_json::json!({"vin": "VSSZZZ6JZ9R123456", "wheels": 4})),
        (
            "POST",
            "/api/auth/login",
            "remember",
            serde_json::json!({"username": "admin", "password": "x", "remember": true}),
        ),
    ] {
        let response = app.call(method, path, &token, Some(&body)).await;
        let answer = assert_error(response, 422, "validation_failed").await;
        assert!(answer["fields"].get(unknown).is_some(), "{method} {path}: {answer}");
    }
    let still: serde_json::Value = app.get_with_token(&user, &token).await.json().await.unwrap();
    assert_eq!(still["is_active"], true, "nothing changed");
    // A value that does not fit is never taken for a field's name.
    let body = serde_json::json!({"vin": "VSSZZZ6JZ9R123456", "mileage_km": 2147483648u64});
    let answer =
        assert_error(app.call("POST", "/api/stock", &token, Some(&body)).await, 422, "validation_failed").await;
    assert!(answer["fields"].get("2147483648").is_none(), "{answer}");
}

/// A date is plausible or refused by name (never a 500 from PostgreSQL's range, never an
/// export cut after its first byte): filters reaching back past a century, and typed dates
/// outside 1900–2100 in vehicles and users.
#[actix_web::test]
async fn implausible_dates_are_refused_by_name_before_anything_is_read_or_written() {
    let app = TestApp::spawn().await;
    let token = app.token_for("admin", shared::users::Role::Admin).await;
    for path in [
        "/api/stock?days_in_stock_min=3000000",
        "/api/stock/export?days_in_stock_max=3000000",
        "/api/stock/facets?days_in_stock_min=36501",
    ] {
        let field = if path.contains("_min") { "days_in_stock_min" } else { "days_in_stock_max" };
        let body = assert_error(app.call("GET", path, &token, None).await, 422, "validation_failed").await;
        assert!(body["fields"].get(field).is_some(), "{path}: {body}");
    }
    let vehicle = serde_json::json!({
        "vin": "VSSZZZ6JZ9R123456", "brand": "SEAT", "model": "Ibiza", "stock_type": "VO",
        "sale_price": "9990", "registration_date": "0200-05-01",
    });
    let body =
        assert_error(app.call("POST", "/api/stock", &token, Some(&vehicle)).await, 422, "validation_failed").await;
    assert!(body["fields"].get("registration_date").is_some(), "{body}");
    // Money has cents, not fractions of them: `0.001` is refused, never read as 1.00 €.
    for price in [serde_json::json!("0.001"), serde_json::json!(0.001), serde_json::json!("0,001")] {
        let vehicle = serde_json::json!({
            "vin": "VSSZZZ6JZ9R123456", "brand": "SEAT", "model": "Ibiza", "stock_type": "VO", "sale_price": price,
        });
        let response = app.call("POST", "/api/stock", &token, Some(&vehicle)).await;
        let body = assert_error(response, 422, "validation_failed").await;
        assert!(body["fields"].get("sale_price").is_some(), "{price}: {body}");
    }
    let user = serde_json::json!({
        "username": "fechas", "email": "f@grupo.es", "password": "a-long-passphrase",
        "birth_date": "0200-01-01", "joining_date": "3000-01-01",
    });
    let body = assert_error(app.call("POST", "/api/users", &token, Some(&user)).await, 422, "validation_failed").await;
    assert!(body["fields"].get("birth_date").is_some() && body["fields"].get("joining_date").is_some(), "{body}");
    let stored = crate::stock::count(&mut app.conn().await, "SELECT count(*) FROM vehicles").await
        + crate::stock::count(&mut app.conn().await, "SELECT count(*) FROM users WHERE username = 'fechas'").await;
    assert_eq!(stored, 0, "nothing was written");
}
