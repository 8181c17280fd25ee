//! The OpenAPI document against what the API really does: the enum values serde sends, the
//! shape of real answers, the parameter bounds it enforces, and 405 for undeclared methods.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::{DeserializeOwned, Deserializer, Error as _, Visitor};
use serde_json::{Value, json};
use shared::users::Role;

use crate::assistant::{new_conversation, seed};
use crate::helpers::{TestApp, assert_error};

async fn document(app: &TestApp) -> Value {
    let response = app.client.get(app.url("/api/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The names serde reads for each variant of the enum `T`, renames applied: the list its
/// derived `Deserialize` hands to the deserializer, so no list is kept here.
fn variant_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Names(Option<&'static [&'static str]>);

    impl<'de> Deserializer<'de> for &mut Names {
        type Error = serde::de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(Self::Error::custom("not an enum"))
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _: &'static str,
            variants: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = Some(variants);
            Err(Self::Error::custom("only the names were wanted"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map struct identifier ignored_any
        }
    }

    let mut names = Names(None);
    let _ = T::deserialize(&mut names);
    names.0.expect("a string enum")
}

/// What serde sends for each variant of `T`.
fn wire_values<T: DeserializeOwned + Serialize>() -> Vec<String> {
    let mut values: Vec<String> = variant_names::<T>()
        .iter()
        .map(|name| {
            let variant: T = serde_json::from_value(json!(name)).unwrap();
            serde_json::to_value(variant).unwrap().as_str().unwrap().to_owned()
        })
        .collect();
    // Aliases read into a variant that is sent under one name.
    values.sort();
    values.dedup();
    values
}

#[actix_web::test]
async fn every_enum_publishes_exactly_the_values_serde_sends() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let checked: BTreeMap<&str, Vec<String>> = BTreeMap::from([
        ("ChatRole", wire_values::<shared::assistant::ChatRole>()),
        ("ComponentStatus", wire_values::<shared::health::ComponentStatus>()),
        ("ErrorCode", wire_values::<shared::ErrorCode>()),
        ("Fuel", wire_values::<shared::stock::Fuel>()),
        ("ImportMode", wire_values::<shared::stock::ImportMode>()),
        ("MessageStatus", wire_values::<shared::assistant::MessageStatus>()),
        ("Role", wire_values::<Role>()),
        ("SearchMode", wire_values::<shared::stock::SearchMode>()),
        ("StockType", wire_values::<shared::stock::StockType>()),
        ("Transmission", wire_values::<shared::stock::Transmission>()),
        ("VehicleStatus", wire_values::<shared::stock::VehicleStatus>()),
    ]);
    let published: BTreeMap<&str, Vec<String>> = doc["components"]["schemas"]
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(name, schema)| {
            let mut values: Vec<String> =
                schema["enum"].as_array()?.iter().map(|v| v.as_str().unwrap().to_owned()).collect();
            values.sort();
            Some((name.as_str(), values))
        })
        .collect();
    // A new enum in the document must be added above, so that it is checked too.
    assert_eq!(published.keys().collect::<Vec<_>>(), checked.keys().collect::<Vec<_>>());
    for (name, values) in &checked {
        assert_eq!(&published[name], values, "{name}: the document against serde");
    }
    assert!(checked["StockType"].contains(&"KM0".to_owned()), "codes, not variant names");
}

/// Problems of `value` against a JSON schema of the document (the keywords utoipa writes,
/// but `pattern`), each with where it is.
fn violations(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let mut problems = Vec::new();
    check(doc, schema, value, at, &mut problems);
    problems
}

fn check(doc: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.strip_prefix("#/components/schemas/").expect("a schema reference");
        return check(doc, &doc["components"]["schemas"][name], value, at, problems);
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        check(doc, part, value, at, problems);
    }
    if let Some(choices) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        let passing = choices.iter().filter(|choice| violations(doc, choice, value, at).is_empty()).count();
        let expected_one = schema["oneOf"].is_array();
        if passing == 0 || (expected_one && passing > 1) {
            problems.push(format!("{at}: {passing} of the choices match {value}"));
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        problems.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let type_matches = |t: &&str| match *t {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        other => panic!("unknown type {other}"),
    };
    if !types.is_empty() && !types.iter().any(type_matches) {
        problems.push(format!("{at}: {value} is not of type {types:?}"));
        return;
    }
    if let Some(number) = value.as_f64() {
        if schema["minimum"].as_f64().is_some_and(|min| number < min) {
            problems.push(format!("{at}: {number} is below the minimum"));
        }
        if schema["maximum"].as_f64().is_some_and(|max| number > max) {
            problems.push(format!("{at}: {number} is above the maximum"));
        }
    }
    if let Some(text) = value.as_str() {
        let length = text.chars().count() as u64;
        if schema["maxLength"].as_u64().is_some_and(|max| length > max) {
            problems.push(format!("{at}: longer than maxLength"));
        }
        let parses = match schema["format"].as_str() {
            Some("date-time") => chrono::DateTime::parse_from_rfc3339(text).is_ok(),
            Some("date") => text.parse::<chrono::NaiveDate>().is_ok(),
            _ => true,
        };
        if !parses {
            problems.push(format!("{at}: {text:?} is not a {}", schema["format"]));
        }
    }
    if let Some(items) = value.as_array() {
        for (i, item) in items.iter().enumerate() {
            if schema.get("items").is_some() {
                check(doc, &schema["items"], item, &format!("{at}[{i}]"), problems);
            }
        }
    }
    if let Some(fields) = value.as_object() {
        for required in schema["required"].as_array().into_iter().flatten() {
            if !fields.contains_key(required.as_str().unwrap()) {
                problems.push(format!("{at}: missing required {required}"));
            }
        }
        for (name, field) in fields {
            let at = format!("{at}.{name}");
            match (schema["properties"].get(name), schema.get("additionalProperties")) {
                (Some(property), _) => check(doc, property, field, &at, problems),
                (None, Some(Value::Bool(false))) => problems.push(format!("{at}: not in the schema")),
                (None, Some(extra @ Value::Object(_))) => check(doc, extra, field, &at, problems),
                (None, _) => {}
            }
        }
    }
}

/// The schema the document gives for `method path` answering `status` with JSON.
fn documented<'a>(doc: &'a Value, method: &str, template: &str, status: u16) -> &'a Value {
    let response = &doc["paths"][template][method]["responses"][status.to_string()];
    let schema = &response["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {template} documents no JSON answer for {status}");
    schema
}

#[actix_web::test]
async fn real_answers_match_their_documented_schemas() {
    let app = TestApp::spawn().await;
    let mut conn = seed(&app).await;
    let vin: String = crate::stock::vins(&mut conn, "SELECT vin FROM vehicles ORDER BY vin LIMIT 1").await.remove(0);
    let token = app.token_for("boss", Role::Admin).await;
    let doc = document(&app).await;

    // (method, path asked, documented path, body, expected status)
    let requests: Vec<(&str, String, &str, Option<Value>, u16)> = vec![
        ("get", "/api/health/".into(), "/api/health/", None, 200),
        ("get", "/api/auth/me".into(), "/api/auth/me", None, 200),
        ("get", "/api/auth/sessions".into(), "/api/auth/sessions", None, 200),
        ("get", "/api/users".into(), "/api/users", None, 200),
        ("get", "/api/dealers".into(), "/api/dealers", None, 200),
        ("get", "/api/provinces".into(), "/api/provinces", None, 200),
        ("get", "/api/profiles".into(), "/api/profiles", None, 200),
        ("get", "/api/stock?page_size=100".into(), "/api/stock", None, 200),
        ("get", format!("/api/stock/{vin}"), "/api/stock/{vin}", None, 200),
        ("get", format!("/api/stock/{vin}/history"), "/api/stock/{vin}/history", None, 200),
        ("get", "/api/stock/facets?brand=SEAT".into(), "/api/stock/facets", None, 200),
        ("get", "/api/stock/search?q=diesel&mode=text".into(), "/api/stock/search", None, 200),
        ("get", "/api/dashboard".into(), "/api/dashboard", None, 200),
        ("get", "/api/assistant/conversations".into(), "/api/assistant/conversations", None, 200),
        ("get", "/api/stock/NO-SUCH-VIN".into(), "/api/stock/{vin}", None, 404),
        ("get", "/api/stock?page=0&fuel=steam".into(), "/api/stock", None, 422),
        ("post", "/api/stock".into(), "/api/stock", Some(json!({"brand": "SEAT"})), 422),
        ("get", "/api/users/not-a-number".into(), "/api/users/{id}", None, 400),
    ];
    for (method, path, template, body, status) in requests {
        let response = app.call(&method.to_uppercase(), &path, &token, body.as_ref()).await;
        assert_eq!(response.status().as_u16(), status, "{method} {path}");
        let answer: Value = response.json().await.unwrap();
        let problems = violations(&doc, documented(&doc, method, template, status), &answer, "answer");
        assert!(problems.is_empty(), "{method} {path} ({status}) against its schema:\n{}", problems.join("\n"));
    }

    // The check has teeth: a variant name where the wire has its code is refused.
    let mut vehicle: Value = app.call("GET", &format!("/api/stock/{vin}"), &token, None).await.json().await.unwrap();
    vehicle["stock_type"] = json!("Km0");
    let problems = violations(&doc, documented(&doc, "get", "/api/stock/{vin}", 200), &vehicle, "vehicle");
    assert_eq!(problems.len(), 1, "{problems:?}");

    // An unreadable file is refused with the plain error shape, which the import documents too.
    let empty_file =
        app.client.post(app.url("/api/stock/import")).bearer_auth(&token).header("content-type", "text/csv");
    let response = empty_file.body("").send().await.unwrap();
    let answer = assert_error(response, 422, "validation_failed").await;
    assert!(violations(&doc, documented(&doc, "post", "/api/stock/import", 422), &answer, "answer").is_empty());

    let anonymous = app.client.get(app.url("/api/stock")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let answer: Value = anonymous.json().await.unwrap();
    assert!(violations(&doc, documented(&doc, "get", "/api/stock", 401), &answer, "answer").is_empty());

    // Each event of an answer streamed by the embedded planner is as documented: its name and
    // its data, JSON of the `contentSchema` (a StreamEvent).
    let conversation = new_conversation(&app, &token).await;
    let path = format!("/api/assistant/conversations/{conversation}/messages");
    let response = app.call("POST", &path, &token, Some(&json!({"content": "¿Cuántos coches diésel hay?"}))).await;
    assert_eq!(response.status(), 200);
    let event_schema = &doc["paths"]["/api/assistant/conversations/{id}/messages"]["post"]["responses"]["200"]["content"]
        ["text/event-stream"]["schema"];
    let data_schema = &event_schema["properties"]["data"]["contentSchema"];
    assert_eq!(data_schema["$ref"], "#/components/schemas/StreamEvent");
    let text = response.text().await.unwrap();
    let events: Vec<Value> = text
        .split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let field = |name: &str| block.lines().find_map(|l| l.strip_prefix(name)).unwrap_or_default();
            json!({"event": field("event: "), "data": field("data: ")})
        })
        .collect();
    assert!(events.len() > 2, "{text}");
    for event in &events {
        let data: Value = serde_json::from_str(event["data"].as_str().unwrap()).unwrap();
        let mut problems = violations(&doc, event_schema, event, "event");
        problems.extend(violations(&doc, data_schema, &data, "data"));
        assert!(problems.is_empty(), "{event} against its schema:\n{}", problems.join("\n"));
    }
}

#[actix_web::test]
async fn the_published_parameter_bounds_are_the_ones_enforced() {
    let app = TestApp::spawn().await;
    let token = app.token_for("boss", Role::Admin).await;
    let doc = document(&app).await;
    let mut bounds_seen = 0;
    for path in ["/api/stock", "/api/users", "/api/dealers", "/api/dashboard"] {
        for parameter in doc["paths"][path]["get"]["parameters"].as_array().unwrap() {
            let name = parameter["name"].as_str().unwrap();
            let schema = &parameter["schema"];
            // (a value just inside the bound, one just past it)
            let mut cases: Vec<(String, String)> = Vec::new();
            if let Some(max) = schema["maxLength"].as_u64() {
                cases.push(("a".repeat(max as usize), "a".repeat(max as usize + 1)));
            }
            if let Some(max) = schema["maximum"].as_i64() {
                cases.push((max.to_string(), (max + 1).to_string()));
            }
            if let Some(min) = schema["minimum"].as_i64() {
                cases.push((min.to_string(), (min - 1).to_string()));
            }
            for (inside, outside) in cases {
                bounds_seen += 1;
                let ok = app.get_with_token(&format!("{path}?{name}={inside}"), &token).await;
                assert_eq!(ok.status(), 200, "{path}?{name}={inside} is within the published bound");
                let refused = app.get_with_token(&format!("{path}?{name}={outside}"), &token).await;
                let body = assert_error(refused, 422, "validation_failed").await;
                assert!(body["fields"][name].is_array(), "{path}?{name}={outside} names {name}: {body}");
            }
        }
    }
    assert!(bounds_seen >= 20, "the stock filters, pages and sizes publish their bounds ({bounds_seen})");
    let q = doc["paths"]["/api/stock/search"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "q")
        .unwrap();
    assert_eq!(q["required"], true, "the search's own `q` wins over the optional one of the filters");
    assert_eq!(q["schema"]["maxLength"], shared::stock::MAX_SEARCH_QUERY_CHARS);
}

#[actix_web::test]
async fn undeclared_methods_on_existing_paths_are_405_with_allow() {
    let app = TestApp::spawn().await;
    let token = app.token_for("boss", Role::Admin).await;
    let doc = document(&app).await;
    for (method, path, allowed) in [
        ("PUT", "/api/stock", "GET, POST"),
        ("POST", "/api/stock/VSSZZZ6JZ9R123456", "GET, PATCH, DELETE"),
        ("DELETE", "/api/health/", "GET"),
        ("PUT", "/api/auth/me", "GET, PATCH"),
        ("OPTIONS", "/api/stock/search", "GET"),
    ] {
        let response = app.call(method, path, &token, None).await;
        assert_eq!(response.headers()["allow"], allowed, "{method} {path}");
        let body = assert_error(response, 405, "method_not_allowed").await;
        assert!(violations(&doc, &json!({"$ref": "#/components/schemas/ErrorBody"}), &body, "body").is_empty());
    }
    let unknown = app.call("PUT", "/api/no-such-thing", &token, None).await;
    assert_error(unknown, 404, "not_found").await;
}

/// Every `{name}` of a path is a documented path parameter of each of its operations (a
/// typed path extractor is not seen by the document generator: it needs `params(..)`).
#[actix_web::test]
async fn every_path_parameter_is_documented() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let mut missing = Vec::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        let names: Vec<&str> =
            path.split('{').skip(1).filter_map(|rest| rest.split_once('}')).map(|(name, _)| name).collect();
        for (method, operation) in operations.as_object().unwrap() {
            for name in &names {
                let declared = operation["parameters"].as_array().is_some_and(|parameters| {
                    parameters.iter().any(|p| p["in"] == "path" && p["name"] == *name && p["required"] == true)
                });
                if !declared {
                    missing.push(format!("{method} {path}: {name}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "undocumented path parameters: {missing:?}");
}

/// The document is collected from the route table as handlers are registered, so a route
/// cannot go undocumented (registering needs its `#[utoipa::path]`); and every documented
/// operation is routed: asked, none falls through to the 405 that a documented path gives
/// the methods it does not serve.
#[actix_web::test]
async fn every_documented_operation_is_routed() {
    let app = TestApp::spawn().await;
    let token = app.token_for("boss", Role::Admin).await;
    let doc = document(&app).await;
    let mut asked = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        let path = template.replace("{vin}", "VSSZZZ6JZ9R123456").replace("{id}", "1");
        assert!(!path.contains('{'), "a new kind of path parameter: {template}");
        for method in item.as_object().unwrap().keys() {
            let response = app.call(&method.to_uppercase(), &path, &token, Some(&json!({}))).await;
            assert_ne!(response.status(), 405, "{method} {template} is documented but not routed");
            asked += 1;
        }
    }
    assert!(asked >= 50, "every operation was asked: {asked}");
}
