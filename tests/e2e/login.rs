use anyhow::Result;
use dealaai_e2e::{Browser, Stack};

/// The demo admin logs in through the form, sees the dashboard with their name, stays
/// logged in across a reload, logs out; then a wrong password shows a Spanish error.
#[tokio::test(flavor = "multi_thread")]
async fn the_demo_admin_logs_in_reloads_and_logs_out() -> Result<()> {
    let mut stack = Stack::start().await?;
    let browser = Browser::start().await?;
    let b = &browser;

    b.client.goto(&stack.frontend_url).await?;
    b.wait_for_path("/login").await?;
    assert_eq!(b.text_of("form h2").await?, "Iniciar sesión", "Spanish by default");

    b.fill("#username", "admin").await?;
    b.fill("#password", "admin123").await?;
    b.click("button[type=submit]").await?;
    b.wait_for_path("/").await?;
    assert_eq!(b.text_of(".topbar .user-name").await?, "Admin DealaAI");
    assert_eq!(b.text_of(".content h1").await?, "Panel");

    // A reload keeps the session: the HttpOnly refresh cookie brings a new access token.
    b.client.refresh().await?;
    assert_eq!(b.text_of(".topbar .user-name").await?, "Admin DealaAI");
    b.wait_for_path("/").await?;

    b.click("button.logout").await?;
    b.wait_for_path("/login").await?;
    assert_eq!(b.text_of(".notice").await?, "Has cerrado la sesión.");
    // And a reload after logout does not bring the session back.
    b.client.refresh().await?;
    b.wait_for_path("/login").await?;

    b.fill("#username", "admin").await?;
    b.fill("#password", "not-the-password").await?;
    b.click("button[type=submit]").await?;
    assert_eq!(b.text_of(".form-error").await?, "Usuario o contraseña incorrectos.");
    assert_eq!(b.client.current_url().await?.path(), "/login");

    browser.close().await?;

    // The backend stops cleanly on SIGTERM (what Docker sends).
    let status = stack.backend.take().unwrap().terminate()?;
    assert!(status.success(), "backend exited with {status}");
    Ok(())
}

/// English is one click away, and the choice survives a reload.
#[tokio::test(flavor = "multi_thread")]
async fn the_interface_switches_to_english() -> Result<()> {
    let stack = Stack::start().await?;
    let browser = Browser::start().await?;
    let b = &browser;
    b.client.goto(&format!("{}/login", stack.frontend_url)).await?;
    assert_eq!(b.text_of("form h2").await?, "Iniciar sesión");
    b.client
        .execute(
            "const s = document.querySelector('.language select'); s.value = 'en'; \
             s.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![],
        )
        .await?;
    assert_eq!(b.text_of("form h2").await?, "Sign in");
    b.client.refresh().await?;
    assert_eq!(b.text_of("form h2").await?, "Sign in");
    browser.close().await?;
    Ok(())
}
