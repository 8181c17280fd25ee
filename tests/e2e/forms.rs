//! Forms check what the backend checks before sending, in the same words; the import report
//! counts rows and explains them; exports speak the user's language.

use anyhow::Result;
use dealaai_e2e::{Browser, Stack};

/// Every field message shown, as `field: text`.
async fn field_errors(b: &Browser) -> Result<Vec<String>> {
    let script = "return [...document.querySelectorAll('.field-error')].map(e => (e.dataset.field || '') + ': ' + e.textContent.trim())";
    Ok(serde_json::from_value(b.client.execute(script, vec![]).await?)?)
}

/// A wrong password clears the password field for the next try; it is not "required".
#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_shows_only_the_real_error() -> Result<()> {
    let stack = Stack::start().await?;
    stack.create_user("viewer", "lucia", "una-clave-muy-larga")?;
    let b = Browser::start().await?;
    b.client.goto(&format!("{}/login", stack.frontend_url)).await?;
    b.fill("#username", "lucia").await?;
    b.fill("#password", "no-es-la-clave").await?;
    b.click("button[type=submit]").await?;
    assert_eq!(b.text_of(".form-error").await?, "Usuario o contraseña incorrectos.");
    let page = b.text_of(".login-card").await?;
    assert!(!page.contains("obligatorio"), "no required-field message after a failed login: {page}");
    let invalid =
        b.client.execute("return document.querySelector('#password').getAttribute('aria-invalid')", vec![]).await?;
    assert_eq!(invalid.as_str(), Some("false"));
    // An empty submit still says what is missing.
    b.click("button[type=submit]").await?;
    b.wait_for_text(".field-error", "Este campo es obligatorio").await?;
    b.close().await?;
    Ok(())
}

/// Negative numbers keep their sign and are refused at once, with the range, before anything
/// is sent; fixing one field takes its message away while typing.
#[tokio::test(flavor = "multi_thread")]
async fn the_vehicle_form_checks_numbers_before_sending() -> Result<()> {
    let stack = Stack::start().await?;
    stack.create_user("manager", "marta", "formularios-2026-ok")?;
    let b = Browser::start().await?;
    b.log_in(&stack.frontend_url, "marta", "formularios-2026-ok").await?;
    b.client.goto(&format!("{}/stock/new", stack.frontend_url)).await?;
    b.fill("#vin", "VSSZZZ6JZ9R123456").await?;
    b.fill("#brand", "SEAT").await?;
    b.fill("#model", "Ibiza").await?;
    b.fill("#sale_price", "-5").await?;
    b.fill("#mileage_km", "-10").await?;
    b.record_requests().await?;
    b.click("#vehicle-form button[type=submit]").await?;

    b.wait_for_text(".field-error[data-field='mileage_km']", "Debe ser mayor o igual que 0").await?;
    let sale_price = b.text_of(".field-error[data-field='sale_price']").await?;
    assert!(sale_price.starts_with("Debe ser mayor o igual que 0") && sale_price.ends_with('€'), "{sale_price}");
    assert_eq!(field_errors(&b).await?.len(), 2, "only the two wrong fields: {:?}", field_errors(&b).await?);
    let typed = b.client.execute("return document.querySelector('#mileage_km').value", vec![]).await?;
    assert_eq!(typed.as_str(), Some("-10"), "the sign the user typed stays");
    assert_eq!(b.text_of("#vehicle-form .form-error").await?, "Revisa los campos marcados.");
    b.screenshot("forms-vehicle-validation").await?;
    let sent: Vec<String> = serde_json::from_value(b.client.execute("return window.__requests", vec![]).await?)?;
    assert!(!sent.iter().any(|url| url.contains("/api/stock")), "nothing sent: {sent:?}");

    // Fixing the mileage removes its message as the user types; the price's stays.
    b.fill("#mileage_km", "10").await?;
    b.wait_until("return !document.querySelector(\".field-error[data-field='mileage_km']\")", "the mileage fixed")
        .await?;
    assert_eq!(field_errors(&b).await?.len(), 1);
    b.close().await?;
    Ok(())
}

/// One row with two problems is one rejected row, explained in Spanish with the values.
#[tokio::test(flavor = "multi_thread")]
async fn the_import_report_counts_rows_and_explains_them_in_spanish() -> Result<()> {
    let stack = Stack::start().await?;
    stack.create_user("manager", "marta", "formularios-2026-ok")?;
    let dir = std::env::temp_dir().join(format!("dealaai-forms-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("stock.csv");
    std::fs::write(
        &file,
        "vin,brand,model,sale_price,mileage_km\n\
         VF1AAAAAAAA000021,Renault,Clio,12000,30000\n\
         VF1AAAAAAAA000022,Renault,Captur,abc,-10\n",
    )?;
    let b = Browser::start().await?;
    b.log_in(&stack.frontend_url, "marta", "formularios-2026-ok").await?;
    b.client.goto(&format!("{}/stock/import", stack.frontend_url)).await?;
    b.text_of("#import-file").await?;
    b.client.find(fantoccini::Locator::Css("#import-file")).await?.send_keys(&file.display().to_string()).await?;
    b.click("#import-upload").await?;

    b.wait_for_text("dd[data-stat='rejected']", "1").await?;
    assert_eq!(b.text_of("dd[data-stat='rows']").await?, "2");
    let row = b.text_of("li.rejected-row[data-row='3']").await?;
    assert!(row.starts_with("Fila 3 · VF1AAAAAAAA000022"), "{row}");
    let problems = b.texts_of("li.rejected-row[data-row='3'] li").await?;
    assert_eq!(
        problems,
        ["Kilómetros: «-10» debe ser mayor o igual que 0", "Precio de venta: «abc» no es un importe válido"]
    );
    let report = b.text_of(".import-report").await?;
    assert!(!report.contains('`'), "no raw backticks: {report}");
    b.screenshot("forms-import-report").await?;

    // In English when chosen.
    b.choose(".language select", "en").await?;
    b.wait_for_text("li.rejected-row[data-row='3'] li", "Mileage: “-10” must be at least 0").await?;
    let problems = b.texts_of("li.rejected-row[data-row='3'] li").await?;
    assert_eq!(problems[1], "Sale price: “abc” is not a valid amount");
    b.close().await?;
    std::fs::remove_dir_all(dir)?;
    Ok(())
}

/// The export the SPA asks for is in the user's language: Spanish headers and values.
#[tokio::test(flavor = "multi_thread")]
async fn a_spanish_export_has_spanish_headers() -> Result<()> {
    let stack = Stack::start().await?;
    stack.dealaai(&["seed", "--vehicles", "30", "--seed", "4"], None)?;
    stack.create_user("viewer", "pablo", "exportar-en-castellano")?;
    let token = stack.api_token("pablo", "exportar-en-castellano").await?;
    let b = Browser::start().await?;
    b.log_in(&stack.frontend_url, "pablo", "exportar-en-castellano").await?;
    b.client.goto(&format!("{}/stock", stack.frontend_url)).await?;
    b.wait_for_text(".stock-total", "30 vehículos").await?;
    b.record_requests().await?;
    b.click("[data-export='csv']").await?;
    let export = b.request_to("/stock/export").await?;
    assert!(export.contains("lang=es"), "{export}");
    let csv = stack.api_text(&token, &export).await?;
    let header = csv.lines().next().unwrap().trim_start_matches('\u{feff}');
    assert!(header.starts_with("VIN (bastidor);Matrícula;Marca;Modelo"), "{header}");
    assert!(header.contains("Precio de venta") && !header.contains("sale_price"), "{header}");
    let values = csv.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert!(values.contains(";Sí;") || values.contains(";No;"), "Sí/No, not true/false");
    assert!(!values.contains(";true;") && !values.contains(";false;"));
    b.close().await?;
    Ok(())
}

/// A long import shows how far it has got while it runs, then its report.
#[tokio::test(flavor = "multi_thread")]
async fn a_long_import_shows_its_progress() -> Result<()> {
    let stack = Stack::start().await?;
    stack.create_user("manager", "marta", "formularios-2026-ok")?;
    let dir = dealaai_e2e::TempDir::new("dealaai-import-progress")?;
    let file = dir.0.join("stock.csv");
    let rows: String = (0..40_000).map(|i| format!("VF1PROGRESS{i:06},Renault,Clio,{},30000\n", 10_000 + i)).collect();
    std::fs::write(&file, format!("vin,brand,model,sale_price,mileage_km\n{rows}"))?;
    let b = Browser::start().await?;
    b.log_in(&stack.frontend_url, "marta", "formularios-2026-ok").await?;
    b.client.goto(&format!("{}/stock/import", stack.frontend_url)).await?;
    b.text_of("#import-file").await?;
    b.client.find(fantoccini::Locator::Css("#import-file")).await?.send_keys(&file.display().to_string()).await?;
    b.click("#import-upload").await?;
    b.wait_until(
        "const bar = document.querySelector('.import-progress progress'); \
         return !!bar && Number(bar.value) > 0",
        "the import's progress",
    )
    .await?;
    let counts = b.text_of(".import-progress .hint").await?;
    assert!(counts.starts_with("Filas leídas: ") && counts.contains("Procesadas: "), "{counts}");
    b.screenshot("forms-import-progress").await?;
    // The debug backend takes its time over the whole file while other tests run beside it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while b.client.find(fantoccini::Locator::Css("dd[data-stat='created']")).await.is_err() {
        anyhow::ensure!(std::time::Instant::now() < deadline, "no report two minutes after the upload");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(b.text_of("dd[data-stat='created']").await?, "40.000");
    assert_eq!(b.text_of("dd[data-stat='rows']").await?, "40.000");
    assert!(b.client.find(fantoccini::Locator::Css(".import-progress")).await.is_err(), "the progress is gone");
    b.close().await?;
    Ok(())
}
