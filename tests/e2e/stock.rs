use anyhow::Result;
use dealaai_e2e::{Browser, Stack};

/// A manager filters and sorts the stock table, opens a vehicle, lowers its price, sees the
/// change in its history, and exports exactly the filtered view.
#[tokio::test(flavor = "multi_thread")]
async fn a_manager_filters_sorts_edits_a_price_and_exports() -> Result<()> {
    let stack = Stack::start().await?;
    stack.dealaai(&["seed", "--vehicles", "400", "--seed", "5"], None)?;
    let password = "una-clave-bien-larga";
    stack.create_user("manager", "jefa", password)?;
    let token = stack.api_token("jefa", password).await?;
    let base = &stack.frontend_url;

    let b = Browser::start().await?;
    b.log_in(base, "jefa", password).await?;
    b.click(".sidebar nav a[href='/stock']").await?;
    b.wait_for_path("/stock").await?;
    b.wait_for_text(".stock-total", "400 vehículos").await?;

    // Filter by brand and fuel from the facet dropdowns: the total is the API's.
    b.choose("select[name='brand']", "SEAT").await?;
    let seat = stack.api_json(&token, "/api/stock?brand=SEAT").await?;
    b.wait_for_text(".stock-total", &format!("{} vehículos", seat["total"])).await?;
    b.wait_until("return [...document.querySelectorAll('li.chip[data-filter]')].length === 1", "the brand chip")
        .await?;

    // Sort by price, ascending: the first row is the cheapest SEAT.
    b.click("button[data-sort='sale_price']").await?;
    let cheapest = stack.api_json(&token, "/api/stock?brand=SEAT&sort=sale_price").await?;
    let vin = cheapest["items"][0]["vin"].as_str().unwrap().to_owned();
    b.wait_until(
        &format!("const r = document.querySelector('table.stock-table tbody tr[data-vin]'); return !!r && r.dataset.vin === '{vin}';"),
        "the cheapest SEAT first",
    )
    .await?;
    b.screenshot("stock-table").await?;
    let url = b.client.current_url().await?;
    assert!(
        url.query().is_some_and(|q| q.contains("brand=SEAT") && q.contains("sort=sale_price")),
        "state in the URL: {url}"
    );

    // The export buttons ask for exactly this view.
    b.record_requests().await?;
    b.click("[data-export='csv']").await?;
    let export = b.request_to("/stock/export").await?;
    assert!(
        export.contains("brand=SEAT") && export.contains("sort=sale_price") && export.contains("format=csv"),
        "{export}"
    );
    let csv = stack.api_text(&token, &export).await?;
    assert_eq!(csv.lines().count() as i64, seat["total"].as_i64().unwrap() + 1, "header + every filtered row");
    assert!(csv.lines().nth(1).unwrap().trim_start_matches('\u{feff}').starts_with(&vin));

    // Open the vehicle and lower its price.
    b.click(&format!("tr[data-vin='{vin}']")).await?;
    b.wait_for_path(&format!("/stock/{vin}")).await?;
    b.fill("#vehicle-form [name='sale_price']", "1234").await?;
    b.click("#vehicle-form button[type=submit]").await?;
    b.wait_until(
        "const t = document.querySelector('table.price-history'); return !!t && t.innerText.includes('jefa') && t.innerText.includes('1.234');",
        "the price change in the history",
    )
    .await?;
    let vehicle = stack.api_json(&token, &format!("/api/stock/{vin}")).await?;
    assert_eq!(vehicle["sale_price"], "1234.00");
    assert!(b.text_of("dd[data-field='sale_price']").await?.starts_with("1.234 €"));
    b.screenshot("vehicle").await?;
    // Back to the list as it was: same filter and sort.
    b.click("a.back-link").await?;
    b.wait_for_path("/stock").await?;
    let url = b.client.current_url().await?;
    assert!(url.query().is_some_and(|q| q.contains("brand=SEAT") && q.contains("sort=sale_price")), "{url}");
    b.close().await?;
    Ok(())
}

/// The table remembers the chosen columns and density for the user, and rows answer the
/// keyboard: arrows move between them, Enter opens one.
#[tokio::test(flavor = "multi_thread")]
async fn the_table_remembers_columns_and_density_and_answers_the_keyboard() -> Result<()> {
    let stack = Stack::start().await?;
    stack.dealaai(&["seed", "--vehicles", "60", "--seed", "3"], None)?;
    let password = "teclado-y-columnas-2026";
    stack.create_user("viewer", "ana", password)?;
    let b = Browser::start().await?;
    b.log_in(&stack.frontend_url, "ana", password).await?;
    b.client.goto(&format!("{}/stock", stack.frontend_url)).await?;
    b.wait_for_text(".stock-total", "60 vehículos").await?;
    let brands = "return document.querySelectorAll('table.stock-table td[data-column=\"brand\"]').length";
    assert!(b.client.execute(brands, vec![]).await?.as_u64() > Some(0), "brands are shown by default");

    b.click("details.column-chooser summary").await?;
    b.click("details.column-chooser input[name='column'][value='brand']").await?;
    b.click(".density-toggle").await?;
    b.wait_until(&format!("{brands} === 0"), "the brand column gone").await?;
    b.wait_until("return document.querySelector('table.stock-table').classList.contains('compact')", "compact rows")
        .await?;

    // Still so after a reload: remembered for this user.
    b.client.refresh().await?;
    b.wait_for_text(".stock-total", "60 vehículos").await?;
    b.wait_until("return document.querySelector('table.stock-table').classList.contains('compact')", "compact again")
        .await?;
    assert_eq!(b.client.execute(brands, vec![]).await?.as_u64(), Some(0));

    // Keyboard: from the first row, ArrowDown focuses the second; Enter opens it.
    let vins: Vec<String> = serde_json::from_value(
        b.client
            .execute(
                "return [...document.querySelectorAll('table.stock-table tr[data-vin]')].map(r => r.dataset.vin)",
                vec![],
            )
            .await?,
    )?;
    b.client.execute("document.querySelector('table.stock-table tr[data-vin]').focus()", vec![]).await?;
    let down = char::from(fantoccini::key::Key::Down).to_string();
    b.client.active_element().await?.send_keys(&down).await?;
    let focused = b.client.execute("return document.activeElement.dataset.vin", vec![]).await?;
    assert_eq!(focused.as_str(), Some(vins[1].as_str()));
    let enter = char::from(fantoccini::key::Key::Enter).to_string();
    b.client.active_element().await?.send_keys(&enter).await?;
    b.wait_for_path(&format!("/stock/{}", vins[1])).await?;
    b.close().await?;
    Ok(())
}
