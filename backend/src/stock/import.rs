//! CSV import: the English column names of the export, its localized labels (so a file
//! exported in Spanish or English comes back as it went) or the earlier system's Spanish
//! names, `,` or `;` separated, streamed row by row and upserted by VIN in batches inside one
//! transaction. Every row is checked, so the report lists every bad one; then all-or-nothing
//! rolls back if there was any, and `skip_invalid` commits the good ones.

use std::collections::{HashMap, HashSet};

use actix_web::{HttpRequest, HttpResponse, ResponseError, post, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;
use serde::Deserialize;
use shared::stock::Vin;
use shared::stock::labels::{by_label, field_label};
use shared::stock::{
    Fuel, ImportEvent, ImportMode, ImportProgress, ImportRejected, ImportReport, Money, RejectedRow, StockType,
    Transmission, VehicleInput, VehicleStatus,
};
use shared::{ErrorBody, ErrorCode, FieldProblem, Permission};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::{mpsc, watch};

use super::filters::fold_text;
use super::input::{VinRule, validate};
use super::records::{self, VehicleRecord};
use super::set_actor;
use crate::auth::CurrentUser;
use crate::db::schema::{dealers, provinces};
use crate::error::{ApiError, ApiResult, Problems};
use crate::state::AppState;
use shared::stock::parse_bool;

/// Rows written per statement: large enough that per-statement costs (planning, the
/// statement-level triggers) vanish, small enough to keep memory flat (~10 MB of JSON).
const BATCH_ROWS: usize = 10_000;
/// Rejected rows listed in the report; the total is always counted.
const MAX_REPORTED: usize = 1000;
/// Largest upload accepted.
pub const MAX_FILE_BYTES: usize = 200 * 1024 * 1024;
/// The header must fit in this many bytes (for separator detection).
const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Rows read between two progress updates.
const PROGRESS_ROWS: u64 = 1000;
/// An upload that sends nothing for this long is given up (the import rolls back): a client
/// that stalls, or a proxy that keeps a cancelled upload open, would otherwise hold a pooled
/// connection and the rows written so far.
const UPLOAD_IDLE: std::time::Duration = std::time::Duration::from_secs(30);
/// Least time between two progress events of a streamed import.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// A column of the file: a vehicle field, a derived value the export adds (ignored), or
/// anything else (kept in the vehicle's `extra`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Column {
    Field(&'static str),
    Ignored,
    Extra(String),
}

/// Accepted names per field: the API's English name first, then the earlier Spanish ones
/// (compared lowercase, without accents, spaces as `_`).
const ALIASES: &[(&str, &[&str])] = &[
    ("vin", &["bastidor", "numero_bastidor", "n_bastidor", "chasis", "vin"]),
    ("plate", &["matricula"]),
    ("brand", &["marca"]),
    ("model", &["modelo"]),
    ("version", &["version_comercial"]),
    ("registration_year", &["ano", "anio", "ano_matriculacion", "year"]),
    ("registration_date", &["fecha_matriculacion"]),
    ("reception_date", &["fecha_recepcion", "fecha_entrada", "fecha_alta"]),
    ("mileage_km", &["km", "kilometros", "kilometraje"]),
    ("colour", &["color"]),
    ("fuel", &["combustible"]),
    ("transmission", &["cambio", "transmision", "caja_cambios"]),
    ("power_cv", &["potencia", "cv", "potencia_cv"]),
    ("vehicle_type", &["tipo_vehiculo", "carroceria"]),
    ("stock_type", &["tipo_stock"]),
    ("status", &["estado"]),
    ("reserved", &["reservado"]),
    ("published", &["publicado"]),
    ("listing_url", &["url", "url_anuncio", "enlace"]),
    ("dealer", &["dealer_id", "concesionario", "dealer_name"]),
    ("province", &["province_id", "provincia", "province_code"]),
    ("location", &["ubicacion"]),
    ("purchase_price", &["precio_compra"]),
    ("total_cost", &["coste_total", "costo_total"]),
    ("sale_price", &["precio_venta", "precio", "pvp"]),
    ("description", &["descripcion", "observaciones"]),
    ("online_visits", &["visitas"]),
    ("online_calls", &["llamadas"]),
    ("online_leads", &["leads"]),
];

/// Export columns that are computed, not stored: read back without complaint (by these
/// names or their labels), and ignored.
const DERIVED: &[&str] = &[
    "days_in_stock",
    "dias_en_stock",
    "previous_price",
    "precio_anterior",
    "price_difference",
    "estimated_margin",
    "legacy_vin",
];

const REQUIRED: &[&str] = &["vin", "brand", "model", "sale_price"];

/// The file field that fills a table column (files name dealers and provinces, not ids).
fn field_of_column(column: &str) -> &str {
    match column {
        "dealer_id" => "dealer",
        "province_id" => "province",
        other => other,
    }
}

fn column_of(header: &str) -> Column {
    let name = fold_text(header.trim()).replace([' ', '-', '.'], "_");
    // A localized export's header is the field's label, in either language.
    let labelled = |field: &str| field_label(field).is_some_and(|label| label.matches(header));
    if DERIVED.iter().any(|field| *field == name || labelled(field)) {
        return Column::Ignored;
    }
    ALIASES
        .iter()
        .find(|(field, aliases)| *field == name || aliases.contains(&name.as_str()) || labelled(field))
        .map_or_else(|| Column::Extra(header.trim().to_owned()), |(field, _)| Column::Field(field))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `all_or_nothing` (default) or `skip_invalid`.
    pub mode: Option<ImportMode>,
}

/// Import vehicles from a CSV file sent as the request body (managers and admins).
///
/// With `Accept: text/event-stream` the answer is a stream of [`ImportEvent`]s instead:
/// `progress` about four times a second while the file is read and written, then `done` with
/// the report (committed or not) or `failed` with the status and error body the JSON answer
/// would have had. Closing the connection before the end cancels the import: nothing is written.
#[utoipa::path(
    post, tag = "stock", security(("bearer" = [])),
    params(ImportParams),
    request_body(content = String, content_type = "text/csv", description = "UTF-8 CSV, `,` or `;` separated, with a header row"),
    responses(
        (status = 200, description = "Imported (skip_invalid may have rejected rows); with `Accept: text/event-stream`, the import's events, whatever its outcome",
            content(
                (ImportReport = "application/json"),
                (ImportEvent = "text/event-stream"),
            )),
        (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "Invalid rows (nothing written; the report lists them), or a malformed file", body = ImportRejected),
    )
)]
#[post("/import")]
pub async fn import_vehicles(
    request: HttpRequest,
    state: web::Data<AppState>,
    caller: CurrentUser,
    params: web::Query<ImportParams>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    caller.require(Permission::WriteStock)?;
    let mode = params.mode.unwrap_or_default();
    let reader = upload_reader(payload);
    let conn = state.pool.get().await?;
    let (progress, watcher) = watch::channel(ImportProgress::default());
    let import = async move {
        let mut conn = conn;
        let outcome = import_csv(&mut conn, reader, mode, Some(caller.id()), state.config.today(), &progress).await;
        if let Ok(report) = &outcome {
            tracing::info!(
                by = caller.id(),
                created = report.created,
                updated = report.updated,
                rejected = report.rejected_rows,
                "import"
            );
            if report.created + report.updated > 0 {
                // After the answer: the importer does not wait for the search index's bulk merge.
                actix_web::rt::spawn(async move {
                    if let Err(error) = merge_search_entries(&mut conn).await {
                        tracing::warn!(%error, "could not merge the search index's pending entries");
                    }
                });
            }
        }
        outcome
    };
    if !crate::event_stream::wanted(&request) {
        let _watcher = watcher;
        return import.await.map(answer);
    }
    let (events, stream) = mpsc::unbounded_channel();
    actix_web::rt::spawn(async move {
        let reporter = report_progress(watcher, events.clone());
        let outcome = tokio::select! {
            outcome = import => outcome,
            never = reporter => match never {},
        };
        let _ = events.send(match outcome {
            Ok(report) => ImportEvent::Done { report },
            Err(error) => ImportEvent::Failed { status: error.status_code().as_u16(), error: error.logged_body() },
        });
    });
    Ok(crate::event_stream::response(stream))
}

/// Sends the import's progress as it changes, at most every [`PROGRESS_EVERY`]. When the
/// client has gone it lets go of `watcher`, which the import takes as its cancellation.
async fn report_progress(
    mut watcher: watch::Receiver<ImportProgress>,
    events: mpsc::UnboundedSender<ImportEvent>,
) -> std::convert::Infallible {
    loop {
        tokio::time::sleep(PROGRESS_EVERY).await;
        if events.is_closed() {
            drop(watcher);
            return std::future::pending().await;
        }
        if watcher.has_changed().unwrap_or(false) {
            let progress = *watcher.borrow_and_update();
            let _ = events.send(ImportEvent::Progress { progress });
        }
    }
}

/// The JSON answer of an import: the report, or 422 with it when nothing was written.
fn answer(report: ImportReport) -> HttpResponse {
    if report.committed {
        HttpResponse::Ok().json(report)
    } else {
        HttpResponse::UnprocessableEntity().json(ImportRejected {
            error: ErrorCode::ValidationFailed,
            message: format!("{} row(s) are invalid: nothing was imported", report.rejected_rows),
            fields: Default::default(),
            report,
        })
    }
}

/// The upload as a byte stream. It is read on this worker (actix payloads are not Send) and
/// handed over through a small channel, so memory stays flat and a slow import slows the upload.
fn upload_reader(payload: web::Payload) -> impl AsyncRead + Unpin + Send {
    let (sender, mut receiver) = mpsc::channel::<std::io::Result<web::Bytes>>(8);
    actix_web::rt::spawn(async move {
        let mut payload = payload;
        let mut received = 0usize;
        loop {
            let chunk = match tokio::time::timeout(UPLOAD_IDLE, payload.next()).await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(_) => {
                    let _ = sender.send(Err(std::io::Error::other("nothing was received for 30 s"))).await;
                    break;
                }
            };
            let chunk = chunk.map_err(|error| std::io::Error::other(error.to_string())).and_then(|chunk| {
                received += chunk.len();
                if received > MAX_FILE_BYTES { Err(std::io::Error::other(TooLarge)) } else { Ok(chunk) }
            });
            let failed = chunk.is_err();
            if sender.send(chunk).await.is_err() || failed {
                break;
            }
        }
    });
    tokio_util::io::StreamReader::new(futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx)))
}

#[derive(Debug, thiserror::Error)]
#[error("the file is too large")]
struct TooLarge;

fn io_error(error: std::io::Error) -> ApiError {
    if error.get_ref().is_some_and(|inner| inner.is::<TooLarge>()) {
        ApiError::PayloadTooLarge
    } else {
        ApiError::BadRequest(format!("could not read the upload: {error}"))
    }
}

fn invalid_file(message: impl Into<String>) -> ApiError {
    ApiError::Invalid { field: "file", problem: FieldProblem::Invalid, message: message.into() }
}

/// Reads a CSV stream and writes its vehicles; the one import of the API and the CLI.
/// `actor` is who the change log names (none for the command line). `progress` is kept up to
/// date; when no one watches it any more the import is cancelled and rolled back.
pub async fn import_csv<R: AsyncRead + Unpin + Send>(
    conn: &mut AsyncPgConnection,
    reader: R,
    mode: ImportMode,
    actor: Option<i64>,
    today: NaiveDate,
    progress: &watch::Sender<ImportProgress>,
) -> ApiResult<ImportReport> {
    let mut reader = BufReader::with_capacity(MAX_HEADER_BYTES, reader);
    let peek = reader.fill_buf().await.map_err(io_error)?;
    let first_line = peek.split(|b| *b == b'\n').next().unwrap_or_default();
    let first_line = first_line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(first_line);
    if first_line.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid_file("the file is empty"));
    }
    let Ok(first_line) = std::str::from_utf8(first_line) else {
        return Err(invalid_file("the file is not UTF-8 text: save it as \"CSV UTF-8\""));
    };
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() { b';' } else { b',' };
    let mut csv = csv_async::AsyncReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv_async::Trim::All)
        .create_reader(reader);

    let header = csv.byte_headers().await.map_err(|e| invalid_file(format!("unreadable header: {e}")))?.clone();
    let columns = read_header(&header)?;
    let present: HashSet<&'static str> =
        columns.iter().filter_map(|c| if let Column::Field(f) = c { Some(*f) } else { None }).collect();
    let references = References::load(conn).await?;

    let mut report = ImportReport {
        mode,
        rows: 0,
        created: 0,
        updated: 0,
        unchanged: 0,
        rejected: Vec::new(),
        rejected_total: 0,
        rejected_rows: 0,
        committed: false,
    };
    let report_slot = &mut report;
    let outcome = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let report = report_slot;
            if let Some(actor) = actor {
                set_actor(conn, actor).await?;
            }
            // New trigram entries go to the index's pending list, merged in bulk afterwards
            // (see `merge_search_entries`) instead of one by one: a third of the insert time.
            diesel::sql_query("SET LOCAL gin_pending_list_limit = '256MB'").execute(conn).await?;
            // A batch's transition tables (10,000 rows for the triggers) then stay in memory
            // instead of spilling to temporary files.
            diesel::sql_query("SET LOCAL work_mem = '64MB'").execute(conn).await?;
            // Reading and checking the file (CPU) overlaps with writing the previous batch
            // (PostgreSQL): the reader hands full batches to the writer.
            let (batches, mut to_write) = mpsc::channel::<Vec<VehicleRecord>>(1);
            let mut written = WriteCounts::default();
            let rules = RowRules { columns: &columns, references: &references, today, mode };
            let read = read_rows(csv, &rules, batches, report, progress);
            let write = async {
                while let Some(mut batch) = to_write.recv().await {
                    cancelled(progress)?;
                    let rows = batch.len() as u64;
                    write_batch(conn, &mut batch, &present, &mut written).await?;
                    progress.send_modify(|progress| progress.rows_applied += rows);
                }
                Ok(())
            };
            futures_util::try_join!(read, write)?;
            cancelled(progress)?;
            (report.created, report.updated, report.unchanged) = (written.created, written.updated, written.unchanged);
            if report.rejected_total > 0 && mode == ImportMode::AllOrNothing {
                // Roll back everything written so far; the report says why.
                return Err(ApiError::Validation(Default::default()));
            }
            Ok(())
        })
        .await;
    match outcome {
        Ok(()) => report.committed = true,
        Err(ApiError::Validation(fields)) if fields.is_empty() => {
            report.created = 0;
            report.updated = 0;
            report.unchanged = 0;
        }
        Err(error) => return Err(error),
    }
    Ok(report)
}

/// An import nobody waits for any more stops before its next write, and before its commit.
fn cancelled(progress: &watch::Sender<ImportProgress>) -> ApiResult<()> {
    if progress.is_closed() { Err(ApiError::BadRequest("the import was cancelled".into())) } else { Ok(()) }
}

/// Merges the search index's pending entries (left by an import) into the index proper.
/// Searches are right before it too, only slower; autovacuum would also do it eventually.
pub async fn merge_search_entries(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query("SELECT gin_clean_pending_list('vehicles_search_idx'::regclass)").execute(conn).await.map(drop)
}

/// What a row is read against: the file's columns, the names of dealers and provinces, the
/// date (for checks relative to today) and what an invalid row means.
struct RowRules<'a> {
    columns: &'a [Column],
    references: &'a References,
    today: NaiveDate,
    mode: ImportMode,
}

/// Reads every row, records rejections in `report` and sends valid vehicles in batches. After
/// a rejection an all-or-nothing import writes nothing more, but every row is still checked.
async fn read_rows<R: AsyncRead + Unpin + Send>(
    mut csv: csv_async::AsyncReader<R>,
    &RowRules { columns, references, today, mode }: &RowRules<'_>,
    batches: mpsc::Sender<Vec<VehicleRecord>>,
    report: &mut ImportReport,
    progress: &watch::Sender<ImportProgress>,
) -> ApiResult<()> {
    let update = |report: &ImportReport, bytes_read: u64| {
        progress.send_modify(|progress| {
            (progress.bytes_read, progress.rows_read) = (bytes_read, report.rows);
            progress.rows_rejected = report.rejected_rows;
        })
    };
    let doomed = |report: &ImportReport| mode == ImportMode::AllOrNothing && report.rejected_total > 0;
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut batch: Vec<VehicleRecord> = Vec::with_capacity(BATCH_ROWS);
    let mut records = csv.byte_records();
    while let Some(record) = records.next().await {
        let record = match record {
            Ok(record) => record,
            Err(error) if error.is_io_error() => {
                return Err(match error.into_kind() {
                    csv_async::ErrorKind::Io(io) => io_error(io),
                    _ => unreachable!("checked to be an I/O error"),
                });
            }
            Err(error) => {
                report.rows += 1;
                report.rejected_rows += 1;
                let line = error.position().map_or(report.rows + 1, |p| p.line());
                reject(report, line, Rejection::new(None, "row", FieldProblem::Invalid, error.to_string()));
                continue;
            }
        };
        report.rows += 1;
        let line = record.position().map_or(report.rows + 1, |p| p.line());
        if report.rows.is_multiple_of(PROGRESS_ROWS) {
            update(report, record.position().map_or(0, |p| p.byte()));
        }
        match read_row(&record, columns, references, today) {
            Err(rejections) => {
                report.rejected_rows += 1;
                for rejection in rejections {
                    reject(report, line, rejection);
                }
            }
            Ok(vehicle) => {
                if let Some(first) = seen.get(&vehicle.vin) {
                    let detail = format!("the VIN already appears on line {first}");
                    let vin = Some(vehicle.vin.clone());
                    let rejection = Rejection {
                        value: vin.clone(),
                        earlier_row: Some(*first),
                        ..Rejection::new(vin, "vin", FieldProblem::Duplicate, detail)
                    };
                    report.rejected_rows += 1;
                    reject(report, line, rejection);
                    continue;
                }
                seen.insert(vehicle.vin.clone(), line);
                batch.push(vehicle);
            }
        }
        if doomed(report) {
            batch.clear();
        } else if batch.len() == BATCH_ROWS {
            // The writer stopped only on an error, which the join reports.
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
            if batches.send(full).await.is_err() {
                return Ok(());
            }
        }
    }
    drop(records);
    update(report, csv.position().byte());
    if !batch.is_empty() && !doomed(report) {
        let _ = batches.send(batch).await;
    }
    Ok(())
}

fn read_header(header: &csv_async::ByteRecord) -> ApiResult<Vec<Column>> {
    let mut columns = Vec::with_capacity(header.len());
    for (index, raw) in header.iter().enumerate() {
        let raw = if index == 0 { raw.strip_prefix("\u{feff}".as_bytes()).unwrap_or(raw) } else { raw };
        let name = std::str::from_utf8(raw).map_err(|_| invalid_file("the header is not UTF-8 text"))?;
        if name.contains('\0') {
            return Err(invalid_file("a column name holds a NUL character (U+0000)"));
        }
        let column = column_of(name);
        if matches!(column, Column::Field(_)) && columns.contains(&column) {
            return Err(ApiError::Invalid {
                field: "columns",
                problem: FieldProblem::Duplicate,
                message: format!("the column `{name}` appears twice"),
            });
        }
        columns.push(column);
    }
    let missing: Vec<&str> =
        REQUIRED.iter().copied().filter(|field| !columns.contains(&Column::Field(field))).collect();
    if !missing.is_empty() {
        return Err(ApiError::Invalid {
            field: "columns",
            problem: FieldProblem::Required,
            message: format!("missing required column(s): {}", missing.join(", ")),
        });
    }
    Ok(columns)
}

/// One problem of a row, before it is numbered.
struct Rejection {
    vin: Option<String>,
    field: String,
    problem: FieldProblem,
    detail: String,
    value: Option<String>,
    earlier_row: Option<u64>,
}

impl Rejection {
    fn new(vin: Option<String>, field: &str, problem: FieldProblem, detail: String) -> Rejection {
        Rejection { vin, field: field.to_owned(), problem, detail, value: None, earlier_row: None }
    }
}

fn reject(report: &mut ImportReport, row: u64, rejection: Rejection) {
    report.rejected_total += 1;
    if report.rejected.len() < MAX_REPORTED {
        report.rejected.push(RejectedRow {
            row,
            vin: rejection.vin,
            field: rejection.field,
            problem: rejection.problem.as_str().to_owned(),
            detail: rejection.detail,
            value: rejection.value,
            earlier_row: rejection.earlier_row,
        });
    }
}

/// Dealers and provinces by every name a file may use for them.
struct References {
    dealers: HashMap<String, i64>,
    provinces: HashMap<String, i64>,
}

impl References {
    async fn load(conn: &mut AsyncPgConnection) -> ApiResult<References> {
        let dealer_rows: Vec<(i64, String)> = dealers::table.select((dealers::id, dealers::name)).load(conn).await?;
        let province_rows: Vec<(i64, String, String)> =
            provinces::table.select((provinces::id, provinces::code, provinces::name)).load(conn).await?;
        let mut dealers = HashMap::new();
        for (id, name) in dealer_rows {
            dealers.insert(id.to_string(), id);
            dealers.insert(fold_text(&name), id);
        }
        let mut provinces = HashMap::new();
        for (id, code, name) in province_rows {
            provinces.insert(fold_text(&name), id);
            provinces.insert(code, id);
        }
        Ok(References { dealers, provinces })
    }

    fn dealer(&self, value: &str) -> Option<i64> {
        self.dealers.get(&fold_text(value)).copied()
    }

    fn province(&self, value: &str) -> Option<i64> {
        // Codes may have lost their leading zero in a spreadsheet ("8" for "08").
        let value = fold_text(value);
        let padded =
            if value.len() == 1 && value.chars().all(|c| c.is_ascii_digit()) { format!("0{value}") } else { value };
        self.provinces.get(&padded).copied()
    }
}

/// One row: text decoded, values parsed (Spanish spellings accepted), then the shared validation.
fn read_row(
    record: &csv_async::ByteRecord,
    columns: &[Column],
    references: &References,
    today: NaiveDate,
) -> Result<VehicleRecord, Vec<Rejection>> {
    let mut problems = Problems::default();
    let mut input = VehicleInput::default();
    let mut extra = serde_json::Map::new();
    let mut rejections: Vec<Rejection> = Vec::new();
    if record.len() != columns.len() {
        let detail = format!("expected {} columns, found {}", columns.len(), record.len());
        return Err(vec![Rejection::new(None, "row", FieldProblem::Invalid, detail)]);
    }
    let Ok(values) = record.iter().map(std::str::from_utf8).collect::<Result<Vec<&str>, _>>() else {
        let detail = "the row is not UTF-8 text: save the file as \"CSV UTF-8\"".to_owned();
        return Err(vec![Rejection::new(None, "row", FieldProblem::Invalid, detail)]);
    };
    let mut details: HashMap<&'static str, String> = HashMap::new();
    // The cells as the file has them, to show the value behind a problem.
    let mut cells: HashMap<&'static str, &str> = HashMap::new();
    for (column, raw) in columns.iter().zip(values) {
        // PostgreSQL cannot store U+0000: refuse the cell, naming its column.
        if raw.contains('\0') {
            let detail = "holds a NUL character (U+0000)".to_owned();
            match column {
                Column::Field(field) => {
                    problems.add(field, FieldProblem::Invalid);
                    details.insert(field, detail);
                }
                Column::Extra(name) => rejections.push(Rejection {
                    value: Some(raw.replace('\0', "")),
                    ..Rejection::new(None, name, FieldProblem::Invalid, detail)
                }),
                Column::Ignored => {}
            }
            continue;
        }
        // The export quotes formula-like text with `'`; take it off again.
        let value = match raw.strip_prefix('\'') {
            Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
            _ => raw,
        };
        let field = match column {
            Column::Field(field) => *field,
            Column::Ignored => continue,
            Column::Extra(name) => {
                if !value.is_empty() {
                    extra.insert(name.clone(), serde_json::Value::String(value.to_owned()));
                }
                continue;
            }
        };
        if value.is_empty() {
            continue;
        }
        cells.insert(field, value);
        if !set_field(&mut input, field, value, references) {
            problems.add(
                field,
                if matches!(field, "dealer" | "province") {
                    FieldProblem::UnknownReference
                } else {
                    FieldProblem::Invalid
                },
            );
            details.insert(field, format!("`{value}`"));
        }
    }
    // Files without a stock-type column are the used-car stock the earlier system held.
    input.stock_type.get_or_insert(shared::stock::StockType::Vo);
    let vin = input.vin.as_deref().map(|v| Vin::new(v).into());
    let record = validate(&input, VinRule::AllowLegacy, today, &mut problems);
    if !problems.is_empty() || !rejections.is_empty() {
        for rejection in &mut rejections {
            rejection.vin.clone_from(&vin);
        }
        for (field, codes) in problems.into_fields() {
            for code in codes {
                let problem = FieldProblem::parse(&code).unwrap_or(FieldProblem::Invalid);
                // A value that did not parse is not also "missing".
                if problem == FieldProblem::Required && details.contains_key(field.as_str()) {
                    continue;
                }
                let detail = details.get(field.as_str()).cloned().unwrap_or_default();
                let value = cells.get(field.as_str()).map(|value| (*value).to_owned());
                rejections.push(Rejection { value, ..Rejection::new(vin.clone(), &field, problem, detail) });
            }
        }
        return Err(rejections);
    }
    let mut record = record.expect("validated");
    record.extra = serde_json::Value::Object(extra);
    Ok(record)
}

/// Sets one field from its text; false when the text is not a valid value for it.
fn set_field(input: &mut VehicleInput, field: &str, value: &str, references: &References) -> bool {
    let text = || Some(value.to_owned());
    match field {
        "vin" => input.vin = text(),
        "brand" => input.brand = text(),
        "model" => input.model = text(),
        "plate" => input.plate = Some(text()),
        "version" => input.version = Some(text()),
        "colour" => input.colour = Some(text()),
        "vehicle_type" => input.vehicle_type = Some(text()),
        "listing_url" => input.listing_url = Some(text()),
        "location" => input.location = Some(text()),
        "description" => input.description = Some(text()),
        "registration_year" => return set(&mut input.registration_year, integer(value).map(Some)),
        "registration_date" => return set(&mut input.registration_date, date(value).map(Some)),
        "reception_date" => return set(&mut input.reception_date, date(value)),
        "mileage_km" => return set(&mut input.mileage_km, integer(value)),
        "power_cv" => return set(&mut input.power_cv, integer(value).map(Some)),
        "online_visits" => return set(&mut input.online_visits, integer(value)),
        "online_calls" => return set(&mut input.online_calls, integer(value)),
        "online_leads" => return set(&mut input.online_leads, integer(value)),
        "fuel" => return set(&mut input.fuel, fuel(value).map(Some)),
        "transmission" => return set(&mut input.transmission, transmission(value).map(Some)),
        "stock_type" => return set(&mut input.stock_type, stock_type(value)),
        "status" => return set(&mut input.status, status(value)),
        "reserved" => return set(&mut input.reserved, parse_bool(value)),
        "published" => return set(&mut input.published, parse_bool(value)),
        "purchase_price" => return set(&mut input.purchase_price, Money::parse(value).map(Some)),
        "total_cost" => return set(&mut input.total_cost, Money::parse(value).map(Some)),
        "sale_price" => return set(&mut input.sale_price, Money::parse(value)),
        "dealer" => return set(&mut input.dealer_id, references.dealer(value).map(Some)),
        "province" => return set(&mut input.province_id, references.province(value).map(Some)),
        _ => {}
    }
    true
}

fn set<T>(slot: &mut Option<T>, value: Option<T>) -> bool {
    let ok = value.is_some();
    if ok {
        *slot = value;
    }
    ok
}

/// `123456`, `123.456` or `123,456` (thousands separators), `123456.0` from spreadsheets.
fn integer(value: &str) -> Option<i32> {
    let value = value.strip_suffix(".0").or_else(|| value.strip_suffix(",0")).unwrap_or(value);
    let digits: String = value.chars().filter(|c| !matches!(c, '.' | ',' | ' ')).collect();
    let grouped = value.contains(['.', ',']);
    if grouped && !value.split(['.', ',']).skip(1).all(|group| group.len() == 3) {
        return None;
    }
    digits.parse().ok()
}

/// ISO dates, or Spanish day-first ones (`28/11/2026`, `28-11-2026`).
fn date(value: &str) -> Option<NaiveDate> {
    let value = value.split([' ', 'T']).next().unwrap_or(value);
    ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(value, format).ok())
}

fn fuel(value: &str) -> Option<shared::stock::Fuel> {
    use shared::stock::Fuel::*;
    Some(match fold_text(value).replace(['-', ' '], "_").as_str() {
        "petrol" | "gasolina" | "gasoline" => Petrol,
        "diesel" | "gasoil" | "gasoleo" => Diesel,
        "hybrid" | "hibrido" | "hev" | "mhev" | "hibrido_ligero" => Hybrid,
        "plugin_hybrid" | "hibrido_enchufable" | "phev" => PluginHybrid,
        "electric" | "electrico" | "bev" => Electric,
        "lpg" | "glp" => Lpg,
        "cng" | "gnc" | "gas_natural" => Cng,
        "other" | "otro" | "otros" => Other,
        // The labels of a localized export.
        _ => return by_label(Fuel::ALL, Fuel::label, value),
    })
}

fn transmission(value: &str) -> Option<shared::stock::Transmission> {
    use shared::stock::Transmission::*;
    Some(match fold_text(value).as_str() {
        "manual" | "m" => Manual,
        "automatic" | "automatico" | "automatica" | "auto" | "a" => Automatic,
        // The labels of a localized export.
        _ => return by_label(Transmission::ALL, Transmission::label, value),
    })
}

fn stock_type(value: &str) -> Option<shared::stock::StockType> {
    use shared::stock::StockType::*;
    Some(match fold_text(value).replace([' ', '-'], "").as_str() {
        "vo" | "ocasion" | "usado" | "used" => Vo,
        "vn" | "nuevo" | "new" => Vn,
        "km0" | "kilometro0" => Km0,
        "demo" | "vd" | "demostracion" => Demo,
        // The labels of a localized export.
        _ => return by_label(StockType::ALL, StockType::label, value),
    })
}

fn status(value: &str) -> Option<shared::stock::VehicleStatus> {
    use shared::stock::VehicleStatus::*;
    Some(match fold_text(value).replace([' ', '-'], "_").as_str() {
        "available" | "disponible" => Available,
        "in_preparation" | "en_preparacion" | "preparacion" => InPreparation,
        "in_transit" | "en_transito" | "transito" => InTransit,
        "sold" | "vendido" => Sold,
        // The labels of a localized export.
        _ => return by_label(VehicleStatus::ALL, VehicleStatus::label, value),
    })
}

/// Upserts a batch by VIN in one statement: the rows travel as one JSON array that PostgreSQL
/// turns back into rows, existing vehicles whose values differ are updated (only the columns
/// the file has, so a file of prices does not wipe descriptions; extra columns are merged),
/// the others are inserted. Unchanged vehicles are not touched at all, not even locked.
async fn write_batch(
    conn: &mut AsyncPgConnection,
    batch: &mut Vec<VehicleRecord>,
    present: &HashSet<&'static str>,
    counts: &mut WriteCounts,
) -> ApiResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    // The VIN is the key and `extra` is merged, not replaced.
    let columns: Vec<&str> = records::WRITABLE_COLUMNS
        .iter()
        .copied()
        .filter(|column| !matches!(*column, "vin" | "extra") && present.contains(field_of_column(column)))
        .collect();
    let list = |prefix: &str| columns.iter().map(|c| format!("{prefix}{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "WITH input AS MATERIALIZED ({input}), \
         updated AS ( \
             UPDATE vehicles v SET {sets}, extra = v.extra || i.extra FROM input i \
             WHERE v.vin = i.vin AND (({old}) IS DISTINCT FROM ({new}) OR v.extra IS DISTINCT FROM v.extra || i.extra) \
             RETURNING 1), \
         created AS ({insert} WHERE NOT EXISTS (SELECT FROM vehicles v WHERE v.vin = i.vin) RETURNING 1) \
         SELECT (SELECT count(*) FROM updated) AS updated, (SELECT count(*) FROM created) AS created",
        input = records::JSON_ROWS_SQL,
        sets = columns.iter().map(|c| format!("{c} = i.{c}")).collect::<Vec<_>>().join(", "),
        old = list("v."),
        new = list("i."),
        insert = records::insert_from_input_sql(),
    );
    let written: Written = diesel::sql_query(sql)
        .bind::<Text, _>(serde_json::to_string(&*batch).map_err(anyhow::Error::from)?)
        .get_result(conn)
        .await?;
    counts.created += written.created as u64;
    counts.updated += written.updated as u64;
    counts.unchanged += batch.len() as u64 - (written.created + written.updated) as u64;
    batch.clear();
    Ok(())
}

#[derive(Debug, Default)]
struct WriteCounts {
    created: u64,
    updated: u64,
    unchanged: u64,
}

#[derive(QueryableByName)]
struct Written {
    #[diesel(sql_type = BigInt)]
    updated: i64,
    #[diesel(sql_type = BigInt)]
    created: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_and_english_headers() {
        assert_eq!(column_of("Bastidor"), Column::Field("vin"));
        assert_eq!(column_of("matrícula"), Column::Field("plate"));
        assert_eq!(column_of("Precio Venta"), Column::Field("sale_price"));
        assert_eq!(column_of("Año"), Column::Field("registration_year"));
        assert_eq!(column_of("mileage_km"), Column::Field("mileage_km"));
        assert_eq!(column_of("days_in_stock"), Column::Ignored);
        assert_eq!(column_of("Garantía"), Column::Extra("Garantía".into()));
    }

    #[test]
    fn a_localized_export_reads_back() {
        assert_eq!(column_of("VIN (bastidor)"), Column::Field("vin"));
        assert_eq!(column_of("Precio de venta"), Column::Field("sale_price"));
        assert_eq!(column_of("Potencia (CV)"), Column::Field("power_cv"));
        assert_eq!(column_of("Make"), Column::Field("brand"));
        assert_eq!(column_of("Diferencia de precio"), Column::Ignored);
        assert_eq!(stock_type("VO (ocasión)"), Some(StockType::Vo));
        assert_eq!(status("En tránsito"), Some(VehicleStatus::InTransit));
        assert_eq!(fuel("Plug-in hybrid"), Some(Fuel::PluginHybrid));
    }

    #[test]
    fn numbers_and_dates_as_spreadsheets_write_them() {
        assert_eq!(integer("123.456"), Some(123_456));
        assert_eq!(integer("123456"), Some(123_456));
        assert_eq!(integer("12.34"), None);
        assert_eq!(integer("12000.0"), Some(12_000));
        assert_eq!(date("28/11/2026"), NaiveDate::from_ymd_opt(2026, 11, 28));
        assert_eq!(date("2026-11-28"), NaiveDate::from_ymd_opt(2026, 11, 28));
        assert_eq!(date("2026-13-01"), None);
        assert_eq!(fuel("Diésel"), Some(shared::stock::Fuel::Diesel));
        assert_eq!(fuel("Híbrido enchufable"), Some(shared::stock::Fuel::PluginHybrid));
        assert_eq!(transmission("Automático"), Some(shared::stock::Transmission::Automatic));
        assert_eq!(stock_type("km 0"), Some(shared::stock::StockType::Km0));
    }
}
