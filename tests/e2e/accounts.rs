use anyhow::{Context, Result};
use dealaai_e2e::{Browser, Stack};
use fantoccini::Locator;

async fn nav_links(b: &Browser) -> Result<Vec<String>> {
    b.texts_of(".sidebar nav a").await
}

/// An admin creates a sales user; that user logs in in a fresh browser, sees only what the
/// role allows, changes their password, and logs out.
#[tokio::test(flavor = "multi_thread")]
async fn an_admin_creates_a_user_who_then_manages_their_own_account() -> Result<()> {
    let stack = Stack::start().await?;
    let base = &stack.frontend_url;

    let admin = Browser::start().await?;
    admin.log_in(base, "admin", "admin123").await?;
    assert_eq!(
        nav_links(&admin).await?,
        ["Panel", "Stock", "Importar", "Asistente", "Usuarios", "Organización", "Mi perfil"]
    );
    admin.click(".sidebar nav a[href='/users']").await?;
    admin.click("#new-user").await?;
    admin.wait_for_path("/users/new").await?;

    // Invalid input first: the problems show next to their fields, in Spanish.
    admin.fill("#username", "ab").await?;
    admin.fill("#email", "no-es-un-correo").await?;
    admin.fill("#password", "123").await?;
    admin.click("#user-form button[type=submit]").await?;
    assert_eq!(admin.text_of(".field-error[data-field='email']").await?, "Correo electrónico no válido");
    assert_eq!(admin.text_of(".field-error[data-field='username']").await?, "Demasiado corto");

    admin.fill("#username", "lucia").await?;
    admin.fill("#email", "lucia@grupo.es").await?;
    admin.fill("#password", "una-clave-bien-larga").await?;
    admin.fill("#first_name", "Lucía").await?;
    admin.fill("#last_name", "Martín").await?;
    admin.click("#user-form button[type=submit]").await?;
    admin.wait_for_path("/users").await?;
    admin.fill("#user-search", "lucia").await?;
    admin.wait_for_text("table.users tbody tr td.username", "lucia").await?;
    // Filters combine with the search: no administrator is called lucia.
    admin
        .client
        .execute(
            "const s = document.querySelector('#role-filter'); s.value = 'admin'; \
             s.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![],
        )
        .await?;
    assert_eq!(admin.text_of(".empty-state").await?, "No hay resultados.");
    admin.close().await?;

    // A fresh browser: the new sales user sees no administration.
    let user = Browser::start().await?;
    user.log_in(base, "lucia", "una-clave-bien-larga").await?;
    assert_eq!(user.text_of(".topbar .user-name").await?, "Lucía Martín");
    assert_eq!(nav_links(&user).await?, ["Panel", "Stock", "Asistente", "Mi perfil"]);

    user.click(".sidebar nav a[href='/profile']").await?;
    user.fill("#current_password", "una-clave-bien-larga").await?;
    user.fill("#new_password", "otra-clave-aun-mas-larga").await?;
    user.fill("#confirm_password", "otra-clave-aun-mas-larga").await?;
    user.click("#password-form button[type=submit]").await?;
    assert_eq!(
        user.text_of("#password-form .notice").await?,
        "Contraseña cambiada. Se han cerrado tus otras sesiones."
    );

    user.click("button.logout").await?;
    user.wait_for_path("/login").await?;
    user.fill("#username", "lucia").await?;
    user.fill("#password", "una-clave-bien-larga").await?;
    user.click("button[type=submit]").await?;
    assert_eq!(user.text_of(".form-error").await?, "Usuario o contraseña incorrectos.", "the old password is gone");
    user.fill("#password", "otra-clave-aun-mas-larga").await?;
    user.click("button[type=submit]").await?;
    // A logout starts afresh: the dashboard, not the page they left.
    user.wait_for_path("/").await?;
    assert_eq!(user.client.current_url().await?.query(), None);
    user.close().await?;
    Ok(())
}

/// An admin edits someone: the record opens filled in, a boss chosen there puts them in the
/// boss's team, a member's link opens the member's own record in the same form, and the admin
/// sets the member's password (which then works) and deactivates them.
#[tokio::test(flavor = "multi_thread")]
async fn an_admin_edits_a_person_their_team_and_their_password() -> Result<()> {
    let stack = Stack::start().await?;
    stack.create_user("sales", "lucia", "una-clave-bien-larga")?;
    let token = stack.api_token("admin", "admin123").await?;
    let lucia = stack.api_json(&token, "/api/users?q=lucia").await?["items"][0]["id"].as_i64().context("lucia")?;
    let admin = stack.api_json(&token, "/api/auth/me").await?["id"].as_i64().context("admin")?;
    let record_of = |username: &str| format!("return document.querySelector('#username')?.value === '{username}'");

    let b = Browser::start().await?;
    b.log_in(&stack.frontend_url, "admin", "admin123").await?;
    b.client.goto(&format!("{}/users/{lucia}", stack.frontend_url)).await?;
    b.wait_until(&record_of("lucia"), "lucia's record").await?;
    b.wait_until(&format!("return !!document.querySelector('#boss_id option[value=\"{admin}\"]')"), "the bosses")
        .await?;
    b.choose("#boss_id", &admin.to_string()).await?;
    b.click("#user-form button[type=submit]").await?;
    b.wait_for_path("/users").await?;

    b.client.goto(&format!("{}/users/{admin}", stack.frontend_url)).await?;
    b.wait_until(&record_of("admin"), "the admin's record").await?;
    b.click(".team a").await?;
    b.wait_for_path(&format!("/users/{lucia}")).await?;
    b.wait_until(&record_of("lucia"), "the member's record, from the team link").await?;
    b.wait_for_text(".team p", "No tiene a nadie a su cargo.").await?;

    b.fill("#new_password", "clave-nueva-muy-larga").await?;
    b.click("#reset-password-form button[type=submit]").await?;
    b.wait_for_text("#reset-password-form .notice", "Contraseña establecida. Sus sesiones se han cerrado.").await?;
    stack.api_token("lucia", "clave-nueva-muy-larga").await.context("the password set by the admin works")?;

    b.click("#deactivate").await?;
    b.client.accept_alert().await?;
    b.wait_for_path("/users").await?;
    assert_eq!(stack.api_json(&token, &format!("/api/users/{lucia}")).await?["is_active"], false);
    b.close().await?;
    Ok(())
}

/// An admin adds a dealership, renames it and deletes it from the organisation screen.
#[tokio::test(flavor = "multi_thread")]
async fn an_admin_manages_dealerships() -> Result<()> {
    let stack = Stack::start().await?;
    let b = Browser::start().await?;
    b.log_in(&stack.frontend_url, "admin", "admin123").await?;
    b.click(".sidebar nav a[href='/organisation']").await?;

    b.click("#dealer-form button[type=submit]").await?;
    assert_eq!(b.text_of(".field-error[data-field='name']").await.context("error text")?, "Este campo es obligatorio");

    b.fill("#dealer_name", "Motor Norte").await?;
    b.fill("#dealer_phone", "944 000 000").await?;
    b.click("#dealer-form button[type=submit]").await?;
    b.wait_for_text("table.dealers tbody tr td", "Motor Norte").await?;

    b.click("table.dealers tbody tr .row-actions button").await?;
    b.fill("#dealer_name", "Motor Norte Bilbao").await?;
    b.click("#dealer-form button[type=submit]").await?;
    b.client
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::XPath("//table[contains(@class,'dealers')]//td[text()='Motor Norte Bilbao']"))
        .await
        .context("renamed row")?;

    b.click("table.dealers tbody tr .row-actions button:nth-child(2)").await?;
    b.client.accept_alert().await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !b.client.find_all(Locator::Css("table.dealers tbody tr")).await?.is_empty() {
        assert!(std::time::Instant::now() < deadline, "the dealership was not deleted");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.close().await?;
    Ok(())
}
