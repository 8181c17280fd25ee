//! The stock API against the database's own answers on a generated stock.

use chrono::NaiveDate;
use dealaai::stock::snapshot::{SnapshotOutcome, take_snapshot};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::{Value, json};
use shared::stock::{ImportEvent, ImportProgress};
use shared::users::Role;

use crate::helpers::{TestApp, assert_error, eventually};

pub const SEEDED: u64 = 600;

#[derive(QueryableByName)]
struct Vin {
    #[diesel(sql_type = Text)]
    vin: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

pub async fn seeded() -> (TestApp, AsyncPgConnection) {
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Madrid).date_naive();
    dealaai::stock::seed::insert_vehicles(&mut conn, 11, SEEDED, today, |_| {}).await.unwrap();
    (app, conn)
}

pub async fn vins(conn: &mut AsyncPgConnection, sql: &str) -> Vec<String> {
    diesel::sql_query(sql).load::<Vin>(conn).await.unwrap().into_iter().map(|v| v.vin).collect()
}

pub async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Count>(conn).await.unwrap().count
}

/// The one text value (a column named `value`) a query returns.
pub async fn text(conn: &mut AsyncPgConnection, sql: &str) -> String {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        value: String,
    }
    diesel::sql_query(sql).get_result::<Row>(conn).await.unwrap().value
}

/// Every page of a listing, concatenated.
async fn all_pages(app: &TestApp, token: &str, query: &str) -> (Vec<String>, i64) {
    let mut found = Vec::new();
    let mut page = 1;
    loop {
        let response = app.call("GET", &format!("/api/stock?{query}&page_size=100&page={page}"), token, None).await;
        assert_eq!(response.status(), 200, "{query}");
        let body: Value = response.json().await.unwrap();
        let items = body["items"].as_array().unwrap();
        found.extend(items.iter().map(|v| v["vin"].as_str().unwrap().to_owned()));
        if items.len() < 100 {
            return (found, body["total"].as_i64().unwrap());
        }
        page += 1;
    }
}

#[actix_web::test]
async fn filters_and_sorts_agree_with_the_database() {
    let (app, mut conn) = seeded().await;
    let token = app.token_for("viewer", Role::Viewer).await;
    let cases = [
        (
            "brand=SEAT&fuel=diesel&sort=-sale_price",
            "brand = 'SEAT' AND fuel = 'diesel' ORDER BY sale_price DESC, vin DESC",
        ),
        (
            "price_min=10000&price_max=20000.50&sort=mileage_km",
            "sale_price BETWEEN 1000000 AND 2000050 ORDER BY mileage_km, vin",
        ),
        (
            "km_max=60000&year_min=2021&sort=-registration_year,mileage_km",
            "mileage_km <= 60000 AND registration_year >= 2021 ORDER BY registration_year DESC, mileage_km, vin",
        ),
        (
            "days_in_stock_min=30&days_in_stock_max=90&sort=-days_in_stock",
            "(CURRENT_DATE - reception_date) BETWEEN 30 AND 90 ORDER BY reception_date, vin",
        ),
        (
            "province=28&stock_type=VO&reserved=false&sort=brand,model",
            "province_id = (SELECT id FROM provinces WHERE code = '28') AND stock_type = 'VO' AND NOT reserved \
             ORDER BY brand, model, vin",
        ),
        (
            "published=false&transmission=automatic&sort=-estimated_margin",
            "NOT published AND transmission = 'automatic' \
             ORDER BY sale_price - coalesce(total_cost, purchase_price) DESC, vin DESC",
        ),
        // Accents and case do not matter: "citroen" finds Citroën.
        ("q=CITROEN&sort=vin", "brand = 'Citroën' ORDER BY vin"),
        ("q=seat%20ibiza", "brand = 'SEAT' AND model = 'Ibiza' ORDER BY reception_date DESC, vin DESC"),
        ("", "TRUE ORDER BY reception_date DESC, vin DESC"),
    ];
    for (query, sql) in cases {
        let expected = vins(&mut conn, &format!("SELECT vin FROM vehicles WHERE {sql}")).await;
        assert!(!expected.is_empty(), "the seeded stock should match `{query}`");
        let (found, total) = all_pages(&app, &token, query).await;
        assert_eq!(found, expected, "{query}");
        assert_eq!(total, expected.len() as i64, "{query}");
    }

    // Pages are slices of the same order.
    let all = vins(&mut conn, "SELECT vin FROM vehicles ORDER BY sale_price, vin").await;
    let page: Value =
        app.call("GET", "/api/stock?sort=sale_price&page=3&page_size=7", &token, None).await.json().await.unwrap();
    let page_vins: Vec<&str> = page["items"].as_array().unwrap().iter().map(|v| v["vin"].as_str().unwrap()).collect();
    assert_eq!(page_vins, all[14..21].iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        (page["total"].as_i64(), page["page"].as_i64(), page["page_size"].as_i64()),
        (Some(SEEDED as i64), Some(3), Some(7))
    );
}

#[actix_web::test]
async fn derived_values_are_computed_when_read() {
    let (app, mut conn) = seeded().await;
    let token = app.token_for("viewer", Role::Viewer).await;
    let vin = &vins(&mut conn, "SELECT vin FROM vehicles WHERE total_cost IS NOT NULL LIMIT 1").await[0];
    diesel::sql_query(format!(
        "UPDATE vehicles SET reception_date = CURRENT_DATE - 45, sale_price = 1500000, total_cost = 1250000 WHERE vin = '{vin}'"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    let vehicle: Value = app.call("GET", &format!("/api/stock/{vin}"), &token, None).await.json().await.unwrap();
    assert_eq!(vehicle["sale_price"], "15000.00");
    assert_eq!(vehicle["estimated_margin"], "2500.00");
    assert!(vehicle["previous_price"].is_string(), "the price moved, so the previous one is kept: {vehicle}");
    assert!(vehicle["dealer_name"].as_str().is_some_and(|n| n.starts_with("Deala")));
    // "Today" is Madrid's: 45 days, or 44/46 around midnight UTC.
    assert!((44..=46).contains(&vehicle["days_in_stock"].as_i64().unwrap()), "{vehicle}");
}

#[actix_web::test]
async fn bad_parameters_are_named_in_a_422() {
    let (app, _conn) = seeded().await;
    let token = app.token_for("viewer", Role::Viewer).await;
    let body = assert_error(
        app.call(
            "GET",
            "/api/stock?sort=password&fuel=steam&price_min=cheap&reserved=maybe&page_size=500",
            &token,
            None,
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    for field in ["sort", "fuel", "price_min", "reserved"] {
        assert!(body["fields"][field].is_array(), "{field} not named in {body}");
    }
    let body =
        assert_error(app.call("GET", "/api/stock?page_size=500", &token, None).await, 422, "validation_failed").await;
    assert!(body["fields"]["page_size"].is_array());
    let body = assert_error(app.call("GET", "/api/stock?page=abc", &token, None).await, 422, "validation_failed").await;
    assert!(body["fields"]["page"].is_array());
    assert_error(app.call("GET", "/api/stock/NOSUCHVIN12345678", &token, None).await, 404, "not_found").await;
}

#[actix_web::test]
async fn facets_count_what_the_other_filters_leave() {
    let (app, mut conn) = seeded().await;
    let token = app.token_for("viewer", Role::Viewer).await;
    let facets: Value =
        app.call("GET", "/api/stock/facets?brand=SEAT&fuel=petrol", &token, None).await.json().await.unwrap();
    // Brands ignore the brand filter but honour the fuel one.
    let seat = facets["brands"].as_array().unwrap().iter().find(|b| b["value"] == "SEAT").unwrap();
    assert_eq!(
        seat["count"],
        count(&mut conn, "SELECT count(*) FROM vehicles WHERE brand = 'SEAT' AND fuel = 'petrol'").await
    );
    assert!(facets["brands"].as_array().unwrap().len() > 5);
    // Fuels ignore the fuel filter but honour the brand.
    let fuel_total: i64 = facets["fuels"].as_array().unwrap().iter().map(|f| f["count"].as_i64().unwrap()).sum();
    assert_eq!(fuel_total, count(&mut conn, "SELECT count(*) FROM vehicles WHERE brand = 'SEAT'").await);
    // Models are the brand's.
    let models: Vec<&str> = facets["models"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
    assert!(models.contains(&"Ibiza") && !models.contains(&"Golf"), "{models:?}");
    let madrid = facets["provinces"].as_array().unwrap().iter().find(|p| p["value"] == "28").unwrap();
    assert_eq!(madrid["label"], "Madrid");
    assert!(facets["dealers"].as_array().unwrap().iter().all(|d| d["label"].as_str().unwrap().starts_with("Deala")));
}

fn new_vehicle(vin: &str) -> Value {
    json!({
        "vin": vin, "brand": "SEAT", "model": "León", "stock_type": "VO", "sale_price": "18990.00",
        "plate": "1234 lmn", "mileage_km": 45000, "registration_year": 2021, "fuel": "diesel",
        "description": "Único dueño"
    })
}

#[actix_web::test]
async fn managers_create_change_and_delete_vehicles_with_history() {
    let app = TestApp::spawn().await;
    let token = app.token_for("boss", Role::Manager).await;
    let vin = "VSSZZZKLZMR000001";

    let response = app.call("POST", "/api/stock", &token, Some(&new_vehicle(vin))).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!((created["plate"].as_str(), created["days_in_stock"].as_i64()), (Some("1234LMN"), Some(0)));
    let body =
        assert_error(app.call("POST", "/api/stock", &token, Some(&new_vehicle(vin))).await, 409, "conflict").await;
    assert!(body["fields"]["vin"].is_array());

    // Every invalid field at once; nothing written.
    let bad = json!({"vin": "VSSZZZKLZMR00000I", "brand": "", "stock_type": "XX", "sale_price": "12"});
    assert_error(app.call("POST", "/api/stock", &token, Some(&bad)).await, 422, "validation_failed").await;
    let bad = json!({"vin": "VSSZZZKLZMR00000I", "brand": "", "model": "X", "stock_type": "VO", "sale_price": "-5", "mileage_km": -1, "dealer_id": 999999});
    let body = assert_error(app.call("POST", "/api/stock", &token, Some(&bad)).await, 422, "validation_failed").await;
    for field in ["vin", "brand", "sale_price", "mileage_km"] {
        assert!(body["fields"][field].is_array(), "{field} in {body}");
    }

    // A price change keeps the previous price and is recorded with who made it.
    let patch = json!({"sale_price": 17500, "plate": null, "reserved": true});
    let response = app.call("PATCH", &format!("/api/stock/{vin}"), &token, Some(&patch)).await;
    assert_eq!(response.status(), 200);
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["sale_price"], "17500.00");
    assert_eq!(changed["previous_price"], "18990.00");
    assert_eq!(changed["price_difference"], "-1490.00");
    assert_eq!((changed["plate"].is_null(), changed["reserved"].as_bool()), (true, Some(true)));
    assert!(changed["reserved_at"].is_string());
    assert_eq!(changed["description"], "Único dueño", "absent fields stay");
    let body = assert_error(
        app.call("PATCH", &format!("/api/stock/{vin}"), &token, Some(&json!({"mileage_km": -3}))).await,
        422,
        "validation_failed",
    )
    .await;
    assert!(body["fields"]["mileage_km"].is_array());

    let history: Value =
        app.call("GET", &format!("/api/stock/{vin}/history"), &token, None).await.json().await.unwrap();
    let change = &history["price_changes"][0];
    assert_eq!((change["old_price"].as_str(), change["new_price"].as_str()), (Some("18990.00"), Some("17500.00")));
    assert_eq!(change["changed_by"], "boss");
    assert_eq!(history["changes"][0]["action"], "update");
    assert_eq!(history["changes"][0]["fields"], json!(["plate", "reserved", "sale_price"]));
    assert_eq!(history["changes"][1]["action"], "create");

    // Sales staff read but do not write.
    let sales = app.token_for("seller", Role::Sales).await;
    assert_eq!(app.call("GET", &format!("/api/stock/{vin}"), &sales, None).await.status(), 200);
    assert_error(app.call("DELETE", &format!("/api/stock/{vin}"), &sales, None).await, 403, "forbidden").await;

    assert_eq!(app.call("DELETE", &format!("/api/stock/{vin}"), &token, None).await.status(), 204);
    assert_error(app.call("GET", &format!("/api/stock/{vin}"), &token, None).await, 404, "not_found").await;
    assert_error(app.call("DELETE", &format!("/api/stock/{vin}"), &token, None).await, 404, "not_found").await;
    let history: Value =
        app.call("GET", &format!("/api/stock/{vin}/history"), &token, None).await.json().await.unwrap();
    assert_eq!(history["changes"][0]["action"], "delete");
    assert_eq!(history["changes"][0]["changed_by"], "boss");
}

pub async fn import(app: &TestApp, token: &str, mode: &str, csv: impl Into<reqwest::Body>) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/stock/import?mode={mode}")))
        .bearer_auth(token)
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap()
}

/// The database going away in the middle of an import is a 503 like any other outage, and
/// nothing of the file is written: the transaction cannot commit without its connection.
#[actix_web::test]
async fn an_import_cut_by_a_lost_database_is_a_503_and_writes_nothing() {
    let (app, proxy, db_server) = TestApp::behind_proxy().await;
    // The proxied app serves `db_server`'s database: the user goes there.
    db_server.create_user("boss", Role::Manager).await;
    let token = app.login_ok("boss").await["access_token"].as_str().unwrap().to_owned();
    let rows = |range: std::ops::Range<u32>| -> String {
        range.map(|i| format!("VF1LOST{i:010},Renault,Clio,{}\n", 10_000 + i)).collect()
    };
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(2);
    let body = futures_util::stream::unfold(receiver, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) });
    let upload = import(&app, &token, "all_or_nothing", reqwest::Body::wrap_stream(body));
    let feed = async {
        // More than one batch, so rows are being written when the database goes.
        sender.send(Ok(format!("vin,brand,model,sale_price\n{}", rows(0..12_000)))).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        proxy.set_up(false);
        let _ = sender.send(Ok(rows(12_000..13_000))).await;
        drop(sender);
    };
    let (response, ()) = tokio::join!(upload, feed);
    assert_error(response, 503, "service_unavailable").await;

    proxy.set_up(true);
    let mut conn = db_server.conn().await;
    assert_eq!(count(&mut conn, "SELECT count(*) FROM vehicles").await, 0, "nothing written");
}

const GOOD_A: &str = "VF1AAAAAAAA000001";
const GOOD_B: &str = "VF1AAAAAAAA000002";

#[actix_web::test]
async fn imports_are_all_or_nothing_unless_asked_to_skip() {
    let app = TestApp::spawn().await;
    let token = app.token_for("boss", Role::Manager).await;
    let mut conn = app.conn().await;
    let csv = format!(
        "vin,brand,model,sale_price,mileage_km,fuel\n\
         {GOOD_A},Renault,Clio,12000,30000,petrol\n\
         BAD,Renault,Clio,12000,30000,petrol\n\
         {GOOD_B},Renault,Captur,not-a-price,20000,diesel\n\
         {GOOD_A},Renault,Clio,11000,30000,petrol\n\
         VF1AAAAAAAA000003,Renault,Mégane,21000,1.000,steam\n"
    );
    let response = import(&app, &token, "all_or_nothing", csv.clone()).await;
    let body = assert_error(response, 422, "validation_failed").await;
    let report = &body["report"];
    assert_eq!((report["rows"].as_u64(), report["committed"].as_bool()), (Some(5), Some(false)));
    let problems: Vec<(u64, &str, &str)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_u64().unwrap(), r["field"].as_str().unwrap(), r["problem"].as_str().unwrap()))
        .collect();
    assert_eq!(
        problems,
        [(3, "vin", "invalid"), (4, "sale_price", "invalid"), (5, "vin", "duplicate"), (6, "fuel", "invalid")]
    );
    assert_eq!(count(&mut conn, "SELECT count(*) FROM vehicles").await, 0, "nothing written");
    assert_eq!(count(&mut conn, "SELECT count(*) FROM vehicle_changes").await, 0);

    let response = import(&app, &token, "skip_invalid", csv).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(
        (report["created"].as_u64(), report["updated"].as_u64(), report["rejected_total"].as_u64()),
        (Some(1), Some(0), Some(4))
    );
    assert_eq!(vins(&mut conn, "SELECT vin FROM vehicles").await, [GOOD_A]);
}

/// Files larger than a batch: read and written in overlapping batches, still all-or-nothing,
/// and what was imported is searchable at once.
#[actix_web::test]
async fn large_files_import_in_batches() {
    let app = TestApp::spawn().await;
    let token = app.token_for("boss", Role::Manager).await;
    let mut conn = app.conn().await;
    let rows = 25_000;
    let mut csv = String::from("vin,brand,model,sale_price\n");
    for i in 0..rows {
        if i % 10_000 == 5 {
            csv.push_str("BAD,Renault,Clio,1000\n");
        } else {
            let model = if i == rows - 1 { "Zoe" } else { "Clio" };
            csv.push_str(&format!("VF1LARGE{i:09},Renault,{model},{}\n", 10_000 + i));
        }
    }
    let body = assert_error(import(&app, &token, "all_or_nothing", csv.clone()).await, 422, "validation_failed").await;
    let lines: Vec<u64> =
        body["report"]["rejected"].as_array().unwrap().iter().map(|r| r["row"].as_u64().unwrap()).collect();
    assert_eq!(lines, [7, 10_007, 20_007]);
    assert_eq!(count(&mut conn, "SELECT count(*) FROM vehicles").await, 0, "nothing written");

    let report: Value = import(&app, &token, "skip_invalid", csv.clone()).await.json().await.unwrap();
    assert_eq!((report["created"].as_u64(), report["rejected_total"].as_u64()), (Some(rows - 3), Some(3)));
    assert_eq!(count(&mut conn, "SELECT count(*) FROM vehicles").await, rows as i64 - 3);
    let found: Value = app.call("GET", "/api/stock?q=zoe", &token, None).await.json().await.unwrap();
    assert_eq!(found["total"], 1, "the last batch is searchable");

    let again: Value = import(&app, &token, "skip_invalid", csv).await.json().await.unwrap();
    assert_eq!((again["created"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(rows - 3)));
}

/// An import asked for as an event stream, with its body fed as `chunks` a little apart (as a
/// slow upload), so its progress has time to be reported.
async fn import_streamed(
    app: &TestApp,
    token: &str,
    mode: &str,
    chunks: Vec<String>,
) -> (reqwest::Response, tokio::sync::mpsc::Sender<Result<String, std::io::Error>>) {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(1);
    let body = futures_util::stream::unfold(receiver, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) });
    let feeder = sender.clone();
    tokio::spawn(async move {
        for chunk in chunks {
            if feeder.send(Ok(chunk)).await.is_err() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
    });
    let response = app
        .client
        .post(app.url(&format!("/api/stock/import?mode={mode}")))
        .bearer_auth(token)
        .header("Content-Type", "text/csv")
        .header("Accept", "text/event-stream")
        .body(reqwest::Body::wrap_stream(body))
        .send()
        .await
        .unwrap();
    (response, sender)
}

fn import_events(body: &str) -> Vec<ImportEvent> {
    crate::helpers::parse_events(body, ImportEvent::name)
}

/// `Accept: text/event-stream` turns an import's answer into its progress, a few times a second,
/// then the report the JSON answer would carry; a refused file or invalid rows end it the same
/// way, with nothing written.
#[actix_web::test]
async fn a_streamed_import_reports_its_progress_then_its_report() {
    let app = TestApp::spawn().await;
    let token = app.token_for("boss", Role::Manager).await;
    let mut conn = app.conn().await;
    let header = "vin,brand,model,sale_price\n".to_owned();
    let rows = |range: std::ops::Range<u32>| -> String {
        range
            .map(|i| {
                if i == 7 {
                    "BAD,Renault,Clio,1000\n".to_owned()
                } else {
                    format!("VF1PROG{i:010},Renault,Clio,{}\n", 10_000 + i)
                }
            })
            .collect()
    };
    let chunks: Vec<String> =
        std::iter::once(header.clone()).chain((0..5).map(|part| rows(part * 4_000..(part + 1) * 4_000))).collect();
    let size: usize = chunks.iter().map(String::len).sum();

    // All or nothing: the invalid row is reported, nothing is written.
    let (response, sender) = import_streamed(&app, &token, "all_or_nothing", chunks.clone()).await;
    drop(sender);
    assert_eq!(
        (response.status().as_u16(), response.headers()["content-type"].to_str().unwrap()),
        (200, "text/event-stream")
    );
    let events = import_events(&response.text().await.unwrap());
    let Some(ImportEvent::Done { report }) = events.last() else { panic!("no report: {events:?}") };
    assert_eq!((report.committed, report.rows, report.rejected_rows, report.created), (false, 20_000, 1, 0));
    assert_eq!(count(&mut conn, "SELECT count(*) FROM vehicles").await, 0, "nothing written");

    let (response, sender) = import_streamed(&app, &token, "skip_invalid", chunks).await;
    drop(sender);
    let events = import_events(&response.text().await.unwrap());
    let progress: Vec<ImportProgress> = events
        .iter()
        .filter_map(|event| if let ImportEvent::Progress { progress } = event { Some(*progress) } else { None })
        .collect();
    assert!(progress.len() >= 3, "a 1.5 s upload reports its progress several times: {events:?}");
    assert!(
        progress.windows(2).all(|pair| pair[0].rows_read <= pair[1].rows_read
            && pair[0].bytes_read <= pair[1].bytes_read
            && pair[0].rows_applied <= pair[1].rows_applied
            && pair[0] != pair[1]),
        "{progress:?}"
    );
    assert!(
        progress
            .iter()
            .all(|p| p.bytes_read as usize <= size && p.rows_read <= 20_000 && p.rows_applied <= p.rows_read)
    );
    assert!(progress.iter().any(|p| p.rows_read > 0 && p.rows_read < 20_000), "seen mid-way: {progress:?}");
    assert!(progress.iter().any(|p| p.rows_rejected == 1));
    let Some(ImportEvent::Done { report }) = events.last() else { panic!("no report: {events:?}") };
    assert_eq!((report.committed, report.rows, report.created, report.rejected_rows), (true, 20_000, 19_999, 1));
    assert_eq!(count(&mut conn, "SELECT count(*) FROM vehicles").await, 19_999);

    // A file refused as a whole ends the stream with the JSON answer's status and error.
    let (response, sender) = import_streamed(&app, &token, "all_or_nothing", vec!["vin,brand\nX,Y\n".into()]).await;
    drop(sender);
    match import_events(&response.text().await.unwrap()).as_slice() {
        [ImportEvent::Failed { status: 422, error }] => assert!(error.fields.contains_key("columns"), "{error:?}"),
        other => panic!("{other:?}"),
    }
    // Permissions are checked before anything streams.
    let sales = app.token_for("seller", Role::Sales).await;
    let (response, sender) = import_streamed(&app, &sales, "all_or_nothing", vec![header]).await;
    drop(sender);
    assert_error(response, 403, "forbidden").await;
}

/// Closing a streamed import's connection mid-way cancels it: what was already written for
/// it is rolled back, and importing the file again creates every vehicle.
#[actix_web::test]
async fn a_streamed_import_closed_mid_way_writes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token_for("boss", Role::Manager).await;
    let rows = |range: std::ops::Range<u32>| -> String {
        range.map(|i| format!("VF1STOP{i:010},Renault,Clio,{}\n", 10_000 + i)).collect()
    };
    // Whole rows, a batch's worth and more: a batch is written, then the import waits for the
    // rest. Were the upload taken as ended here, the file would be valid and would commit.
    let first_part = format!("vin,brand,model,sale_price\n{}", rows(0..11_000));
    let (mut response, sender) = import_streamed(&app, &token, "all_or_nothing", vec![first_part.clone()]).await;
    let mut seen = String::new();
    while !import_events(&seen[..seen.rfind("\n\n").map_or(0, |end| end + 2)])
        .iter()
        .any(|event| matches!(event, ImportEvent::Progress { progress } if progress.rows_applied > 0))
    {
        let chunk = response.chunk().await.unwrap().expect("the stream goes on while the upload does");
        seen.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    // As a browser's abort: the upload breaks off and the answer is no longer read.
    sender.send(Err(std::io::Error::other("aborted"))).await.unwrap();
    drop((response, sender));
    let file = first_part + &rows(11_000..12_000);

    // The same VINs wait for the cancelled import's rows to be released, then are all new.
    let report: Value = import(&app, &token, "all_or_nothing", file).await.json().await.unwrap();
    assert_eq!((report["created"].as_u64(), report["committed"].as_bool()), (Some(12_000), Some(true)), "{report}");
}

/// A client that goes away after the whole file was sent cancels the import too: it stops
/// before its next batch and rolls back what it had written.
#[actix_web::test]
async fn a_streamed_import_whose_client_leaves_after_the_upload_writes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token_for("boss", Role::Manager).await;
    let rows: String = (0..50_000).map(|i| format!("VF1GONE{i:010},Renault,Clio,{}\n", 10_000 + i)).collect();
    let file = format!("vin,brand,model,sale_price\n{rows}");
    let (mut response, sender) = import_streamed(&app, &token, "all_or_nothing", vec![file.clone()]).await;
    drop(sender);
    let mut seen = String::new();
    loop {
        let events = import_events(&seen[..seen.rfind("\n\n").map_or(0, |end| end + 2)]);
        assert!(!events.iter().any(|e| matches!(e, ImportEvent::Done { .. })), "finished before it was left");
        if events.iter().any(|e| matches!(e, ImportEvent::Progress { progress } if progress.rows_applied > 0)) {
            break;
        }
        let chunk = response.chunk().await.unwrap().expect("the stream goes on while the import does");
        seen.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    drop(response);

    let report: Value = import(&app, &token, "all_or_nothing", file).await.json().await.unwrap();
    assert_eq!((report["created"].as_u64(), report["committed"].as_bool()), (Some(50_000), Some(true)), "{report}");
}

#[actix_web::test]
async fn earlier_spanish_files_import_and_update_only_their_columns() {
    let app = TestApp::spawn().await;
    let token = app.token_for("boss", Role::Manager).await;
    let mut conn = app.conn().await;
    assert_eq!(app.call("POST", "/api/stock", &token, Some(&new_vehicle(GOOD_A))).await.status(), 201);
    // A byte-order mark, `;` separators, decimal commas, Spanish names and values, a legacy
    // identifier, a province by name and a column of its own.
    let csv = format!(
        "\u{feff}Bastidor;Marca;Modelo;Precio Venta;Kilómetros;Combustible;Cambio;Provincia;Fecha recepción;Reservado;Garantía\n\
         {GOOD_A};SEAT;León;17.490,50;46.000;Diésel;Automático;Madrid;01/10/2026;sí;12 meses\n\
         OLD-1234;Dacia;Sandero;6.900;120000;Gasolina;manual;08;15/09/2026;no;\n"
    );
    let response = import(&app, &token, "all_or_nothing", csv).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!((report["created"].as_u64(), report["updated"].as_u64()), (Some(1), Some(1)), "{report}");

    let updated: Value = app.call("GET", &format!("/api/stock/{GOOD_A}"), &token, None).await.json().await.unwrap();
    assert_eq!(updated["sale_price"], "17490.50");
    assert_eq!((updated["mileage_km"].as_i64(), updated["fuel"].as_str()), (Some(46_000), Some("diesel")));
    assert_eq!((updated["transmission"].as_str(), updated["province_code"].as_str()), (Some("automatic"), Some("28")));
    assert_eq!(updated["description"], "Único dueño", "columns the file lacks are kept");
    assert_eq!(updated["extra"]["Garantía"], "12 meses");
    assert_eq!(updated["reserved"], true);
    let legacy: Value = app.call("GET", "/api/stock/OLD-1234", &token, None).await.json().await.unwrap();
    assert_eq!((legacy["legacy_vin"].as_bool(), legacy["province_code"].as_str()), (Some(true), Some("08")));
    assert_eq!(legacy["reception_date"], "2026-09-15");
    let price_changes =
        count(&mut conn, &format!("SELECT count(*) FROM vehicle_price_changes WHERE vin = '{GOOD_A}'")).await;
    assert_eq!(price_changes, 1, "the import's price change is in the history");
}

#[actix_web::test]
async fn malformed_files_are_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let token = app.token_for("boss", Role::Manager).await;
    let body =
        assert_error(import(&app, &token, "all_or_nothing", "vin,brand\nX,Y\n").await, 422, "validation_failed").await;
    assert!(body["fields"]["columns"].is_array());
    assert!(body["message"].as_str().unwrap().contains("model"), "names the missing columns: {body}");
    assert_error(import(&app, &token, "all_or_nothing", "").await, 422, "validation_failed").await;
    // Windows-1252 text (é as 0xE9) in a row: that row is rejected as not UTF-8.
    let mut latin1 = format!("vin,brand,model,sale_price\n{GOOD_A},Citro").into_bytes();
    latin1.extend_from_slice(b"\xebn,C4,15000\n");
    let body = assert_error(import(&app, &token, "all_or_nothing", latin1).await, 422, "validation_failed").await;
    assert_eq!(body["report"]["rejected"][0]["field"], "row");
    // Rows with the wrong number of columns.
    let body = assert_error(
        import(&app, &token, "all_or_nothing", format!("vin,brand,model,sale_price\n{GOOD_A},SEAT,Ibiza\n")).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["report"]["rejected"][0]["row"], 2);
    let sales = app.token_for("seller", Role::Sales).await;
    assert_error(import(&app, &sales, "all_or_nothing", "vin\n").await, 403, "forbidden").await;
}

#[actix_web::test]
async fn exports_hold_exactly_the_filtered_sorted_rows() {
    let (app, mut conn) = seeded().await;
    let token = app.token_for("viewer", Role::Viewer).await;
    let expected =
        vins(&mut conn, "SELECT vin FROM vehicles WHERE fuel = 'petrol' ORDER BY sale_price DESC, vin DESC").await;

    let response = app
        .call(
            "GET",
            "/api/stock/export?format=csv&fuel=petrol&sort=-sale_price&bom=true&separator=semicolon",
            &token,
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()));
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(&bytes[3..]);
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "vin");
    let price_column = headers.iter().position(|h| h == "sale_price").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.iter().map(|r| r[0].to_owned()).collect::<Vec<_>>(), expected);
    assert!(rows[0][price_column].contains(','), "decimal commas with `;`: {}", &rows[0][price_column]);

    let response = app.call("GET", "/api/stock/export?format=xlsx&fuel=petrol&sort=-sale_price", &token, None).await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("a real XLSX file");
    let sheet = workbook.worksheet_range("Stock").unwrap();
    let vins_in_sheet: Vec<String> = sheet.rows().skip(1).map(|row| row[0].to_string()).collect();
    assert_eq!(vins_in_sheet, expected);
    assert_eq!(sheet.rows().next().unwrap()[price_column].to_string(), "sale_price");

    // What the export writes, the import reads back unchanged.
    let manager = app.token_for("boss", Role::Manager).await;
    let csv = app.call("GET", "/api/stock/export?fuel=petrol", &token, None).await.bytes().await.unwrap();
    let report: Value = import(&app, &manager, "all_or_nothing", csv.to_vec()).await.json().await.unwrap();
    assert_eq!(
        (report["created"].as_u64(), report["updated"].as_u64(), report["unchanged"].as_u64()),
        (Some(0), Some(0), Some(expected.len() as u64)),
        "{report}"
    );
    assert_eq!(count(&mut conn, "SELECT count(*) FROM vehicle_price_changes").await, 0, "no value changed");

    assert_error(app.call("GET", "/api/stock/export?format=pdf", &token, None).await, 422, "validation_failed").await;
}

/// Text no XML may hold (controls, U+FFFE, U+FFFF) in one vehicle never breaks the spreadsheet.
#[actix_web::test]
async fn a_vehicle_with_characters_xml_forbids_still_exports_a_readable_spreadsheet() {
    let (app, mut conn) = seeded().await;
    let token = app.token_for("viewer", Role::Viewer).await;
    diesel::sql_query(
        "UPDATE vehicles SET description = 'Bien' || chr(65534) || chr(65535) || chr(1) || ' cuidado' \
         WHERE vin = (SELECT min(vin) FROM vehicles)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let response = app.call("GET", "/api/stock/export?format=xlsx", &token, None).await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("a real XLSX file");
    let sheet = workbook.worksheet_range("Stock").expect("the sheet parses");
    assert_eq!(sheet.rows().count() as u64, SEEDED + 1);
    let text: String = sheet.rows().flat_map(|row| row.iter().map(|c| c.to_string())).collect();
    assert!(text.contains("Bien cuidado"), "the rest of the text is kept");
}

#[actix_web::test]
async fn the_daily_snapshot_is_taken_once_per_day() {
    let (app, mut conn) = seeded().await;
    let token = app.token_for("viewer", Role::Viewer).await;
    let day = NaiveDate::from_ymd_opt(2030, 1, 2).unwrap();
    let everything_new = SnapshotOutcome::Taken { vehicles: SEEDED as i64, opened: SEEDED as i64, closed: 0 };
    assert_eq!(take_snapshot(&mut conn, day).await.unwrap(), everything_new);
    assert_eq!(take_snapshot(&mut conn, day).await.unwrap(), SnapshotOutcome::AlreadyTaken);
    assert_eq!(count(&mut conn, "SELECT count(*) FROM vehicle_states").await, SEEDED as i64);
    let next = day.succ_opt().unwrap();
    let nothing_changed = SnapshotOutcome::Taken { vehicles: SEEDED as i64, opened: 0, closed: 0 };
    assert_eq!(take_snapshot(&mut conn, next).await.unwrap(), nothing_changed);
    assert_eq!(count(&mut conn, "SELECT count(*) FROM vehicle_states").await, SEEDED as i64, "no day repeats a row");
    assert_eq!(take_snapshot(&mut conn, day).await.unwrap(), SnapshotOutcome::AlreadyTaken);
    let before = day.pred_opt().unwrap();
    assert_eq!(take_snapshot(&mut conn, before).await.unwrap(), SnapshotOutcome::Superseded, "history is appended to");

    let vin = &vins(&mut conn, "SELECT vin FROM vehicles LIMIT 1").await[0];
    let history: Value =
        app.call("GET", &format!("/api/stock/{vin}/history"), &token, None).await.json().await.unwrap();
    let dates: Vec<&str> =
        history["snapshots"].as_array().unwrap().iter().map(|s| s["snapshot_date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2030-01-03", "2030-01-02"]);
}

#[actix_web::test]
async fn cached_answers_go_with_every_kind_of_stock_change() {
    let (app, mut conn) = seeded().await;
    let token = app.token_for("boss", Role::Manager).await;
    let path = "/api/stock?sort=-sale_price&page_size=1";
    let first = |body: Value| body["items"][0].clone();
    let top = first(app.call("GET", path, &token, None).await.json().await.unwrap());
    let vin = top["vin"].as_str().unwrap().to_owned();
    app.call("GET", "/api/stock/facets", &token, None).await;
    let cached = "SELECT count(*) FROM cache_entries WHERE key LIKE 'stock:%'";
    assert_eq!(count(&mut conn, cached).await, 0, "lists and facets cost no write: they stay in memory");
    app.call("GET", "/api/dashboard", &token, None).await;
    assert_eq!(count(&mut conn, cached).await, 1, "the dashboard is shared through PostgreSQL");

    // Through the API.
    let patch = json!({"sale_price": "999999.00"});
    app.call("PATCH", &format!("/api/stock/{vin}"), &token, Some(&patch)).await;
    assert_eq!(count(&mut conn, cached).await, 0);
    assert_eq!(first(app.call("GET", path, &token, None).await.json().await.unwrap())["sale_price"], "999999.00");

    // Behind the API's back: a manual UPDATE.
    diesel::sql_query(format!("UPDATE vehicles SET sale_price = 99999900 + 1 WHERE vin = '{vin}'"))
        .execute(&mut conn)
        .await
        .unwrap();
    eventually("the manual UPDATE is heard", async || {
        first(app.call("GET", path, &token, None).await.json().await.unwrap())["sale_price"] == "999999.01"
    })
    .await;

    // An import, a deletion and a snapshot.
    let csv = format!("vin,brand,model,sale_price\n{vin},SEAT,Ibiza,1000000\n");
    assert_eq!(import(&app, &token, "all_or_nothing", csv).await.status(), 200);
    assert_eq!(first(app.call("GET", path, &token, None).await.json().await.unwrap())["sale_price"], "1000000.00");
    assert_eq!(app.call("DELETE", &format!("/api/stock/{vin}"), &token, None).await.status(), 204);
    assert_ne!(first(app.call("GET", path, &token, None).await.json().await.unwrap())["vin"], vin.as_str());
    app.call("GET", "/api/dashboard", &token, None).await;
    assert!(count(&mut conn, cached).await > 0);
    take_snapshot(&mut conn, NaiveDate::from_ymd_opt(2030, 1, 2).unwrap()).await.unwrap();
    assert_eq!(count(&mut conn, cached).await, 0);

    // The cache is an optimisation: without its bookkeeping, reads still answer (uncached).
    diesel::sql_query("DELETE FROM cache_epoch").execute(&mut conn).await.unwrap();
    assert_eq!(app.call("GET", path, &token, None).await.status(), 200);
    assert_eq!(count(&mut conn, cached).await, 0);
}

#[actix_web::test]
async fn deleting_a_user_clears_their_attribution_instead_of_leaving_their_id() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    let user = app.create_user("leaving", Role::Manager).await;
    let token = app.login_ok("leaving").await["access_token"].as_str().unwrap().to_owned();
    let csv = "vin,brand,model,sale_price\nVSSZZZ6JZ9R000001,SEAT,Ibiza,13000\n";
    assert_eq!(import(&app, &token, "all_or_nothing", csv).await.status(), 200);
    let created_by = "SELECT count(*) FROM vehicles WHERE created_by = {id} AND updated_by = {id}";
    assert_eq!(count(&mut conn, &created_by.replace("{id}", &user.id.to_string())).await, 1);
    // Behind the API (which only deactivates users): the foreign keys' ON DELETE SET NULL.
    diesel::sql_query(format!("DELETE FROM users WHERE id = {}", user.id)).execute(&mut conn).await.unwrap();
    let dangling = "SELECT count(*) FROM vehicles v WHERE NOT EXISTS (SELECT FROM users u WHERE u.id = v.created_by) \
                    AND v.created_by IS NOT NULL";
    assert_eq!(count(&mut conn, dangling).await, 0);
    assert_eq!(count(&mut conn, "SELECT count(*) FROM vehicles WHERE created_by IS NULL").await, 1);
    // Still, an UPDATE cannot hand the vehicle to another creator.
    let other = app.create_user("other", Role::Manager).await;
    diesel::sql_query(format!("UPDATE vehicles SET created_by = {}", other.id)).execute(&mut conn).await.unwrap();
    assert_eq!(count(&mut conn, "SELECT count(*) FROM vehicles WHERE created_by IS NULL").await, 1);
}
