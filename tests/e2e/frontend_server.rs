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
    // Never stored: Back after a logout must not restore a logged-in page from the cache.
    assert_eq!(index.headers()[header::CACHE_CONTROL], "no-store");
    assert_eq!(index.headers()[header::CONTENT_ENCODING], "br", "precompressed");
    assert!(index.headers()[header::CONTENT_TYPE].to_str()?.starts_with("text/html"));

    // Client-side routes get the same shell; missing files are real 404s.
    let deep = client.get(format!("{}/stock/ABC123", stack.frontend_url)).send().await?;
    assert_eq!(deep.status(), 200);
    assert_eq!(deep.headers()[header::CACHE_CONTROL], "no-store");
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

/// The address the backend recorded for a login made through the frontend server with these
/// headers (the session list shows it).
async fn session_ip_through(stack: &Stack, headers: &[(&str, &str)]) -> Result<String> {
    let client = reqwest::Client::new();
    let mut login = client
        .post(format!("{}/api/auth/login", stack.frontend_url))
        .json(&serde_json::json!({"username": "admin", "password": "admin123"}));
    for &(name, value) in headers {
        login = login.header(name, value);
    }
    let token: serde_json::Value = login.send().await?.error_for_status()?.json().await?;
    let sessions: Vec<serde_json::Value> = client
        .get(format!("{}/api/auth/sessions", stack.frontend_url))
        .bearer_auth(token["access_token"].as_str().unwrap_or_default())
        .send()
        .await?
        .json()
        .await?;
    let current = sessions.iter().find(|s| s["current"] == true).expect("the session just made");
    Ok(current["ip"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_response_carries_security_headers_and_the_proxy_names_the_client_itself() -> Result<()> {
    let stack = Stack::start().await?;
    let client = reqwest::Client::new();
    let get =
        |path: &str| client.get(format!("{}{path}", stack.frontend_url)).header("x-forwarded-proto", "https").send();

    let index = get("/").await?;
    let policy = index.headers()[header::CONTENT_SECURITY_POLICY].to_str()?.to_owned();
    let shell = index.text().await?;
    assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"), "Trunk's inline start-up: {policy}");
    for directive in ["frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'", "object-src 'none'"] {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"), "{policy}");

    let wasm = shell.split(['"', '\'']).find(|part| part.ends_with("_bg.wasm")).expect("the wasm bundle");
    let wasm = format!("/{}", wasm.trim_start_matches('/'));
    let api_policy = "default-src 'none'; frame-ancestors 'none'";
    for (path, expected_policy) in [
        ("/stock/ABC123", policy.as_str()),
        (wasm.as_str(), policy.as_str()),
        ("/config.json", policy.as_str()),
        ("/health", policy.as_str()),
        ("/api/health/", api_policy),
        ("/api/auth/me", api_policy),
    ] {
        let response = get(path).await?;
        let headers = response.headers();
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(headers[header::REFERRER_POLICY], "same-origin", "{path}");
        assert_eq!(headers[header::CONTENT_SECURITY_POLICY], expected_policy, "{path}");
        assert!(headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(), "{path}: plain HTTP, whatever a client says");
    }
    let docs = get("/api/docs/").await?;
    assert!(docs.headers()[header::CONTENT_SECURITY_POLICY].to_str()?.contains("img-src 'self' data:"), "Swagger UI's");

    // Nothing in front of this server is trusted by default: what a client says of itself is
    // replaced by the address the server sees.
    let forged = [("x-forwarded-for", "203.0.113.50"), ("forwarded", "for=203.0.113.51")];
    assert_eq!(session_ip_through(&stack, &forged).await?, "127.0.0.1");
    Ok(())
}

/// Behind a trusted proxy (Traefik, played by the test), the chain is extended and HTTPS is
/// believed.
#[tokio::test(flavor = "multi_thread")]
async fn behind_a_trusted_proxy_the_client_and_https_are_believed() -> Result<()> {
    let stack = Stack::start_with_frontend_env(&[("TRUSTED_PROXIES", "127.0.0.1")]).await?;
    let traefik = [("x-forwarded-for", "203.0.113.50"), ("x-forwarded-proto", "https")];
    assert_eq!(session_ip_through(&stack, &traefik).await?, "203.0.113.50");
    let index = reqwest::Client::new().get(&stack.frontend_url).header("x-forwarded-proto", "https").send().await?;
    assert_eq!(index.headers()[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000");
    Ok(())
}
