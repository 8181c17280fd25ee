//! What each process keeps in memory (cached answers, session checks): trusted only while it
//! hears PostgreSQL's notifications that they changed, whoever changed them.

use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use shared::users::Role;

use crate::helpers::{TestApp, eventually};
use crate::stock::{count, seeded};

async fn sql(conn: &mut AsyncPgConnection, statement: &str) {
    diesel::sql_query(statement).execute(conn).await.unwrap();
}

async fn stock_value(app: &TestApp, token: &str) -> Option<String> {
    let response = app.call("GET", "/api/dashboard", token, None).await;
    let body: Value = response.json().await.ok()?;
    body["money"]["stock_value"].as_str().map(str::to_owned)
}

async fn stock_value_in_sql(conn: &mut AsyncPgConnection) -> String {
    let cents = count(conn, "SELECT sum(sale_price)::bigint AS count FROM vehicles").await;
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// Silences, or restores, every notification that the stock's cached answers changed.
async fn stock_notifications(conn: &mut AsyncPgConnection, on: bool) {
    let action = if on { "ENABLE" } else { "DISABLE" };
    sql(conn, &format!("ALTER TABLE vehicles {action} TRIGGER vehicles_invalidate_cache")).await;
    sql(conn, &format!("ALTER TABLE cache_entries {action} TRIGGER cache_entries_notify_delete")).await;
}

/// Changes the stock (and empties PostgreSQL's cache) until the dashboard does not show it:
/// proof that it is answered from memory (as soon as the process listens for notifications).
async fn until_answered_from_memory(app: &TestApp, token: &str, conn: &mut AsyncPgConnection) {
    eventually("the dashboard is answered from memory", async || {
        let before = stock_value(app, token).await;
        sql(conn, "UPDATE vehicles SET sale_price = sale_price + 1 WHERE vin = (SELECT min(vin) FROM vehicles)").await;
        sql(conn, "DELETE FROM cache_entries").await;
        stock_value(app, token).await == before
    })
    .await;
}

#[actix_web::test]
async fn answers_and_session_checks_come_from_memory_until_the_database_says_they_changed() {
    let (app, mut conn) = seeded().await;
    let user = app.create_user("viewer", Role::Viewer).await;
    let token = app.login_ok("viewer").await["access_token"].as_str().unwrap().to_owned();

    // With the notifications silenced, a change the database makes is not heard: once the
    // process listens, it answers from memory (the database's own cache was emptied).
    stock_notifications(&mut conn, false).await;
    until_answered_from_memory(&app, &token, &mut conn).await;
    assert_eq!(count(&mut conn, "SELECT count(*) FROM cache_entries").await, 0, "not from PostgreSQL's cache");
    assert_ne!(stock_value(&app, &token).await, Some(stock_value_in_sql(&mut conn).await));

    // Heard again: the next change empties the memory of every process.
    stock_notifications(&mut conn, true).await;
    sql(&mut conn, "UPDATE vehicles SET sale_price = sale_price + 1 WHERE vin = (SELECT max(vin) FROM vehicles)").await;
    let expected = stock_value_in_sql(&mut conn).await;
    eventually("the change is heard", async || stock_value(&app, &token).await.as_deref() == Some(&expected)).await;

    // The same for the session check: a deactivation not heard of leaves the caller in...
    sql(&mut conn, "ALTER TABLE users DISABLE TRIGGER users_notify").await;
    sql(&mut conn, &format!("UPDATE users SET is_active = false WHERE id = {}", user.id)).await;
    assert_eq!(app.get_with_token("/api/auth/me", &token).await.status(), 200, "checked from memory");
    // ...and one heard of ends the session at once.
    sql(&mut conn, "ALTER TABLE users ENABLE TRIGGER users_notify").await;
    sql(&mut conn, &format!("UPDATE users SET is_active = false WHERE id = {}", user.id)).await;
    eventually("the deactivation is heard", async || app.get_with_token("/api/auth/me", &token).await.status() == 401)
        .await;
}

#[actix_web::test]
async fn writes_served_by_the_process_are_seen_by_its_next_read() {
    let (app, mut conn) = seeded().await;
    let token = app.token_for("manager", Role::Manager).await;
    // Only the process itself can tell its memory about its writes: nothing is notified.
    stock_notifications(&mut conn, false).await;
    sql(&mut conn, "ALTER TABLE auth_sessions DISABLE TRIGGER auth_sessions_notify").await;
    until_answered_from_memory(&app, &token, &mut conn).await;
    let path = "/api/stock?sort=-sale_price&page_size=1";
    let top = async || {
        let body: Value = app.call("GET", path, &token, None).await.json().await.unwrap();
        body["items"][0].clone()
    };
    let vin = top().await["vin"].as_str().unwrap().to_owned();
    for price in ["900000.00", "900001.00", "900002.00"] {
        let patch = serde_json::json!({ "sale_price": price });
        assert_eq!(app.call("PATCH", &format!("/api/stock/{vin}"), &token, Some(&patch)).await.status(), 200);
        assert_eq!(top().await["sale_price"], price);
    }
    let logout = app.client.post(app.url("/api/auth/logout")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(logout.status(), 204);
    assert_eq!(app.call("GET", path, &token, None).await.status(), 401);
}

#[actix_web::test]
async fn memory_is_bypassed_while_the_notifications_cannot_be_heard() {
    let (app, proxy, database) = TestApp::behind_proxy().await;
    database.create_user("viewer", Role::Viewer).await;
    let token = app.login_ok("viewer").await["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get_with_token("/api/dashboard", &token).await.status(), 200);
    assert_eq!(app.get_with_token("/api/dashboard", &token).await.status(), 200);

    // Unplugged: no stale answer from memory, the database's absence shows.
    proxy.set_up(false);
    eventually("requests need the database again", async || {
        app.get_with_token("/api/dashboard", &token).await.status() == 503
    })
    .await;
    assert_eq!(app.get_with_token("/api/auth/me", &token).await.status(), 503);

    proxy.set_up(true);
    eventually("recovers by itself", async || app.get_with_token("/api/dashboard", &token).await.status() == 200).await;
}
