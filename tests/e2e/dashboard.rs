use anyhow::Result;
use dealaai_e2e::{Browser, Stack};

/// The digits of a figure as shown ("1.234.567,00 €" → 123456700), whatever the separators.
fn digits(text: &str) -> i64 {
    text.chars().filter(char::is_ascii_digit).collect::<String>().parse().unwrap_or(-1)
}

/// A salesperson opens the dashboard: its figures are the API's, a dealership filter narrows
/// them, and a bar of the brand chart leads to the stock table showing exactly those vehicles.
#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_shows_the_api_figures_and_its_bars_lead_to_the_stock() -> Result<()> {
    let stack = Stack::start().await?;
    stack.dealaai(&["seed", "--vehicles", "300", "--seed", "9", "--history-days", "10"], None)?;
    let password = "vende-coches-2026";
    stack.create_user("sales", "luis", password)?;
    let token = stack.api_token("luis", password).await?;

    let b = Browser::start().await?;
    b.log_in(&stack.frontend_url, "luis", password).await?;

    let all = stack.api_json(&token, "/api/dashboard").await?;
    b.wait_for_text("[data-kpi='total'] .kpi-value", "300").await?;
    for kpi in ["reserved", "published", "not_published", "new_this_month"] {
        let shown = b.text_of(&format!("[data-kpi='{kpi}'] .kpi-value")).await?;
        assert_eq!(digits(&shown), all["counts"][kpi].as_i64().unwrap(), "{kpi}: {shown}");
    }
    let value = b.text_of("[data-kpi='stock_value'] .kpi-value").await?;
    assert_eq!(digits(&value), digits(all["money"]["stock_value"].as_str().unwrap()), "{value}");
    assert!(value.ends_with('€') && value.contains(','), "es-ES euros: {value}");
    b.wait_until("return document.querySelectorAll('svg[data-trend=\"vehicles\"] path, svg[data-trend=\"vehicles\"] polyline').length > 0", "the trend line").await?;
    b.screenshot("dashboard").await?;

    // One dealership: the figures follow, and the filter is in the URL.
    let dealer = all["breakdowns"]["dealers"][0]["key"].as_str().unwrap().to_owned();
    b.choose("select[name='dealer_id']", &dealer).await?;
    let mine = stack.api_json(&token, &format!("/api/dashboard?dealer_id={dealer}")).await?;
    b.wait_for_text("[data-kpi='total'] .kpi-value", &mine["counts"]["total"].to_string()).await?;
    let url = b.client.current_url().await?;
    assert!(url.query().is_some_and(|q| q.contains(&format!("dealer_id={dealer}"))), "{url}");

    // The biggest brand's bar opens the stock table filtered by dealership and brand.
    let brand = &mine["breakdowns"]["brands"][0];
    let name = brand["key"].as_str().unwrap();
    b.click(&format!("svg[data-chart='brands'] [data-bar='{name}']")).await?;
    b.wait_for_path("/stock").await?;
    b.wait_for_text(".stock-total", &format!("{} vehículos", brand["vehicles"])).await?;
    b.screenshot("dashboard-bar-to-stock").await?;
    let url = b.client.current_url().await?;
    let query = url.query().unwrap_or_default().to_owned();
    assert!(query.contains(&format!("dealer_id={dealer}")) && query.contains("brand="), "{url}");
    b.close().await?;
    Ok(())
}
