//! The :3000 server: static files done right, runtime config, and the API proxy.

use anyhow::Result;
use dealaai_e2e::Stack;
use reqwest::header;

#[tokio::test(flavor = "multi_thread")]
async fn serves_the_app_shell_with_the_right_caching() -> Result<()> {
    let stack = Stack::start().await?;
    let client = reqwest::Client::builder().no_gzip().no_brotli().build()?;

    let index = client.get(&stack.frontend_url).header(header::ACCEPT_ENCODING, "br, gzip").send().await?;
    assert_eq!(index.status(), 200);
    assert_eq!(index.headers()[header::CACHE_CONTROL], "no-cache");
    assert_eq!(index.headers()[header::CONTENT_ENCODING], "br", "precompressed");
    assert!(index.headers()[header::CONTENT_TYPE].to_str()?.starts_with("text/html"));

    // Client-side routes get the same shell; missing files are real 404s.
    let deep = client.get(format!("{}/stock/ABC123", stack.frontend_url)).send().await?;
    assert_eq!(deep.status(), 200);
    let shell = deep.text().await?;
    assert!(shell.contains("<html"));
    let missing = client.get(format!("{}/missing.js", stack.frontend_url)).send().await?;
    assert_eq!(missing.status(), 404);

    // The hashed wasm bundle is cached for a year and served compressed.
    let wasm_name = shell
        .split(['"', '\''])
        .find(|part| part.ends_with("_bg.wasm"))
        .expect("index.html references the wasm bundle")
        .to_owned();
    let wasm = client
        .get(format!("{}/{}", stack.frontend_url, wasm_name.trim_start_matches('/')))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await?;
    assert_eq!(wasm.status(), 200);
    assert_eq!(wasm.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert_eq!(wasm.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(wasm.headers()[header::CONTENT_TYPE], "application/wasm");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn health_config_and_the_api_proxy() -> Result<()> {
    let stack = Stack::start().await?;
    let health: serde_json::Value = reqwest::get(format!("{}/health", stack.frontend_url)).await?.json().await?;
    assert_eq!(health["status"], "ok");

    let config: serde_json::Value = reqwest::get(format!("{}/config.json", stack.frontend_url)).await?.json().await?;
    assert_eq!(config["api_url"], "/api");

    let api_health = reqwest::get(format!("{}/api/health/", stack.frontend_url)).await?;
    assert_eq!(api_health.status(), 200);
    let api_health: serde_json::Value = api_health.json().await?;
    assert_eq!(api_health["database"], "ok");

    // Bodies, statuses and cookies pass through the proxy both ways.
    let login = reqwest::Client::new()
        .post(format!("{}/api/auth/login", stack.frontend_url))
        .json(&serde_json::json!({"username": "admin", "password": "admin123"}))
        .send()
        .await?;
    assert_eq!(login.status(), 200);
    assert!(login.headers().get(header::SET_COOKIE).is_some());
    let wrong = reqwest::Client::new()
        .post(format!("{}/api/auth/login", stack.frontend_url))
        .json(&serde_json::json!({"username": "admin", "password": "nope"}))
        .send()
        .await?;
    assert_eq!(wrong.status(), 401);
    let body: serde_json::Value = wrong.json().await?;
    assert_eq!(body["error"], "invalid_credentials");
    Ok(())
}
