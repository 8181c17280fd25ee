//! The dashboard against figures computed here in plain SQL over `vehicles` and a full copy
//! of the stock per snapshot day (not the aggregate tables the endpoint reads).

use chrono::{Datelike, Days, NaiveDate};
use dealaai::stock::snapshot::take_snapshot;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Date, Double, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use shared::dashboard::{Dashboard, Slice};
use shared::stock::Money;
use shared::users::Role;

use crate::helpers::{TestApp, assert_error, eventually};
use crate::stock::{count, import, seeded, text, vins};

fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&chrono_tz::Europe::Madrid).date_naive()
}

async fn dashboard(app: &TestApp, token: &str, query: &str) -> Dashboard {
    let response = app.call("GET", &format!("/api/dashboard?{query}"), token, None).await;
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.unwrap()
}

#[derive(QueryableByName, Debug)]
struct Expected {
    #[diesel(sql_type = BigInt)]
    total: i64,
    #[diesel(sql_type = BigInt)]
    available: i64,
    #[diesel(sql_type = BigInt)]
    reserved: i64,
    #[diesel(sql_type = BigInt)]
    published: i64,
    #[diesel(sql_type = BigInt)]
    new_this_week: i64,
    #[diesel(sql_type = BigInt)]
    new_this_month: i64,
    #[diesel(sql_type = BigInt)]
    stock_value: i64,
    #[diesel(sql_type = BigInt)]
    cost_value: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    average_price: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    average_margin: Option<i64>,
    #[diesel(sql_type = Nullable<Double>)]
    margin_percent: Option<f64>,
    #[diesel(sql_type = BigInt)]
    below_cost: i64,
    #[diesel(sql_type = Nullable<Double>)]
    average_days: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    median_days: Option<f64>,
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Group {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    vehicles: i64,
    #[diesel(sql_type = BigInt)]
    value: i64,
}

async fn groups(conn: &mut AsyncPgConnection, key: &str, filter: &str, order: &str) -> Vec<Group> {
    diesel::sql_query(format!(
        "SELECT {key} AS key, count(*) AS vehicles, sum(sale_price)::bigint AS value \
         FROM vehicles v LEFT JOIN provinces p ON p.id = v.province_id LEFT JOIN dealers d ON d.id = v.dealer_id \
         WHERE {filter} GROUP BY 1 ORDER BY {order}"
    ))
    .load(conn)
    .await
    .unwrap()
}

fn slices(slices: &[Slice]) -> Vec<Group> {
    slices.iter().map(|s| Group { key: s.key.clone(), vehicles: s.vehicles, value: s.stock_value.cents() }).collect()
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-9,
        (a, b) => a == b,
    }
}

/// Every figure of `/api/dashboard?{query}` against SQL over the vehicles matching `filter`.
async fn check_figures(app: &TestApp, token: &str, conn: &mut AsyncPgConnection, query: &str, filter: &str) {
    let today = today();
    let days = format!("(DATE '{today}' - v.reception_date)");
    let week_start = today - Days::new(today.weekday().num_days_from_monday().into());
    let month_start = today.with_day(1).unwrap();
    let got = dashboard(app, token, query).await;
    let expected: Expected = diesel::sql_query(format!(
        "SELECT count(*) AS total, \
           count(*) FILTER (WHERE status = 'available' AND NOT reserved) AS available, \
           count(*) FILTER (WHERE reserved) AS reserved, count(*) FILTER (WHERE published) AS published, \
           count(*) FILTER (WHERE reception_date >= DATE '{week_start}') AS new_this_week, \
           count(*) FILTER (WHERE reception_date >= DATE '{month_start}') AS new_this_month, \
           coalesce(sum(sale_price), 0)::bigint AS stock_value, \
           coalesce(sum(coalesce(total_cost, purchase_price)), 0)::bigint AS cost_value, \
           round(avg(sale_price))::bigint AS average_price, \
           round(avg(sale_price - coalesce(total_cost, purchase_price)))::bigint AS average_margin, \
           (100.0 * sum(sale_price - coalesce(total_cost, purchase_price)) \
              / nullif(sum(sale_price) FILTER (WHERE coalesce(total_cost, purchase_price) IS NOT NULL), 0))::float8 \
              AS margin_percent, \
           count(*) FILTER (WHERE sale_price < coalesce(total_cost, purchase_price)) AS below_cost, \
           avg({days})::float8 AS average_days, \
           percentile_cont(0.5) WITHIN GROUP (ORDER BY {days}) AS median_days \
         FROM vehicles v WHERE {filter}"
    ))
    .get_result(conn)
    .await
    .unwrap();

    let c = &got.counts;
    assert_eq!(
        (c.total, c.available, c.reserved, c.published, c.not_published, c.new_this_week, c.new_this_month),
        (
            expected.total,
            expected.available,
            expected.reserved,
            expected.published,
            expected.total - expected.published,
            expected.new_this_week,
            expected.new_this_month
        ),
        "counts of {query}"
    );
    let m = &got.money;
    assert_eq!(m.stock_value, Money(expected.stock_value), "{query}");
    assert_eq!(m.cost_value, Money(expected.cost_value), "{query}");
    assert_eq!(m.average_price, expected.average_price.map(Money), "{query}");
    assert_eq!(m.average_margin, expected.average_margin.map(Money), "{query}");
    assert!(close(m.margin_percent, expected.margin_percent), "{query}: {:?} {:?}", m.margin_percent, expected);
    assert_eq!(m.below_cost, expected.below_cost, "{query}");
    assert!(close(got.ageing.average_days, expected.average_days), "{query}");
    assert!(close(got.ageing.median_days, expected.median_days), "{query}");

    let buckets = groups(
        conn,
        &format!(
            "CASE WHEN {days} <= 30 THEN '0-30' WHEN {days} <= 60 THEN '31-60' WHEN {days} <= 90 THEN '61-90' \
             WHEN {days} <= 180 THEN '91-180' ELSE '181-' END"
        ),
        filter,
        "1",
    )
    .await;
    let nonempty = |slices: Vec<Group>| slices.into_iter().filter(|g| g.vehicles > 0).collect::<Vec<_>>();
    let mut got_buckets = nonempty(slices(&got.ageing.buckets));
    got_buckets.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(got_buckets, buckets, "ageing of {query}");
    assert_eq!(got.ageing.buckets.len(), 5);

    let oldest =
        vins(conn, &format!("SELECT vin FROM vehicles v WHERE {filter} ORDER BY reception_date, vin LIMIT 10")).await;
    assert_eq!(got.ageing.oldest.iter().map(|v| v.vin.clone()).collect::<Vec<_>>(), oldest, "{query}");
    let received = vins(
        conn,
        &format!("SELECT vin FROM vehicles v WHERE {filter} ORDER BY reception_date DESC, vin DESC LIMIT 10"),
    )
    .await;
    assert_eq!(got.activity.received.iter().map(|v| v.vin.clone()).collect::<Vec<_>>(), received, "{query}");
    let reservations = vins(
        conn,
        &format!("SELECT vin FROM vehicles v WHERE reserved AND {filter} ORDER BY reserved_at DESC, vin DESC LIMIT 10"),
    )
    .await;
    assert_eq!(got.activity.reservations.iter().map(|v| v.vin.clone()).collect::<Vec<_>>(), reservations, "{query}");
    let price_changes = vins(
        conn,
        &format!(
            "SELECT c.vin FROM vehicle_price_changes c JOIN vehicles v USING (vin) WHERE {filter} \
             ORDER BY c.id DESC LIMIT 10"
        ),
    )
    .await;
    assert_eq!(got.activity.price_changes.iter().map(|v| v.vin.clone()).collect::<Vec<_>>(), price_changes);

    let b = &got.breakdowns;
    let brands = groups(conn, "brand", filter, "2 DESC, brand COLLATE \"C\"").await;
    let top: Vec<&Group> = brands.iter().take(10).collect();
    assert_eq!(slices(&b.brands).iter().take(10).collect::<Vec<_>>(), top, "brands of {query}");
    if brands.len() > 10 {
        let others = &b.brands[10];
        assert_eq!(others.key, "others");
        assert_eq!(others.vehicles, brands[10..].iter().map(|g| g.vehicles).sum::<i64>());
        assert!(others.stock_query.is_none());
    }
    let provinces =
        groups(conn, "coalesce(p.code, '')", filter, "bool_or(p.code IS NULL), 2 DESC, min(p.name) COLLATE \"C\"")
            .await;
    assert_eq!(slices(&b.provinces), provinces, "provinces of {query}");
    let dealers = groups(
        conn,
        "coalesce(v.dealer_id::text, '')",
        filter,
        "bool_or(d.id IS NULL), 2 DESC, min(d.name) COLLATE \"C\"",
    )
    .await;
    assert_eq!(slices(&b.dealers), dealers, "dealers of {query}");
    assert_eq!(
        slices(&b.fuels),
        groups(conn, "coalesce(fuel, '')", filter, "2 DESC, coalesce(fuel, '') COLLATE \"C\"").await,
        "fuels of {query}"
    );
    let years =
        groups(conn, "coalesce(registration_year::text, '')", filter, "min(registration_year) NULLS LAST").await;
    assert_eq!(slices(&b.years), years, "years of {query}");
    let bands = groups(
        conn,
        "CASE WHEN sale_price < 1000000 THEN '0-10000' WHEN sale_price < 2000000 THEN '10000-20000' \
         WHEN sale_price < 3000000 THEN '20000-30000' WHEN sale_price < 5000000 THEN '30000-50000' ELSE '50000-' END",
        filter,
        "min(sale_price)",
    )
    .await;
    assert_eq!(nonempty(slices(&b.price_bands)), bands, "price bands of {query}");
}

#[actix_web::test]
async fn every_figure_matches_the_database_whatever_the_filters_and_writes() {
    let (app, mut conn) = seeded().await;
    let token = app.token_for("viewer", Role::Viewer).await;
    // Writes of every kind, so the aggregates kept by the triggers are exercised.
    for statement in [
        "UPDATE vehicles SET sale_price = sale_price * 9 / 10 WHERE hashtext(vin) % 7 = 0",
        "UPDATE vehicles SET reserved = NOT reserved, published = NOT published WHERE hashtext(vin) % 5 = 0",
        "UPDATE vehicles SET dealer_id = (SELECT min(id) FROM dealers), stock_type = 'KM0' WHERE hashtext(vin) % 11 = 0",
        "UPDATE vehicles SET reception_date = CURRENT_DATE - 2, status = 'in_transit' WHERE hashtext(vin) % 13 = 0",
        "UPDATE vehicles SET total_cost = sale_price + 100000, fuel = NULL, registration_year = NULL \
         WHERE hashtext(vin) % 17 = 0",
        "DELETE FROM vehicles WHERE hashtext(vin) % 19 = 0",
        "UPDATE vehicles SET province_id = NULL WHERE hashtext(vin) % 23 = 0",
    ] {
        diesel::sql_query(statement).execute(&mut conn).await.unwrap();
    }
    let dealer = count(&mut conn, "SELECT min(id) AS count FROM dealers").await;
    let cases = [
        (String::new(), "TRUE".to_owned()),
        (format!("dealer_id={dealer}"), format!("v.dealer_id = {dealer}")),
        ("province=28".into(), "v.province_id = (SELECT id FROM provinces WHERE code = '28')".into()),
        ("stock_type=VO".into(), "v.stock_type = 'VO'".into()),
        (format!("dealer_id={dealer}&stock_type=KM0"), format!("v.dealer_id = {dealer} AND v.stock_type = 'KM0'")),
    ];
    for (query, filter) in &cases {
        assert!(count(&mut conn, &format!("SELECT count(*) FROM vehicles v WHERE {filter}")).await > 0, "{query}");
        check_figures(&app, &token, &mut conn, query, filter).await;
    }
    // Nothing matches: zeros, no averages, and the fixed buckets still there.
    let none = dashboard(&app, &token, "province=52&stock_type=DEMO&dealer_id=999999").await;
    assert_eq!(none.counts.total, 0);
    assert_eq!((none.money.average_price, none.ageing.median_days), (None, None));
    assert_eq!(none.ageing.buckets.len(), 5);
    assert_eq!(none.breakdowns.price_bands.len(), 5);
    assert!(none.breakdowns.brands.is_empty() && none.ageing.oldest.is_empty());

    // Each slice links to the stock list of exactly its vehicles.
    let all = dashboard(&app, &token, &cases[3].0).await;
    for slice in all.ageing.buckets.iter().chain(&all.breakdowns.price_bands).chain(&all.breakdowns.brands).take(12) {
        let Some(stock_query) = &slice.stock_query else { continue };
        let path = format!("/api/stock?{}&page_size=1", serde_urlencoded::to_string(stock_query).unwrap());
        let page: serde_json::Value = app.call("GET", &path, &token, None).await.json().await.unwrap();
        assert_eq!(page["total"].as_i64(), Some(slice.vehicles), "{path}");
        assert_eq!(stock_query.stock_type.as_deref(), Some("VO"), "the dashboard's filters are kept");
    }
}

#[actix_web::test]
async fn a_new_installation_has_an_empty_dashboard() {
    let app = TestApp::spawn().await;
    let token = app.token_for("viewer", Role::Viewer).await;
    let empty = dashboard(&app, &token, "").await;
    assert_eq!(empty.counts, Default::default());
    assert_eq!(empty.money.stock_value, Money(0));
    assert!(empty.trend.is_empty() && empty.week_ago.is_none() && empty.activity.received.is_empty());
    assert!(empty.ageing.buckets.iter().all(|b| b.vehicles == 0));

    let body = assert_error(
        app.call("GET", "/api/dashboard?dealer_id=first&stock_type=bus", &token, None).await,
        422,
        "validation_failed",
    )
    .await;
    assert!(body["fields"]["dealer_id"].is_array() && body["fields"]["stock_type"].is_array(), "{body}");
}

#[actix_web::test]
async fn sold_and_removed_this_month_come_from_the_history() {
    let (app, mut conn) = seeded().await;
    let token = app.token_for("boss", Role::Manager).await;
    let dealer = count(&mut conn, "SELECT min(id) AS count FROM dealers").await;
    let picked = vins(
        &mut conn,
        &format!("SELECT vin FROM vehicles WHERE dealer_id = {dealer} AND status <> 'sold' ORDER BY vin LIMIT 5"),
    )
    .await;
    for vin in &picked[..3] {
        let response = app.call("PATCH", &format!("/api/stock/{vin}"), &token, Some(&json!({"status": "sold"}))).await;
        assert_eq!(response.status(), 200);
    }
    for vin in &picked[3..] {
        assert_eq!(app.call("DELETE", &format!("/api/stock/{vin}"), &token, None).await.status(), 204);
    }
    // A sale last month does not count.
    diesel::sql_query(format!(
        "UPDATE vehicle_changes SET changed_at = date_trunc('month', now()) - interval '2 days' \
         WHERE vin = '{}' AND 'status' = ANY (fields)",
        picked[0]
    ))
    .execute(&mut conn)
    .await
    .unwrap();

    let mine = dashboard(&app, &token, &format!("dealer_id={dealer}")).await;
    assert_eq!((mine.counts.sold_this_month, mine.counts.removed_this_month), (2, 2));
    let other = count(&mut conn, &format!("SELECT max(id) AS count FROM dealers WHERE id <> {dealer}")).await;
    let theirs = dashboard(&app, &token, &format!("dealer_id={other}")).await;
    assert_eq!((theirs.counts.sold_this_month, theirs.counts.removed_this_month), (0, 0));
    let everyone = dashboard(&app, &token, "").await;
    assert_eq!(everyone.counts.removed_this_month, 2);

    // A bulk delete behind the API's back, across dealers: each filter counts what the change
    // log recorded of every deleted vehicle (all deleted now, by this test).
    diesel::sql_query("DELETE FROM vehicles WHERE hashtext(vin) % 9 = 0").execute(&mut conn).await.unwrap();
    for (query, filter) in [
        (String::new(), "TRUE".to_owned()),
        (format!("dealer_id={dealer}"), format!("(vehicle ->> 'dealer_id')::bigint = {dealer}")),
        (
            "province=28&stock_type=VO".into(),
            "vehicle ->> 'stock_type' = 'VO' AND (vehicle ->> 'province_id')::bigint = \
            (SELECT id FROM provinces WHERE code = '28')"
                .into(),
        ),
    ] {
        let deleted = format!("SELECT count(*) FROM vehicle_changes WHERE action = 'delete' AND {filter}");
        let expected = count(&mut conn, &deleted).await;
        assert!(expected > 2, "{query}");
        eventually("the bulk delete is counted", async || {
            dashboard(&app, &token, &query).await.counts.removed_this_month == expected
        })
        .await;
    }
}

#[derive(QueryableByName, Debug)]
struct Day {
    #[diesel(sql_type = Date)]
    date: NaiveDate,
    #[diesel(sql_type = BigInt)]
    vehicles: i64,
    #[diesel(sql_type = BigInt)]
    reserved: i64,
    #[diesel(sql_type = BigInt)]
    value: i64,
    #[diesel(sql_type = Double)]
    average_days: f64,
}

/// The stock as the earlier design stored it: a full copy of every vehicle in stock on each
/// snapshot day. History is now kept as states; this copy is the truth they must reproduce.
const COPY_OF_THE_DAY: &str = "INSERT INTO copies SELECT $1, vin, brand, model, dealer_id, province_id, stock_type, \
     status, fuel, reserved, published, mileage_km, sale_price, coalesce(total_cost, purchase_price), reception_date \
     FROM vehicles WHERE reception_date <= $1";

/// Every kind of change between snapshots, different each round: prices and reservations,
/// moves to another dealer, sales, deletions, new vehicles (some received in the future),
/// vehicles deleted and later re-entered under the same VIN, values that change and change back.
async fn change_the_stock(conn: &mut AsyncPgConnection, round: i32, day: NaiveDate) {
    for sql in [
        format!(
            "UPDATE vehicles SET sale_price = sale_price + 10000, reserved = NOT reserved WHERE hashtext(vin) % {} = 0",
            round % 3 + 2
        ),
        format!(
            "UPDATE vehicles SET dealer_id = (SELECT min(id) FROM dealers WHERE id IS DISTINCT FROM vehicles.dealer_id), \
                 status = 'in_preparation' WHERE abs(hashtext(vin)) % 11 = {round}"
        ),
        format!("UPDATE vehicles SET status = 'sold' WHERE abs(hashtext(vin)) % 17 = {round}"),
        format!(
            "WITH gone AS (DELETE FROM vehicles WHERE abs(hashtext(vin || 'x')) % 13 = {round} \
                 RETURNING vin, brand, model, stock_type, sale_price, reception_date) \
             INSERT INTO deleted SELECT {round}, * FROM gone"
        ),
        format!(
            "INSERT INTO vehicles (vin, brand, model, stock_type, sale_price, reception_date) \
             SELECT vin, brand, model, stock_type, sale_price + 1, reception_date FROM deleted WHERE round = {round} - 2"
        ),
        format!(
            "INSERT INTO vehicles (vin, brand, model, stock_type, sale_price, dealer_id, province_id, reception_date) \
             SELECT 'R{round}' || substr(vin, 3), brand, model, stock_type, sale_price, dealer_id, province_id, \
                 DATE '{day}' + (abs(hashtext(vin)) % 9 - 4) \
             FROM vehicles WHERE abs(hashtext(vin || 'new')) % 19 = 0 AND vin NOT LIKE 'R%'"
        ),
    ] {
        diesel::sql_query(sql).execute(conn).await.unwrap();
    }
}

#[actix_web::test]
async fn trends_and_history_kept_as_states_equal_a_full_copy_per_day() {
    let (app, mut conn) = seeded().await;
    let token = app.token_for("viewer", Role::Viewer).await;
    let today = today();
    for table in [
        "CREATE TEMP TABLE copies (snapshot_date date, vin text, brand text, model text, dealer_id bigint, \
             province_id bigint, stock_type text, status text, fuel text, reserved bool, published bool, \
             mileage_km int, sale_price bigint, total_cost bigint, reception_date date)",
        "CREATE TEMP TABLE deleted (round int, vin text, brand text, model text, stock_type text, sale_price bigint, \
             reception_date date)",
    ] {
        diesel::sql_query(table).execute(&mut conn).await.unwrap();
    }
    // Snapshots 100 days back (outside the trend) and then every few days, the stock changing.
    for (round, back) in [100u64, 45, 30, 20, 7, 3, 1].into_iter().enumerate() {
        let day = today - Days::new(back);
        diesel::sql_query(COPY_OF_THE_DAY).bind::<Date, _>(day).execute(&mut conn).await.unwrap();
        take_snapshot(&mut conn, day).await.unwrap();
        change_the_stock(&mut conn, round as i32, day).await;
    }
    let states = count(&mut conn, "SELECT count(*) FROM vehicle_states").await;
    let copies = count(&mut conn, "SELECT count(*) FROM copies").await;
    assert!(states < copies, "unchanged days are not repeated ({states} states, {copies} copies)");

    // The stock as of every snapshot day, row for row.
    let as_of = format!(
        "SELECT r.snapshot_date, s.vin, s.brand, s.model, s.dealer_id, s.province_id, s.stock_type, s.status, \
             s.fuel, s.reserved, s.published, s.mileage_km, s.sale_price, s.total_cost, s.reception_date FROM {}",
        dealaai::stock::snapshot::STATES_ON_SNAPSHOT_DAYS
    );
    for difference in [format!("({as_of}) EXCEPT ALL TABLE copies"), format!("TABLE copies EXCEPT ALL ({as_of})")] {
        assert_eq!(count(&mut conn, &format!("SELECT count(*) FROM ({difference}) d")).await, 0, "{difference}");
    }

    // The dashboard's trends.
    for (query, filter) in [("", "TRUE"), ("stock_type=VN", "stock_type = 'VN'")] {
        let expected: Vec<Day> = diesel::sql_query(format!(
            "SELECT snapshot_date AS date, count(*) AS vehicles, count(*) FILTER (WHERE reserved) AS reserved, \
               sum(sale_price)::bigint AS value, avg(snapshot_date - reception_date)::float8 AS average_days \
             FROM copies WHERE snapshot_date > DATE '{today}' - 90 AND {filter} GROUP BY 1 ORDER BY 1"
        ))
        .load(&mut conn)
        .await
        .unwrap();
        assert_eq!(expected.len(), 6);
        let got = dashboard(&app, &token, query).await;
        assert_eq!(got.trend.len(), expected.len(), "{query}");
        for (point, day) in got.trend.iter().zip(&expected) {
            assert_eq!((point.date, point.vehicles, point.reserved), (day.date, day.vehicles, day.reserved));
            assert_eq!(point.stock_value, Money(day.value));
            assert!(close(point.average_days, Some(day.average_days)), "{point:?} {day:?}");
        }
        assert_eq!(got.week_ago.as_ref().map(|p| p.date), Some(today - Days::new(7)));
        assert_eq!(got.month_ago.as_ref().map(|p| p.date), Some(today - Days::new(30)));
        assert_eq!(got.week_ago, got.trend.iter().find(|p| p.date == today - Days::new(7)).cloned());
    }

    // A vehicle's history page: one line per snapshot day it was in stock, newest first.
    let vin =
        &vins(&mut conn, "SELECT vin FROM copies GROUP BY vin ORDER BY count(DISTINCT sale_price) DESC, vin LIMIT 1")
            .await[0];
    let history: serde_json::Value =
        app.call("GET", &format!("/api/stock/{vin}/history"), &token, None).await.json().await.unwrap();
    let got: Vec<String> = history["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{}={}", s["snapshot_date"].as_str().unwrap(), s["sale_price"].as_str().unwrap()))
        .collect();
    let expected = text(
        &mut conn,
        &format!(
            "SELECT string_agg(snapshot_date || '=' || to_char(sale_price / 100.0, 'FM999999990.00'), ',' \
                 ORDER BY snapshot_date DESC) AS value \
             FROM copies WHERE vin = '{vin}'"
        ),
    )
    .await;
    assert!(got.len() > 2, "{vin} was in several snapshots");
    assert_eq!(got.join(","), expected);
}

#[actix_web::test]
async fn a_backfilled_history_equals_one_snapshot_per_day() {
    let ((_bulk_app, mut bulk), (_daily_app, mut daily)) = (seeded().await, seeded().await);
    let (first, last) = (today() - Days::new(40), today() - Days::new(1));
    dealaai::stock::snapshot::backfill(&mut bulk, first, last).await.unwrap();
    for day in first.iter_days().take_while(|day| *day <= last) {
        take_snapshot(&mut daily, day).await.unwrap();
    }
    let history = async |conn: &mut AsyncPgConnection| {
        let mut tables = Vec::new();
        for table in ["vehicle_states", "stock_daily", "(SELECT snapshot_date, vehicles FROM snapshot_runs)"] {
            tables.push(
                text(conn, &format!("SELECT string_agg(t::text, '|' ORDER BY t::text) AS value FROM {table} t")).await,
            );
        }
        tables
    };
    let (bulk_history, daily_history) = (history(&mut bulk).await, history(&mut daily).await);
    assert!(bulk_history[0].len() > 1000, "states were written: {}", bulk_history[0].len());
    assert_eq!(bulk_history, daily_history);

    // A server started before the seed took today's snapshot: the days before it are written
    // the same way, ending where today's history begins; days after the history are taken.
    let (_later_app, mut later) = seeded().await;
    take_snapshot(&mut later, today()).await.unwrap();
    dealaai::stock::snapshot::backfill(&mut later, first, today() + Days::new(1)).await.unwrap();
    let as_of_each_day = async |conn: &mut AsyncPgConnection| {
        let as_of = format!(
            "SELECT r.snapshot_date, s.vin, s.sale_price, s.reserved FROM {} WHERE r.snapshot_date <= DATE '{last}'",
            dealaai::stock::snapshot::STATES_ON_SNAPSHOT_DAYS
        );
        let daily = format!("SELECT * FROM stock_daily WHERE snapshot_date <= DATE '{last}'");
        let mut tables = Vec::new();
        for table in [as_of, daily] {
            tables.push(
                text(conn, &format!("SELECT string_agg(t::text, '|' ORDER BY t::text) AS value FROM ({table}) t"))
                    .await,
            );
        }
        tables
    };
    assert_eq!(as_of_each_day(&mut later).await, as_of_each_day(&mut bulk).await);
    let days = count(&mut later, "SELECT count(*) FROM snapshot_runs").await;
    assert_eq!(days, 42, "40 days before, today, tomorrow");
}

#[actix_web::test]
async fn the_cached_dashboard_goes_with_every_kind_of_stock_change() {
    let (app, mut conn) = seeded().await;
    let token = app.token_for("boss", Role::Manager).await;
    let cached = "SELECT count(*) FROM cache_entries WHERE key LIKE 'stock:dashboard:%'";
    let total = |d: &Dashboard| (d.counts.total, d.money.stock_value);
    let before = dashboard(&app, &token, "").await;
    assert_eq!(count(&mut conn, cached).await, 1);
    assert_eq!(dashboard(&app, &token, "").await, before, "served from the cache");

    let vin = "VSSZZZ6JZ9R765432";
    let created = json!({"vin": vin, "brand": "SEAT", "model": "Ibiza", "stock_type": "VO", "sale_price": "10000.00"});
    assert_eq!(app.call("POST", "/api/stock", &token, Some(&created)).await.status(), 201);
    assert_eq!(count(&mut conn, cached).await, 0);
    let after_create = dashboard(&app, &token, "").await;
    assert_eq!(total(&after_create), (before.counts.total + 1, Money(before.money.stock_value.0 + 1_000_000)));

    let patch = json!({"sale_price": "12000.00"});
    app.call("PATCH", &format!("/api/stock/{vin}"), &token, Some(&patch)).await;
    let after_patch = dashboard(&app, &token, "").await;
    assert_eq!(after_patch.money.stock_value, Money(after_create.money.stock_value.0 + 200_000));
    assert_eq!(after_patch.activity.price_changes[0].vin, vin);

    let csv = format!("vin,brand,model,sale_price\n{vin},SEAT,Ibiza,13000\n");
    assert_eq!(import(&app, &token, "all_or_nothing", csv).await.status(), 200);
    assert_eq!(dashboard(&app, &token, "").await.money.stock_value, Money(after_create.money.stock_value.0 + 300_000));

    diesel::sql_query(format!("UPDATE vehicles SET reserved = true WHERE vin = '{vin}'"))
        .execute(&mut conn)
        .await
        .unwrap();
    eventually("the manual UPDATE is heard", async || {
        dashboard(&app, &token, "").await.activity.reservations[0].vin == vin
    })
    .await;

    assert_eq!(app.call("DELETE", &format!("/api/stock/{vin}"), &token, None).await.status(), 204);
    let after_delete = dashboard(&app, &token, "").await;
    assert_eq!(total(&after_delete), total(&before));
    assert_eq!(after_delete.counts.removed_this_month, 1);

    take_snapshot(&mut conn, today() - Days::new(1)).await.unwrap();
    assert_eq!(count(&mut conn, cached).await, 0);
    // Taken behind the server's back: its memory hears of it by notification, moments later.
    eventually("the snapshot is heard", async || dashboard(&app, &token, "").await.trend.len() == 1).await;
}
