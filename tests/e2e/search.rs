use anyhow::Result;
use dealaai_e2e::{Browser, Stack};

/// A salesperson searches the stock by meaning from the stock page, sees the ranked rows with
/// their relevance, opens the best one and follows one of its similar vehicles.
#[tokio::test(flavor = "multi_thread")]
async fn a_salesperson_searches_by_meaning_and_follows_a_similar_vehicle() -> Result<()> {
    let stack = Stack::start().await?;
    stack.dealaai(&["seed", "--vehicles", "150", "--seed", "8"], None)?;
    // The CLI embeds everything now (the server's worker would get there too, in the background).
    stack.dealaai(&["embeddings", "rebuild"], None)?;
    let password = "buscar-por-significado";
    stack.create_user("sales", "luis", password)?;
    let token = stack.api_token("luis", password).await?;

    let b = Browser::start().await?;
    b.log_in(&stack.frontend_url, "luis", password).await?;
    b.client.goto(&format!("{}/stock", stack.frontend_url)).await?;
    b.wait_for_text(".stock-total", "150 vehículos").await?;

    // Type the need, choose "by meaning": the rows come ranked, each with its relevance.
    b.fill("label.stock-search input[name='q']", "furgoneta para el trabajo").await?;
    b.choose("select#search-mode", "semantic").await?;
    let expected = stack.api_json(&token, "/api/stock/search?mode=semantic&q=furgoneta%20para%20el%20trabajo").await?;
    let best = expected["items"][0]["vin"].as_str().unwrap().to_owned();
    b.wait_until(
        &format!(
            "const r = document.querySelector('table.stock-table tbody tr[data-vin]'); \
             return !!r && r.dataset.vin === '{best}' && !!r.querySelector('td.relevance .relevance-value');"
        ),
        "the best match first, with its relevance",
    )
    .await?;
    let url = b.client.current_url().await?;
    assert!(url.query().is_some_and(|q| q.contains("mode=semantic") && q.contains("q=furgoneta")), "{url}");
    let relevance = b.text_of("table.stock-table tbody tr[data-vin] td.relevance .relevance-value").await?;
    assert!(relevance.ends_with('%'), "{relevance}");
    b.screenshot("semantic-search").await?;

    // The view is bookmarkable: a fresh load of the URL shows the same ranking.
    b.client.goto(url.as_str()).await?;
    b.wait_until(
        &format!("const r = document.querySelector('table.stock-table tbody tr[data-vin]'); return !!r && r.dataset.vin === '{best}';"),
        "the same ranking after a reload",
    )
    .await?;

    // Exporting this view exports the ranked vehicles, not a word search.
    b.record_requests().await?;
    b.click("[data-export='csv']").await?;
    let export = b.request_to("/stock/search/export").await?;
    let csv = stack.api_text(&token, &export).await?;
    let first_exported =
        csv.lines().nth(1).unwrap().trim_start_matches('\u{feff}').split([',', ';']).next().unwrap().to_owned();
    assert_eq!(first_exported, best, "the export starts with the best match");

    // Open it: its similar vehicles are listed and lead to their own page.
    b.click(&format!("tr[data-vin='{best}']")).await?;
    b.wait_for_path(&format!("/stock/{best}")).await?;
    let similar = stack.api_json(&token, &format!("/api/stock/{best}/similar?limit=8")).await?;
    let first_similar = similar[0]["vin"].as_str().unwrap().to_owned();
    b.wait_until(
        &format!(
            "const a = document.querySelector('section#similar-vehicles a.similar-vehicle'); \
             return !!a && a.dataset.vin === '{first_similar}';"
        ),
        "the similar vehicles, nearest first",
    )
    .await?;
    b.screenshot("similar-vehicles").await?;
    b.click("section#similar-vehicles a.similar-vehicle").await?;
    b.wait_for_path(&format!("/stock/{first_similar}")).await?;
    b.close().await?;
    Ok(())
}
