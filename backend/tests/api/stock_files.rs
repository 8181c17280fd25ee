//! Stock files for people: exports in the user's language (and still the machine format by
//! default), read back by the import; import reports that count rows, not problems.

use calamine::Reader;
use serde_json::Value;
use shared::users::Role;

use crate::helpers::{TestApp, assert_error};
use crate::stock::{count, import, seeded};

fn column(headers: &csv::StringRecord, name: &str) -> usize {
    headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
}

async fn csv_export(app: &TestApp, token: &str, query: &str) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let response = app.call("GET", &format!("/api/stock/export?{query}"), token, None).await;
    assert_eq!(response.status(), 200, "{query}");
    let bytes = response.bytes().await.unwrap();
    let delimiter = if query.contains("separator=semicolon") { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).from_reader(&bytes[..]);
    let headers = reader.headers().unwrap().clone();
    (headers, reader.records().map(Result::unwrap).collect())
}

#[actix_web::test]
async fn exports_speak_the_users_language_and_read_back() {
    let (app, mut conn) = seeded().await;
    let token = app.token_for("viewer", Role::Viewer).await;

    // The machine format stays as it was: API names and codes.
    let (headers, rows) = csv_export(&app, &token, "fuel=diesel").await;
    assert_eq!(&headers[0], "vin");
    assert!(rows.iter().all(|r| &r[column(&headers, "fuel")] == "diesel"));
    assert!(rows.iter().all(|r| ["true", "false"].contains(&&r[column(&headers, "reserved")])));
    let province = column(&headers, "province");
    assert!(rows.iter().any(|r| r[province].len() == 2 && r[province].chars().all(|c| c.is_ascii_digit())));

    // Spanish: labels for headers and codes, Sí/No, province names.
    let (headers, rows) = csv_export(&app, &token, "fuel=diesel&lang=es&separator=semicolon&sort=vin").await;
    assert_eq!(&headers[0], "VIN (bastidor)");
    for label in ["Precio de venta", "Combustible", "Tipo de stock", "Reservado", "Provincia", "Días en stock"] {
        column(&headers, label);
    }
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| &r[column(&headers, "Combustible")] == "Diésel"));
    assert!(rows.iter().all(|r| ["Sí", "No"].contains(&&r[column(&headers, "Reservado")])));
    let stock_types = ["VO (ocasión)", "VN (nuevo)", "KM0 (kilómetro cero)", "DEMO (demostración)"];
    assert!(rows.iter().all(|r| stock_types.contains(&&r[column(&headers, "Tipo de stock")])));
    let names: Vec<String> = crate::stock::vins(&mut conn, "SELECT name AS vin FROM provinces").await;
    let province = column(&headers, "Provincia");
    assert!(rows.iter().all(|r| r[province].is_empty() || names.contains(&r[province].to_owned())));
    assert!(rows.iter().any(|r| !r[province].is_empty()));

    // English.
    let (headers, rows) = csv_export(&app, &token, "fuel=diesel&lang=en").await;
    assert_eq!((&headers[0], &headers[2]), ("VIN", "Make"));
    assert!(rows.iter().all(|r| &r[column(&headers, "Fuel")] == "Diesel"));
    assert!(rows.iter().all(|r| ["Yes", "No"].contains(&&r[column(&headers, "Reserved")])));

    // XLSX too.
    let response = app.call("GET", "/api/stock/export?format=xlsx&fuel=diesel&lang=es", &token, None).await;
    assert_eq!(response.status(), 200);
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(response.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = workbook.worksheet_range("Stock").unwrap();
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    let fuel = header.iter().position(|h| h == "Combustible").expect("Spanish headers");
    let reserved = header.iter().position(|h| h == "Reservado").unwrap();
    assert!(sheet.rows().skip(1).all(|row| row[fuel] == "Diésel"));
    assert!(sheet.rows().skip(1).all(|row| ["Sí", "No"].contains(&row[reserved].to_string().as_str())));

    assert_error(app.call("GET", "/api/stock/export?lang=fr", &token, None).await, 422, "validation_failed").await;

    // A Spanish export comes back through the import unchanged.
    let manager = app.token_for("boss", Role::Manager).await;
    let spanish = app
        .call("GET", "/api/stock/export?lang=es&separator=semicolon&bom=true", &token, None)
        .await
        .bytes()
        .await
        .unwrap();
    let report: Value = import(&app, &manager, "all_or_nothing", spanish.to_vec()).await.json().await.unwrap();
    assert_eq!(
        (report["created"].as_u64(), report["updated"].as_u64(), report["unchanged"].as_u64()),
        (Some(0), Some(0), Some(crate::stock::SEEDED)),
        "{report}"
    );
    assert_eq!(count(&mut conn, "SELECT count(*) FROM vehicle_price_changes").await, 0, "no value changed");
}

#[actix_web::test]
async fn import_reports_count_rejected_rows_and_keep_the_values() {
    let app = TestApp::spawn().await;
    let token = app.token_for("boss", Role::Manager).await;
    let csv = "vin,brand,model,sale_price,mileage_km\n\
               VF1AAAAAAAA000011,Renault,Clio,12000,30000\n\
               VF1AAAAAAAA000012,Renault,Clio,abc,-10\n\
               VF1AAAAAAAA000011,Renault,Clio,12000,30000\n";
    let body = assert_error(import(&app, &token, "all_or_nothing", csv).await, 422, "validation_failed").await;
    let report = &body["report"];
    assert_eq!((report["rejected_rows"].as_u64(), report["rejected_total"].as_u64()), (Some(2), Some(3)), "{report}");
    assert!(body["message"].as_str().unwrap().starts_with("2 row(s)"), "{body}");
    let problems: Vec<(u64, &str, &str, &str)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let text = |key: &str| r[key].as_str().unwrap_or_default();
            (r["row"].as_u64().unwrap(), text("field"), text("problem"), text("value"))
        })
        .collect();
    assert_eq!(
        problems,
        [
            (3, "mileage_km", "too_short", "-10"),
            (3, "sale_price", "invalid", "abc"),
            (4, "vin", "duplicate", "VF1AAAAAAAA000011"),
        ]
    );
    assert_eq!(report["rejected"][2]["earlier_row"], 2);

    let report: Value = import(&app, &token, "skip_invalid", csv).await.json().await.unwrap();
    assert_eq!((report["created"].as_u64(), report["rejected_rows"].as_u64()), (Some(1), Some(2)));
}
