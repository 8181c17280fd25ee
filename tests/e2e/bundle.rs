//! What a first visit costs: every file the browser loads for the login page, weighed as the
//! frontend server sends it to a browser that accepts brotli.

use anyhow::Result;
use dealaai_e2e::{Browser, Stack};
use reqwest::header;

/// The most a first load may weigh, all files together, brotli-compressed: a guard against
/// regressions at today's weight (472 KB, with a few KB of room; see docs/BENCHMARKS.md). The
/// goal is 350 KB, which needs the rarely used pages split out of the first download.
const FIRST_LOAD_BUDGET_BYTES: u64 = 465 * 1024;

#[tokio::test(flavor = "multi_thread")]
async fn a_first_visit_stays_within_its_download_budget() -> Result<()> {
    let stack = Stack::start().await?;
    let b = Browser::start().await?;
    b.client.goto(&format!("{}/login", stack.frontend_url)).await?;
    b.wait_until("return !!document.querySelector('#username')", "the login form").await?;

    // What the browser fetched from our server (headless Chromium over plain http does not
    // offer brotli, so the sizes come from asking the server for each file the way a browser
    // over https does).
    let urls: Vec<String> = serde_json::from_value(
        b.client
            .execute("return [location.href, ...performance.getEntriesByType('resource').map(e => e.name)]", vec![])
            .await?,
    )?;
    let client = reqwest::Client::builder().no_gzip().no_brotli().build()?;
    let mut total = 0;
    let mut files = Vec::new();
    for url in urls.iter().filter(|url| url.starts_with(&stack.frontend_url) && !url.contains("/api/")) {
        let response = client.get(url).header(header::ACCEPT_ENCODING, "br, gzip").send().await?;
        assert_eq!(response.status(), 200, "{url}");
        let bytes = response.bytes().await?.len() as u64;
        files.push(format!("{url}: {bytes} B"));
        total += bytes;
    }
    assert!(files.iter().any(|f| f.contains("_bg.wasm")), "the bundle was loaded: {files:#?}");
    assert!(
        total < FIRST_LOAD_BUDGET_BYTES,
        "first load is {total} B, over the {FIRST_LOAD_BUDGET_BYTES} B budget: {files:#?}"
    );
    println!("first load: {total} B brotli\n{}", files.join("\n"));
    b.close().await?;
    Ok(())
}
