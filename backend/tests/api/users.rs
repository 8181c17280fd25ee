//! `/api/users`: administration of people and their hierarchy.

use serde_json::{Value, json};
use shared::users::Role;

use crate::helpers::{TestApp, assert_error};

fn new_user(username: &str) -> Value {
    json!({
        "username": username,
        "email": format!("{username}@grupo.es"),
        "password": "a-strong-passphrase",
        "first_name": "Nuevo",
        "last_name": "Usuario",
        "role": "sales",
    })
}

async fn create(app: &TestApp, admin: &str, body: &Value) -> Value {
    let response = app.call("POST", "/api/users", admin, Some(body)).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

#[actix_web::test]
async fn admins_create_users_who_can_then_log_in() {
    let app = TestApp::spawn().await;
    let admin = app.token_for("boss", Role::Admin).await;
    let mut body = new_user("lucia");
    body["province_id"] = json!(28);
    body["job_profile_id"] = json!(4);
    let user = create(&app, &admin, &body).await;
    assert_eq!(user["username"], "lucia");
    assert_eq!(user["role"], "sales");
    assert_eq!(user["province_id"], 28);
    assert_eq!(user["is_active"], true);
    assert!(user.get("password").is_none() && user.get("password_hash").is_none());
    assert_eq!(app.login("lucia", "a-strong-passphrase").await.status(), 200);
}

#[actix_web::test]
async fn invalid_user_bodies_list_every_problem_and_write_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.token_for("boss", Role::Admin).await;

    let empty =
        assert_error(app.call("POST", "/api/users", &admin, Some(&json!({}))).await, 422, "validation_failed").await;
    for field in ["username", "email", "password"] {
        assert_eq!(empty["fields"][field], json!(["required"]), "{field} in {empty}");
    }

    let bad = json!({
        "username": "a b", "email": "nope", "password": "12345", "role": "sales",
        "dealer_id": 999_999, "province_id": 999_999, "job_profile_id": 999_999, "boss_id": 999_999,
        "birth_date": "2999-01-01",
    });
    let body = assert_error(app.call("POST", "/api/users", &admin, Some(&bad)).await, 422, "validation_failed").await;
    assert_eq!(body["fields"]["username"], json!(["invalid"]));
    assert_eq!(body["fields"]["email"], json!(["invalid_email"]));
    assert_eq!(body["fields"]["password"], json!(["too_short", "only_digits"]));
    for reference in ["dealer_id", "province_id", "job_profile_id", "boss_id"] {
        assert_eq!(body["fields"][reference], json!(["unknown_reference"]), "{reference}");
    }
    assert_eq!(body["fields"]["birth_date"], json!(["invalid"]));

    let wrong_type = json!({"username": "x", "role": "emperor"});
    assert_error(app.call("POST", "/api/users", &admin, Some(&wrong_type)).await, 422, "validation_failed").await;

    let malformed = app
        .client
        .post(app.url("/api/users"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    assert_error(malformed, 400, "bad_request").await;

    let list: Value = app.get_with_token("/api/users", &admin).await.json().await.unwrap();
    assert_eq!(list["total"], 1, "nothing was written");
}

#[actix_web::test]
async fn duplicate_usernames_and_emails_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.token_for("boss", Role::Admin).await;
    create(&app, &admin, &new_user("lucia")).await;

    let mut same_name = new_user("LUCIA");
    same_name["email"] = json!("other@grupo.es");
    let body =
        assert_error(app.call("POST", "/api/users", &admin, Some(&same_name)).await, 422, "validation_failed").await;
    assert_eq!(body["fields"]["username"], json!(["already_taken"]));

    let mut same_email = new_user("lucia2");
    same_email["email"] = json!("Lucia@Grupo.es");
    let body =
        assert_error(app.call("POST", "/api/users", &admin, Some(&same_email)).await, 422, "validation_failed").await;
    assert_eq!(body["fields"]["email"], json!(["already_taken"]));
}

#[actix_web::test]
async fn the_user_list_filters_searches_sorts_and_pages() {
    let app = TestApp::spawn().await;
    let admin = app.token_for("boss", Role::Admin).await;
    let dealer: Value =
        app.call("POST", "/api/dealers", &admin, Some(&json!({"name": "Motor Norte"}))).await.json().await.unwrap();
    for (name, role, in_dealer) in
        [("ana", "sales", true), ("bea", "manager", true), ("carla", "viewer", false), ("dani", "sales", false)]
    {
        let mut body = new_user(name);
        body["role"] = json!(role);
        if in_dealer {
            body["dealer_id"] = dealer["id"].clone();
        }
        create(&app, &admin, &body).await;
    }

    let get = |query: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let response = app.get_with_token(&format!("/api/users?{query}"), &admin).await;
            assert_eq!(response.status(), 200, "{query}");
            let page: Value = response.json().await.unwrap();
            let names: Vec<String> =
                page["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap().to_owned()).collect();
            (page["total"].as_i64().unwrap(), names)
        }
    };
    assert_eq!(get("role=sales".into()).await, (2, vec!["ana".into(), "dani".into()]));
    assert_eq!(get(format!("dealer_id={}", dealer["id"])).await, (2, vec!["ana".into(), "bea".into()]));
    assert_eq!(get("q=CARL".into()).await, (1, vec!["carla".into()]));
    assert_eq!(get("sort=-username&page_size=2".into()).await, (5, vec!["dani".into(), "carla".into()]));
    assert_eq!(get("sort=-username&page_size=2&page=3".into()).await, (5, vec!["ana".into()]));

    for bad in ["sort=password_hash", "page=0", "page_size=1000", "active=maybe", "role=emperor"] {
        let response = app.get_with_token(&format!("/api/users?{bad}"), &admin).await;
        assert_error(response, 422, "validation_failed").await;
    }
}

#[actix_web::test]
async fn managers_see_only_their_team() {
    let app = TestApp::spawn().await;
    let admin = app.token_for("root", Role::Admin).await;
    let manager_token = app.token_for("gerente", Role::Manager).await;
    let manager_id = app.login_ok("gerente").await["user"]["id"].as_i64().unwrap();
    let mut direct = new_user("asesor");
    direct["boss_id"] = json!(manager_id);
    let direct = create(&app, &admin, &direct).await;
    let mut indirect = new_user("junior");
    indirect["boss_id"] = direct["id"].clone();
    let indirect = create(&app, &admin, &indirect).await;
    let outsider = create(&app, &admin, &new_user("ajeno")).await;

    let page: Value = app.get_with_token("/api/users", &manager_token).await.json().await.unwrap();
    let names: Vec<&str> = page["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["asesor", "junior"]);

    assert_eq!(app.get_with_token(&format!("/api/users/{}", indirect["id"]), &manager_token).await.status(), 200);
    let forbidden = app.get_with_token(&format!("/api/users/{}", outsider["id"]), &manager_token).await;
    assert_error(forbidden, 403, "forbidden").await;

    let direct_only: Vec<Value> = app
        .get_with_token(&format!("/api/users/{manager_id}/subordinates"), &manager_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(direct_only.len(), 1);
    let tree: Vec<Value> = app
        .get_with_token(&format!("/api/users/{manager_id}/subordinates?recursive=true"), &manager_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tree.len(), 2);
}

#[actix_web::test]
async fn a_boss_cannot_be_oneself_or_create_a_cycle() {
    let app = TestApp::spawn().await;
    let admin = app.token_for("root", Role::Admin).await;
    let top = create(&app, &admin, &new_user("top")).await;
    let mut middle = new_user("middle");
    middle["boss_id"] = top["id"].clone();
    let middle = create(&app, &admin, &middle).await;
    let mut bottom = new_user("bottom");
    bottom["boss_id"] = middle["id"].clone();
    let bottom = create(&app, &admin, &bottom).await;

    let path = format!("/api/users/{}", top["id"]);
    let itself = json!({"boss_id": top["id"]});
    let body = assert_error(app.call("PATCH", &path, &admin, Some(&itself)).await, 422, "validation_failed").await;
    assert_eq!(body["fields"]["boss_id"], json!(["self_reference"]));
    let cycle = json!({"boss_id": bottom["id"]});
    let body = assert_error(app.call("PATCH", &path, &admin, Some(&cycle)).await, 422, "validation_failed").await;
    assert_eq!(body["fields"]["boss_id"], json!(["cycle"]));

    // Clearing a boss with null is allowed.
    let cleared: Value = app
        .call("PATCH", &format!("/api/users/{}", middle["id"]), &admin, Some(&json!({"boss_id": null})))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["boss_id"], Value::Null);
}

#[actix_web::test]
async fn a_leaving_date_or_deactivation_ends_the_users_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.token_for("root", Role::Admin).await;
    let leaver = create(&app, &admin, &new_user("leaver")).await;
    let tokens: Value = app.login("leaver", "a-strong-passphrase").await.json().await.unwrap();

    let update = json!({"leaving_date": "2026-01-31", "joining_date": "2020-03-01"});
    let updated: Value =
        app.call("PATCH", &format!("/api/users/{}", leaver["id"]), &admin, Some(&update)).await.json().await.unwrap();
    assert_eq!(updated["is_active"], false);
    assert_eq!(updated["leaving_date"], "2026-01-31");
    assert_error(
        app.get_with_token("/api/auth/me", tokens["access_token"].as_str().unwrap()).await,
        401,
        "invalid_token",
    )
    .await;
    assert_error(app.login("leaver", "a-strong-passphrase").await, 401, "invalid_credentials").await;

    let other = create(&app, &admin, &new_user("other")).await;
    let other_tokens: Value = app.login("other", "a-strong-passphrase").await.json().await.unwrap();
    assert_eq!(app.call("DELETE", &format!("/api/users/{}", other["id"]), &admin, None).await.status(), 204);
    let me = app.get_with_token("/api/auth/me", other_tokens["access_token"].as_str().unwrap()).await;
    assert_error(me, 401, "invalid_token").await;
    let refresh = app.post_json("/api/auth/refresh", &json!({"refresh_token": other_tokens["refresh_token"]})).await;
    assert_error(refresh, 401, "invalid_token").await;
    let fetched: Value = app.get_with_token(&format!("/api/users/{}", other["id"]), &admin).await.json().await.unwrap();
    assert_eq!(fetched["is_active"], false, "deactivated, not deleted");
}

#[actix_web::test]
async fn admins_cannot_lock_themselves_out() {
    let app = TestApp::spawn().await;
    let admin = app.token_for("root", Role::Admin).await;
    let me = app.login_ok("root").await["user"]["id"].as_i64().unwrap();
    let path = format!("/api/users/{me}");
    assert_error(app.call("DELETE", &path, &admin, None).await, 422, "validation_failed").await;
    let demote = json!({"role": "viewer"});
    assert_error(app.call("PATCH", &path, &admin, Some(&demote)).await, 422, "validation_failed").await;
}

#[actix_web::test]
async fn an_admin_password_reset_ends_the_users_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.token_for("root", Role::Admin).await;
    let user = create(&app, &admin, &new_user("olvido")).await;
    let tokens: Value = app.login("olvido", "a-strong-passphrase").await.json().await.unwrap();

    let path = format!("/api/users/{}/password", user["id"]);
    let weak = json!({"new_password": "olvido1234567"});
    let body = assert_error(app.call("POST", &path, &admin, Some(&weak)).await, 422, "validation_failed").await;
    assert_eq!(body["fields"]["new_password"], json!(["contains_username"]));

    let reset = json!({"new_password": "reset-by-the-admin-2026"});
    assert_eq!(app.call("POST", &path, &admin, Some(&reset)).await.status(), 204);
    assert_error(
        app.get_with_token("/api/auth/me", tokens["access_token"].as_str().unwrap()).await,
        401,
        "invalid_token",
    )
    .await;
    assert_eq!(app.login("olvido", "reset-by-the-admin-2026").await.status(), 200);
}

#[actix_web::test]
async fn unknown_users_are_404() {
    let app = TestApp::spawn().await;
    let admin = app.token_for("root", Role::Admin).await;
    assert_error(app.get_with_token("/api/users/987654", &admin).await, 404, "not_found").await;
    assert_error(app.call("PATCH", "/api/users/987654", &admin, Some(&json!({}))).await, 404, "not_found").await;
    assert_error(app.get_with_token("/api/users/abc", &admin).await, 400, "bad_request").await;
}

/// NIST SP 800-63B's rules: well-known passwords (ignoring case and the digits around one),
/// blank ones, one repeated character and the username backwards are refused, each by name.
#[actix_web::test]
async fn guessable_passwords_are_refused_by_name() {
    let app = TestApp::spawn().await;
    let admin = app.token_for("boss", Role::Admin).await;
    let spaces = " ".repeat(10);
    let cases = [
        ("password123", "too_common"),
        ("qwertyuiop", "too_common"),
        ("Admin123456", "too_common"),
        ("aaaaaaaaaaaa", "too_common"),
        (spaces.as_str(), "required"),
        ("zepol.airam", "contains_username"),
    ];
    for (password, problem) in cases {
        let mut body = new_user("maria.lopez");
        body["password"] = json!(password);
        let response = app.call("POST", "/api/users", &admin, Some(&body)).await;
        let body = assert_error(response, 422, "validation_failed").await;
        assert_eq!(body["fields"]["password"], json!([problem]), "{password:?}");
    }
    // A password change follows the same rules.
    let token = app.token_for("carmen", Role::Sales).await;
    let change = json!({"current_password": crate::helpers::PASSWORD, "new_password": "Password2026!"});
    let body =
        assert_error(app.call("POST", "/api/auth/password", &token, Some(&change)).await, 422, "validation_failed")
            .await;
    assert_eq!(body["fields"]["new_password"], json!(["too_common"]));

    // Long passwords of any characters, spaces included, are fine.
    let mut body = new_user("maria.lopez");
    body["password"] = json!("mi coche rojo: ñandú & 4x4 ".repeat(4));
    create(&app, &admin, &body).await;
    let user = create(&app, &admin, &new_user("ana.garcía")).await;
    assert_eq!(user["username"], "ana.garcía");
}

/// A username mixing scripts passes for another: `аdmin` with a Cyrillic `а`.
#[actix_web::test]
async fn look_alike_usernames_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.token_for("admin", Role::Admin).await;
    for look_alike in ["\u{0430}dmin", "ａｄｍｉｎ", "m\u{0430}ría"] {
        let response = app.call("POST", "/api/users", &admin, Some(&new_user(look_alike))).await;
        let body = assert_error(response, 422, "validation_failed").await;
        assert_eq!(body["fields"]["username"], json!(["invalid"]), "{look_alike}");
    }
    let list: Value = app.get_with_token("/api/users", &admin).await.json().await.unwrap();
    assert_eq!(list["total"], 1, "nothing was written");
    create(&app, &admin, &new_user("íñigo.núñez")).await;
}
