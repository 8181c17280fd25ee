//! Every protected action is refused with 403 for every role that lacks its permission,
//! and reaches the handler for the roles that have it.

use serde_json::{Value, json};
use shared::Permission;
use shared::users::Role;

use crate::helpers::{TestApp, assert_error};

struct Action {
    method: &'static str,
    path: String,
    body: Option<Value>,
    needs: Permission,
}

#[actix_web::test]
async fn each_role_gets_403_for_each_action_it_lacks() {
    let app = TestApp::spawn().await;
    let target = app.create_user("target", Role::Viewer).await;
    let actions = [
        Action { method: "GET", path: "/api/users".into(), body: None, needs: Permission::ViewTeam },
        Action { method: "POST", path: "/api/users".into(), body: Some(json!({})), needs: Permission::ManageUsers },
        Action {
            method: "PATCH",
            path: format!("/api/users/{}", target.id),
            body: Some(json!({"first_name": "X"})),
            needs: Permission::ManageUsers,
        },
        Action { method: "DELETE", path: "/api/users/999999".into(), body: None, needs: Permission::ManageUsers },
        Action {
            method: "POST",
            path: format!("/api/users/{}/password", target.id),
            body: Some(json!({"new_password": ""})),
            needs: Permission::ManageUsers,
        },
        Action {
            method: "POST",
            path: "/api/dealers".into(),
            body: Some(json!({})),
            needs: Permission::ManageOrganisation,
        },
        Action {
            method: "PATCH",
            path: "/api/dealers/999999".into(),
            body: Some(json!({})),
            needs: Permission::ManageOrganisation,
        },
        Action {
            method: "DELETE",
            path: "/api/dealers/999999".into(),
            body: None,
            needs: Permission::ManageOrganisation,
        },
        Action {
            method: "POST",
            path: "/api/provinces".into(),
            body: Some(json!({})),
            needs: Permission::ManageOrganisation,
        },
        Action {
            method: "PATCH",
            path: "/api/provinces/1".into(),
            body: Some(json!({})),
            needs: Permission::ManageOrganisation,
        },
        Action {
            method: "DELETE",
            path: "/api/provinces/999999".into(),
            body: None,
            needs: Permission::ManageOrganisation,
        },
        Action {
            method: "POST",
            path: "/api/profiles".into(),
            body: Some(json!({})),
            needs: Permission::ManageOrganisation,
        },
        Action {
            method: "PATCH",
            path: "/api/profiles/1".into(),
            body: Some(json!({})),
            needs: Permission::ManageOrganisation,
        },
        Action {
            method: "DELETE",
            path: "/api/profiles/999999".into(),
            body: None,
            needs: Permission::ManageOrganisation,
        },
        Action { method: "GET", path: "/api/stock".into(), body: None, needs: Permission::ReadStock },
        Action { method: "GET", path: "/api/stock/facets".into(), body: None, needs: Permission::ReadStock },
        Action { method: "GET", path: "/api/dashboard".into(), body: None, needs: Permission::ReadStock },
        Action { method: "GET", path: "/api/stock/export".into(), body: None, needs: Permission::ReadStock },
        Action { method: "GET", path: "/api/stock/VSSZZZ6JZ9R123456".into(), body: None, needs: Permission::ReadStock },
        Action {
            method: "GET",
            path: "/api/stock/VSSZZZ6JZ9R123456/history".into(),
            body: None,
            needs: Permission::ReadStock,
        },
        Action { method: "POST", path: "/api/stock".into(), body: Some(json!({})), needs: Permission::WriteStock },
        Action {
            method: "PATCH",
            path: "/api/stock/VSSZZZ6JZ9R123456".into(),
            body: Some(json!({})),
            needs: Permission::WriteStock,
        },
        Action {
            method: "DELETE",
            path: "/api/stock/VSSZZZ6JZ9R123456".into(),
            body: None,
            needs: Permission::WriteStock,
        },
    ];

    for role in Role::ALL {
        let token = app.token_for(&format!("as-{role}"), role).await;
        for action in &actions {
            let response = app.call(action.method, &action.path, &token, action.body.as_ref()).await;
            let status = response.status().as_u16();
            if role.can(action.needs) {
                assert_ne!(status, 403, "{role} may {} {}", action.method, action.path);
            } else {
                assert_error(response, 403, "forbidden").await;
            }
        }
    }
}

#[actix_web::test]
async fn every_endpoint_but_login_and_health_needs_a_token() {
    let app = TestApp::spawn().await;
    for (method, path) in [
        ("GET", "/api/users"),
        ("GET", "/api/users/1"),
        ("GET", "/api/users/1/subordinates"),
        ("GET", "/api/provinces"),
        ("GET", "/api/dealers"),
        ("GET", "/api/profiles"),
        ("GET", "/api/auth/sessions"),
        ("PATCH", "/api/auth/me"),
        ("POST", "/api/auth/password"),
        ("POST", "/api/auth/logout-all"),
        ("GET", "/api/stock"),
        ("GET", "/api/stock/facets"),
        ("GET", "/api/dashboard"),
        ("GET", "/api/stock/export"),
        ("POST", "/api/stock/import"),
        ("GET", "/api/stock/VSSZZZ6JZ9R123456/history"),
        ("DELETE", "/api/stock/VSSZZZ6JZ9R123456"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = app.client.request(method, app.url(path)).json(&json!({})).send().await.unwrap();
        assert_error(response, 401, "unauthenticated").await;
    }
}
