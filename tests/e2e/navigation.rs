//! Getting around the app: pagers, pages a role may not use, and what logging out leaves
//! behind (the Back button, `?next=`, the start-up session check).

use anyhow::Result;
use dealaai_e2e::{Browser, Stack};
use reqwest::header;
use serde_json::Value;

/// Whether the button matching `css` is disabled.
async fn disabled(b: &Browser, css: &str) -> Result<bool> {
    b.text_of(css).await?;
    let value = b.client.execute("return document.querySelector(arguments[0]).disabled", vec![css.into()]).await?;
    Ok(value == Value::Bool(true))
}

/// How many calls to `/api/auth/refresh` this page load has made.
async fn refresh_calls(b: &Browser) -> Result<u64> {
    let script = "return performance.getEntriesByType('resource') \
                  .filter(e => e.name.includes('/api/auth/refresh')).length";
    Ok(b.client.execute(script, vec![]).await?.as_u64().unwrap_or(0))
}

/// With more users than one page holds, the users pager's "Siguiente" is a working button
/// (reading exactly that) and reaches page 2; the stock pager likewise.
#[tokio::test(flavor = "multi_thread")]
async fn the_pagers_reach_the_next_page() -> Result<()> {
    let stack = Stack::start().await?;
    stack.dealaai(&["seed", "--vehicles", "400", "--seed", "5"], None)?;
    // With the demo admin, 22 users: 20 on page 1, 2 on page 2 (sorted by username).
    for n in 1..=21 {
        stack.create_user("sales", &format!("usuario{n:02}"), "paginas-de-usuarios-2026")?;
    }
    let base = &stack.frontend_url;
    let b = Browser::start().await?;
    b.log_in(base, "admin", "admin123").await?;

    b.click(".sidebar nav a[href='/users']").await?;
    b.wait_until("return document.querySelectorAll('table.users tbody tr').length === 20", "a full first page").await?;
    let next = ".pager button:last-of-type";
    assert_eq!(b.text_of(next).await?, "Siguiente");
    assert!(!disabled(&b, next).await?, "Siguiente is enabled with 22 users");
    assert!(disabled(&b, ".pager button:first-of-type").await?);
    b.click(next).await?;
    b.wait_until("return document.querySelectorAll('table.users tbody tr').length === 2", "the second page").await?;
    assert_eq!(b.texts_of("table.users td.username").await?, ["usuario20", "usuario21"]);
    assert!(disabled(&b, next).await?, "page 2 is the last");

    b.click(".sidebar nav a[href='/stock']").await?;
    b.wait_for_text(".stock-total", "400 vehículos").await?;
    let next = "nav.pager button[data-page='next']";
    assert_eq!(b.text_of(next).await?, "Siguiente");
    assert!(!disabled(&b, next).await?);
    b.click(next).await?;
    b.wait_until(
        "return document.querySelector(\"nav.pager button[data-page='2']\")?.getAttribute('aria-current') === 'page'",
        "stock page 2",
    )
    .await?;
    let url = b.client.current_url().await?;
    assert!(url.query().is_some_and(|q| q.contains("page=2")), "{url}");
    b.close().await?;
    Ok(())
}

/// A viewer who types the address of a page their role may not use gets a refusal, not
/// the forms the API would then refuse.
#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_typing_admin_addresses_is_refused() -> Result<()> {
    let stack = Stack::start().await?;
    let password = "solo-mirar-el-stock-2026";
    stack.create_user("viewer", "consulta", password)?;
    let base = &stack.frontend_url;
    let b = Browser::start().await?;
    b.log_in(base, "consulta", password).await?;

    let offered = "return document.querySelector('.content form, .content select, .content input, .content .pager, \
                   .content table, #new-user, #deactivate') === null";
    for path in ["/organisation", "/users/new", "/users/1", "/users", "/stock/new", "/stock/import", "/assistant"] {
        b.client.goto(&format!("{base}{path}")).await?;
        b.wait_for_text(".content .refused .form-error", "No tienes permiso para ver esta página.").await?;
        assert_eq!(b.client.current_url().await?.path(), path);
        assert_eq!(b.client.execute(offered, vec![]).await?, Value::Bool(true), "{path} offers nothing to use");
        if path == "/organisation" {
            b.screenshot("navigation-refused-organisation").await?;
        }
    }
    // The refusal leads back to where the viewer may be.
    b.click(".refused a[href='/']").await?;
    b.wait_for_path("/").await?;
    b.close().await?;
    Ok(())
}

/// The dealers table names each dealer's province.
#[tokio::test(flavor = "multi_thread")]
async fn the_dealers_table_names_each_province() -> Result<()> {
    let stack = Stack::start().await?;
    // Seeding vehicles creates the demo dealers, each in a province.
    stack.dealaai(&["seed", "--vehicles", "1", "--seed", "1"], None)?;
    let token = stack.api_token("admin", "admin123").await?;
    let get = |path: &'static str| {
        let request = reqwest::Client::new().get(format!("{}{path}", stack.backend_url)).bearer_auth(&token);
        async move { request.send().await?.error_for_status()?.json::<Value>().await }
    };
    let (dealers, provinces) = (get("/api/dealers").await?, get("/api/provinces?page_size=100").await?);
    let expected: Vec<(String, String)> = dealers["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|dealer| {
            let province = provinces["items"].as_array().unwrap().iter().find(|p| p["id"] == dealer["province_id"]);
            (dealer["name"].as_str().unwrap().to_owned(), province.unwrap()["name"].as_str().unwrap().to_owned())
        })
        .collect();
    assert!(expected.len() >= 2);

    let b = Browser::start().await?;
    b.log_in(&stack.frontend_url, "admin", "admin123").await?;
    b.click(".sidebar nav a[href='/organisation']").await?;
    b.wait_until(
        &format!(
            "const rows = [...document.querySelectorAll('table.dealers tbody tr')]; \
             return rows.length === {} && rows.every(r => r.cells[1].textContent.trim() !== '')",
            expected.len()
        ),
        "every dealer's province",
    )
    .await?;
    let rows: Vec<(String, String)> = serde_json::from_value(
        b.client
            .execute(
                "return [...document.querySelectorAll('table.dealers tbody tr')] \
                 .map(r => [r.cells[0].textContent.trim(), r.cells[1].textContent.trim()])",
                vec![],
            )
            .await?,
    )?;
    assert_eq!(rows, expected);
    b.close().await?;
    Ok(())
}

/// After logging out, the Back button does not bring a logged-in page back (the app shell
/// is never stored, and a page restored from the back/forward cache checks the session).
#[tokio::test(flavor = "multi_thread")]
async fn back_after_logout_shows_the_login_form() -> Result<()> {
    let stack = Stack::start().await?;
    stack.dealaai(&["seed", "--vehicles", "30", "--seed", "2"], None)?;
    let base = &stack.frontend_url;

    let shell = reqwest::get(format!("{base}/")).await?;
    assert!(shell.headers()[header::CACHE_CONTROL].to_str()?.contains("no-store"));

    let b = Browser::start().await?;
    b.log_in(base, "admin", "admin123").await?;
    b.client.goto(&format!("{base}/stock")).await?;
    b.wait_for_text(".stock-total", "30 vehículos").await?;
    b.click("button.logout").await?;
    b.wait_for_path("/login").await?;

    b.client.back().await?;
    b.wait_until(
        "return location.pathname === '/login' && !!document.querySelector('form.login-card #username')",
        "the login form after Back",
    )
    .await?;
    let leftovers = "return document.querySelector('.shell, .topbar, table.stock-table') === null";
    assert_eq!(b.client.execute(leftovers, vec![]).await?, Value::Bool(true), "nothing of the session shows");
    b.close().await?;
    Ok(())
}

/// Logging out goes to a plain /login: the next person to log in starts on the dashboard,
/// not on the page the previous one was looking at.
#[tokio::test(flavor = "multi_thread")]
async fn after_a_logout_the_next_person_starts_afresh() -> Result<()> {
    let stack = Stack::start().await?;
    let password = "la-siguiente-persona-2026";
    stack.create_user("sales", "beatriz", password)?;
    let base = &stack.frontend_url;
    let b = Browser::start().await?;
    b.log_in(base, "admin", "admin123").await?;
    b.client.goto(&format!("{base}/stock?x=1")).await?;
    b.wait_for_path("/stock").await?;
    b.text_of(".stock-total").await?;
    b.click("button.logout").await?;
    b.wait_for_path("/login").await?;
    let url = b.client.current_url().await?;
    assert_eq!(url.query(), None, "no `next` after a logout: {url}");

    b.fill("#username", "beatriz").await?;
    b.fill("#password", password).await?;
    b.click("button[type=submit]").await?;
    b.wait_for_path("/").await?;
    assert_eq!(b.text_of(".topbar .user-name").await?, "beatriz");

    // A `next` that leaves the site is ignored.
    b.click("button.logout").await?;
    b.wait_for_path("/login").await?;
    b.client.goto(&format!("{base}/login?next=/%5Cexample.com")).await?;
    b.fill("#username", "beatriz").await?;
    b.fill("#password", password).await?;
    b.click("button[type=submit]").await?;
    b.wait_for_path("/").await?;
    assert_eq!(b.client.current_url().await?.host_str(), Some("127.0.0.1"));
    b.close().await?;
    Ok(())
}

/// A browser that is logged out does not ask for a session at start-up; one that is logged
/// in asks exactly once per load and stays logged in.
#[tokio::test(flavor = "multi_thread")]
async fn the_session_is_checked_once_and_only_when_there_may_be_one() -> Result<()> {
    let stack = Stack::start().await?;
    let base = &stack.frontend_url;
    let b = Browser::start().await?;

    // A protected page sends an anonymous visitor to /login once the check is over.
    b.client.goto(&format!("{base}/stock")).await?;
    b.wait_for_path("/login").await?;
    b.text_of("form.login-card #username").await?;
    assert_eq!(refresh_calls(&b).await?, 0, "nothing to refresh in a logged-out browser");

    b.fill("#username", "admin").await?;
    b.fill("#password", "admin123").await?;
    b.click("button[type=submit]").await?;
    b.wait_for_path("/stock").await?;
    b.client.refresh().await?;
    assert_eq!(b.text_of(".topbar .user-name").await?, "Admin DealaAI");
    assert_eq!(refresh_calls(&b).await?, 1, "one check per load");

    // Logged out again: a reload asks nothing.
    b.click("button.logout").await?;
    b.wait_for_path("/login").await?;
    b.client.goto(&format!("{base}/")).await?;
    b.wait_for_path("/login").await?;
    b.text_of("form.login-card #username").await?;
    assert_eq!(refresh_calls(&b).await?, 0);
    b.close().await?;
    Ok(())
}
