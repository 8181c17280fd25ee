//! Layouts at the sizes people use: a 1366×900 laptop and a 390×844 phone. Nothing scrolls
//! sideways, what matters is on the first screen, and the stock list turns into cards on a phone.

use anyhow::{Result, ensure};
use dealaai_e2e::{Browser, Stack};
use serde_json::{Value, json};

const PASSWORD: &str = "pantallas-y-moviles-2026";

async fn js(b: &Browser, script: &str) -> Result<Value> {
    Ok(b.client.execute(script, vec![]).await?)
}

/// Fails when the page is wider than the window (it would scroll sideways).
async fn assert_no_sideways_scroll(b: &Browser, page: &str) -> Result<()> {
    let widths = js(b, "return [document.documentElement.scrollWidth, window.innerWidth]").await?;
    ensure!(widths[0].as_u64() <= widths[1].as_u64(), "{page} scrolls sideways: {widths}");
    Ok(())
}

/// The element's box in the viewport: `{top, left, right, bottom}`.
async fn rect(b: &Browser, css: &str) -> Result<Value> {
    b.text_of(css).await?;
    let script = "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
                  return {top: r.top, left: r.left, right: r.right, bottom: r.bottom};";
    Ok(b.client.execute(script, vec![json!(css)]).await?)
}

fn number(value: &Value, field: &str) -> f64 {
    value[field].as_f64().unwrap_or(f64::NAN)
}

/// Waits until the dashboard's figures and charts are drawn.
async fn wait_for_dashboard(b: &Browser) -> Result<()> {
    b.wait_for_text("[data-kpi='total'] .kpi-value", "400").await?;
    b.wait_until("return document.querySelectorAll('svg[data-chart]').length > 0", "the charts").await
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_laptop_the_price_fits_the_first_screen_and_nothing_overflows() -> Result<()> {
    let stack = Stack::start().await?;
    // A month of snapshots: the KPI cards show their "vs hace 30 días" lines too.
    stack.dealaai(&["seed", "--vehicles", "400", "--seed", "5", "--history-days", "31"], None)?;
    stack.create_user("admin", "directora", PASSWORD)?;
    let b = Browser::start().await?;
    b.log_in(&stack.frontend_url, "directora", PASSWORD).await?;

    // Dashboard: every KPI card holds its figure; amounts keep "€" beside the number.
    wait_for_dashboard(&b).await?;
    b.text_of("[data-kpi='stock_value'] .kpi-change").await?;
    assert_no_sideways_scroll(&b, "/").await?;
    let overflowing = js(
        &b,
        "return [...document.querySelectorAll('.kpi')].filter(k => k.scrollWidth > k.clientWidth).map(k => k.dataset.kpi)",
    )
    .await?;
    assert_eq!(overflowing, json!([]), "KPI cards whose content overflows");
    let value = js(&b, "return document.querySelector(\"[data-kpi='stock_value'] .kpi-value\").textContent").await?;
    assert!(value.as_str().is_some_and(|v| v.ends_with("\u{a0}€")), "a no-break space before €: {value}");
    b.screenshot("layout-dashboard-laptop").await?;

    // Stock: Estado and the price on the first screen, the first row high up, filters folded.
    b.click(".sidebar nav a[href='/stock']").await?;
    b.wait_for_path("/stock").await?;
    b.wait_for_text(".stock-total", "400 vehículos").await?;
    assert_no_sideways_scroll(&b, "/stock").await?;
    let width = js(&b, "return window.innerWidth").await?.as_f64().unwrap_or_default();
    for column in ["sale_price", "status", "vin"] {
        let cell = rect(&b, &format!("table.stock-table th[data-column='{column}']")).await?;
        ensure!(number(&cell, "left") >= 0.0 && number(&cell, "right") <= width, "{column} off-screen: {cell}");
    }
    let first_row = rect(&b, "table.stock-table tbody tr").await?;
    ensure!(number(&first_row, "top") < 400.0, "the first row starts at {first_row}");
    let panel_hidden = "return getComputedStyle(document.querySelector('#filter-panel')).display === 'none'";
    assert_eq!(js(&b, panel_hidden).await?, json!(true), "the filter panel starts folded");
    b.screenshot("layout-stock-laptop").await?;
    b.click("#filter-toggle").await?;
    assert_eq!(js(&b, panel_hidden).await?, json!(false), "the toggle unfolds the filter panel");
    b.click("#filter-toggle").await?;

    // Scrolling the list keeps its header row in view.
    let header_stays = "const box = document.querySelector('.stock-results'); box.scrollIntoView(); box.scrollTop = 600; \
        const top = box.getBoundingClientRect().top; \
        const th = document.querySelector('table.stock-table th[data-column=\"sale_price\"]').getBoundingClientRect(); \
        const row = document.querySelector('table.stock-table tbody tr').getBoundingClientRect(); \
        return row.bottom < top && Math.abs(th.top - top) < 3 && th.top >= 0;";
    b.wait_until(header_stays, "the header row stuck at the top of the scrolled list").await?;

    // More columns: the table scrolls sideways inside its box, the VIN column stays; the
    // choice survives a reload.
    b.click("details.column-chooser summary").await?;
    for column in ["plate", "fuel", "stock_type", "version", "province"] {
        b.click(&format!("details.column-chooser input[name='column'][value='{column}']")).await?;
    }
    b.click("details.column-chooser summary").await?;
    b.wait_until("return document.querySelectorAll('table.stock-table th[data-column]').length === 14", "14 columns")
        .await?;
    let vin_stays = "const box = document.querySelector('.stock-results'); box.scrollLeft = 400; \
        const left = box.getBoundingClientRect().left; \
        const vin = document.querySelector('table.stock-table td[data-column=\"vin\"]').getBoundingClientRect(); \
        const brand = document.querySelector('table.stock-table td[data-column=\"brand\"]').getBoundingClientRect(); \
        return box.scrollLeft > 0 && Math.abs(vin.left - left) < 3 && brand.left < left;";
    b.wait_until(vin_stays, "the VIN column stuck at the left of the scrolled list").await?;
    b.client.refresh().await?;
    b.wait_for_text(".stock-total", "400 vehículos").await?;
    b.wait_until(
        "return document.querySelectorAll('table.stock-table th[data-column]').length === 14 \
         && !!document.querySelector('table.stock-table th[data-column=\"province\"]')",
        "the chosen columns after a reload",
    )
    .await?;

    // A link-style button (clear the filters) looks like the other small buttons beside it.
    b.choose("select[name='brand']", "SEAT").await?;
    b.text_of("#clear-filters").await?;
    let alike = js(
        &b,
        "const link = document.querySelector('#clear-filters'), button = document.querySelector('.density-toggle'); \
         const [l, s] = [getComputedStyle(link), getComputedStyle(button)]; \
         return [l.fontWeight === s.fontWeight, l.fontSize === s.fontSize, l.borderRadius === s.borderRadius, \
                 Math.abs(link.offsetHeight - button.offsetHeight) <= 1];",
    )
    .await?;
    assert_eq!(alike, json!([true, true, true, true]), "weight, size, radius and height as a small button");
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_phone_the_menu_folds_the_stock_shows_cards_and_nothing_scrolls_sideways() -> Result<()> {
    let stack = Stack::start().await?;
    stack.dealaai(&["seed", "--vehicles", "400", "--seed", "5"], None)?;
    stack.create_user("admin", "comercial", PASSWORD)?;
    let b = Browser::phone().await?;
    b.log_in(&stack.frontend_url, "comercial", PASSWORD).await?;

    let nav_shown = "return getComputedStyle(document.querySelector('#main-nav')).display !== 'none'";
    wait_for_dashboard(&b).await?;
    assert_eq!(js(&b, nav_shown).await?, json!(false), "the navigation starts folded");
    assert_no_sideways_scroll(&b, "/").await?;
    let height = js(&b, "return document.documentElement.scrollHeight").await?.as_u64().unwrap_or(u64::MAX);
    ensure!(height < 3000, "the dashboard is {height} px tall");
    let per_row = js(
        &b,
        "const tops = [...document.querySelectorAll('.kpi')].slice(0, 2).map(k => k.getBoundingClientRect().top); \
         return tops[0] === tops[1];",
    )
    .await?;
    assert_eq!(per_row, json!(true), "two KPI cards a row");
    b.screenshot("layout-dashboard-phone").await?;

    // The menu button unfolds the navigation; choosing a page folds it again.
    b.click("#menu-button").await?;
    assert_eq!(js(&b, nav_shown).await?, json!(true), "the menu opens");
    assert_eq!(
        b.client.find(fantoccini::Locator::Css("#menu-button")).await?.attr("aria-expanded").await?.as_deref(),
        Some("true")
    );
    b.screenshot("layout-nav-phone-open").await?;
    b.click("#main-nav a[href='/stock']").await?;
    b.wait_for_path("/stock").await?;
    b.wait_until(&nav_shown.replace("!==", "==="), "the menu folded after choosing a page").await?;

    // The stock list is a column of cards, the first one on the first screen.
    b.wait_for_text(".stock-total", "400 vehículos").await?;
    let cards = js(
        &b,
        "const row = document.querySelector('table.stock-table tbody tr'); \
         return [getComputedStyle(document.querySelector('table.stock-table thead')).display, getComputedStyle(row).display, \
                 row.getBoundingClientRect().width <= window.innerWidth];",
    )
    .await?;
    assert_eq!(cards, json!(["none", "grid", true]), "rows shown as cards, header hidden");
    let first_card = rect(&b, "table.stock-table tbody tr").await?;
    ensure!(number(&first_card, "top") < 400.0, "the first card starts at {first_card}");
    assert_no_sideways_scroll(&b, "/stock").await?;
    b.screenshot("layout-stock-phone").await?;

    for (path, ready) in [("/users", "table.users tbody tr"), ("/profile", "table.sessions tbody tr")] {
        b.click("#menu-button").await?;
        b.click(&format!("#main-nav a[href='{path}']")).await?;
        b.wait_for_path(path).await?;
        b.text_of(ready).await?;
        assert_no_sideways_scroll(&b, path).await?;
    }
    b.close().await?;
    Ok(())
}

/// "Sesiones activas" names the browser and system, the address and the local time, ten a page.
#[tokio::test(flavor = "multi_thread")]
async fn sessions_read_as_browser_system_place_and_time_ten_a_page() -> Result<()> {
    let stack = Stack::start().await?;
    stack.create_user("sales", "viajero", PASSWORD)?;
    // Eleven earlier sign-ins from an iPhone, then this browser's.
    let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) \
                  Version/18.1 Mobile/15E148 Safari/604.1";
    let client = reqwest::Client::builder().user_agent(iphone).build()?;
    for _ in 0..11 {
        client
            .post(format!("{}/api/auth/login", stack.backend_url))
            .json(&json!({"username": "viajero", "password": PASSWORD}))
            .send()
            .await?
            .error_for_status()?;
    }
    let b = Browser::start().await?;
    b.log_in(&stack.frontend_url, "viajero", PASSWORD).await?;
    b.click(".sidebar nav a[href='/profile']").await?;
    b.wait_for_path("/profile").await?;
    b.wait_until("return document.querySelectorAll('table.sessions tbody tr').length === 10", "a page of 10 sessions")
        .await?;
    let table = b.text_of("table.sessions").await?;
    assert!(table.contains("Chrome · Linux") && table.contains("Safari · iOS"), "{table}");
    assert!(!table.contains("Mozilla/5.0"), "no raw user agent: {table}");
    assert!(table.contains("127.0.0.1"), "the address: {table}");
    let time = b.text_of("table.sessions tbody tr .session-time").await?;
    let shape =
        time.len() == 16 && time.as_bytes()[2] == b'/' && time.as_bytes()[5] == b'/' && time.as_bytes()[13] == b':';
    assert!(shape, "dd/mm/aaaa hh:mm: {time}");
    b.screenshot("layout-profile-sessions").await?;

    b.click(".session-pager [data-page='next']").await?;
    b.wait_until("return document.querySelectorAll('table.sessions tbody tr').length === 2", "the last 2 sessions")
        .await?;
    b.close().await?;
    Ok(())
}
