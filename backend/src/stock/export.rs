//! The filtered, sorted stock as CSV or XLSX: every matching row, streamed from a database
//! cursor through a small channel, so memory stays flat whatever the size. By default in the
//! machine format (API field names and codes); with `lang` in the words people read.

use std::io::Write;
use std::sync::{Arc, Mutex};

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use futures_util::StreamExt;
use serde::Deserialize;
use shared::labels::{Lang, yes_no};
use shared::stock::labels::field_label;
use shared::stock::{StockQuery, Vehicle};
use shared::{ErrorBody, FieldProblem, Permission};
use tokio::sync::mpsc;

use super::filters::{FilterVehicles, apply_sort, parse_query, reference_names};
use super::records::{ReferenceNames, VehicleRow};
use crate::auth::CurrentUser;
use crate::db::schema::vehicles;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Bytes gathered before a chunk is sent; the channel holds a few chunks at most.
const CHUNK_BYTES: usize = 64 * 1024;
const CHANNEL_CHUNKS: usize = 4;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `csv` (default) or `xlsx`.
    #[param(pattern = "^(csv|xlsx)$")]
    pub format: Option<String>,
    /// CSV only: start with a UTF-8 byte-order mark (what Excel on Windows needs).
    pub bom: Option<bool>,
    /// CSV only: `comma` (default) or `semicolon` (Spanish spreadsheets; decimals then use `,`).
    #[param(pattern = "^(comma|semicolon|,|;)$")]
    pub separator: Option<String>,
    /// Headers and values for people, in `es` (Spanish) or `en` (English): field labels
    /// ("Precio de venta"), code labels ("Diésel", "VO (ocasión)"), "Sí"/"No", province
    /// names instead of codes. Absent: the machine format, with the API's field names and codes
    /// (`sale_price`, `diesel`, `true`, `29`). The import reads both back.
    #[param(pattern = "^(es|en)$")]
    pub lang: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv { bom: bool, semicolon: bool },
    Xlsx,
}

/// How headers and values are written: codes for programs, or labels in a language for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Words {
    Codes,
    Labels(Lang),
}

impl ExportParams {
    fn format(&self) -> ApiResult<Format> {
        let semicolon = match self.separator.as_deref().unwrap_or("comma") {
            "comma" | "," => false,
            "semicolon" | ";" => true,
            _ => return Err(ApiError::field("separator", FieldProblem::Invalid)),
        };
        match self.format.as_deref().unwrap_or("csv") {
            "csv" => Ok(Format::Csv { bom: self.bom.unwrap_or(false), semicolon }),
            "xlsx" => Ok(Format::Xlsx),
            _ => Err(ApiError::field("format", FieldProblem::Invalid)),
        }
    }

    fn words(&self) -> ApiResult<Words> {
        match self.lang.as_deref() {
            None => Ok(Words::Codes),
            Some(code) => {
                Lang::from_code(code).map(Words::Labels).ok_or(ApiError::field("lang", FieldProblem::Invalid))
            }
        }
    }
}

/// Export the stock with the list's filters and sort (all matching rows).
#[utoipa::path(
    get, tag = "stock", security(("bearer" = [])),
    params(StockQuery, ExportParams),
    responses(
        (status = 200, description = "The file: CSV, or XLSX with `format=xlsx`", content(
            (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 422, body = ErrorBody),
    )
)]
#[get("/export")]
pub async fn export_vehicles(
    state: web::Data<AppState>,
    caller: CurrentUser,
    query: web::Query<StockQuery>,
    params: web::Query<ExportParams>,
) -> ApiResult<HttpResponse> {
    caller.require(Permission::ReadStock)?;
    let format = params.format()?;
    let words = params.words()?;
    let today = state.config.today();
    let (filter, sort) = parse_query(&query, today)?;
    let conn = state.pool.get().await?;
    let (sender, mut receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(CHANNEL_CHUNKS);

    tokio::spawn(async move {
        let mut conn = conn;
        let query = apply_sort(filter.apply(vehicles::table.into_boxed(), today, None), sort.keys())
            .select((VehicleRow::as_select(), reference_names()));
        let mut rows = match query.load_stream::<(VehicleRow, ReferenceNames)>(&mut conn).await {
            Ok(rows) => rows,
            Err(error) => {
                tracing::error!(%error, "export query failed");
                let _ = sender.send(Err(std::io::Error::other("export failed"))).await;
                return;
            }
        };
        let mut writer = FileWriter::new(format, words);
        while let Some(row) = rows.next().await {
            let chunk = match row {
                Ok((row, names)) => writer.row(&row.to_api(names, today)),
                Err(error) => Err(std::io::Error::other(error)),
            };
            let chunk = match chunk {
                Ok(Some(chunk)) => Ok(chunk),
                Ok(None) => continue,
                Err(error) => {
                    tracing::error!(%error, "export stopped");
                    Err(error)
                }
            };
            let failed = chunk.is_err();
            // A closed channel means the client went away: stop reading.
            if sender.send(chunk).await.is_err() || failed {
                return;
            }
        }
        let _ = sender.send(writer.finish()).await;
    });

    let body = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    Ok(attachment(format, today).streaming(body))
}

/// A few vehicles already read (a ranked search's), as one file with the export's columns.
pub(crate) fn file_of(params: &ExportParams, vehicles: &[Vehicle], today: NaiveDate) -> ApiResult<HttpResponse> {
    let format = params.format()?;
    let mut writer = FileWriter::new(format, params.words()?);
    let mut file = Vec::new();
    for vehicle in vehicles {
        if let Some(chunk) = writer.row(vehicle).map_err(anyhow::Error::from)? {
            file.extend_from_slice(&chunk);
        }
    }
    file.extend_from_slice(&writer.finish().map_err(anyhow::Error::from)?);
    Ok(attachment(format, today).body(file))
}

/// The response head of an exported file: its type, name and caching.
fn attachment(format: Format, today: NaiveDate) -> actix_web::HttpResponseBuilder {
    let (extension, content_type) = match format {
        Format::Csv { .. } => ("csv", "text/csv; charset=utf-8"),
        Format::Xlsx => ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    };
    let filename = format!("stock-{today}.{extension}");
    let mut response = HttpResponse::Ok();
    response
        .content_type(content_type)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(filename)],
        })
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if format == Format::Xlsx {
        // Already compressed: keep the compression middleware off it.
        response.insert_header(header::ContentEncoding::Identity);
    }
    response
}

/// One value of the exported table.
enum Cell {
    Text(String),
    Integer(i64),
    Money(i64),
    Date(NaiveDate),
    Bool(bool),
    Empty,
}

/// The exported columns: the API's field names (or, for people, their labels), which the
/// import reads back.
pub const COLUMNS: &[&str] = &[
    "vin",
    "plate",
    "brand",
    "model",
    "version",
    "registration_year",
    "registration_date",
    "reception_date",
    "days_in_stock",
    "mileage_km",
    "colour",
    "fuel",
    "transmission",
    "power_cv",
    "vehicle_type",
    "stock_type",
    "status",
    "reserved",
    "published",
    "listing_url",
    "dealer",
    "province",
    "location",
    "purchase_price",
    "total_cost",
    "sale_price",
    "previous_price",
    "price_difference",
    "estimated_margin",
    "online_visits",
    "online_calls",
    "online_leads",
    "description",
];

fn header(words: Words) -> Vec<&'static str> {
    match words {
        Words::Codes => COLUMNS.to_vec(),
        Words::Labels(lang) => {
            COLUMNS.iter().map(|column| field_label(column).map_or(*column, |label| label.text(lang))).collect()
        }
    }
}

fn cells(v: &Vehicle, words: Words) -> Vec<Cell> {
    let text = |s: &Option<String>| s.clone().map_or(Cell::Empty, Cell::Text);
    // A code as is, or its label.
    let code = |code: &'static str, label: shared::labels::Label| match words {
        Words::Codes => Cell::Text(code.to_owned()),
        Words::Labels(lang) => Cell::Text(label.text(lang).to_owned()),
    };
    let boolean = |value: bool| match words {
        Words::Codes => Cell::Bool(value),
        Words::Labels(lang) => Cell::Text(yes_no(value).text(lang).to_owned()),
    };
    let province = match words {
        Words::Codes => &v.province_code,
        Words::Labels(_) => &v.province_name,
    };
    let money = |m: Option<shared::stock::Money>| m.map_or(Cell::Empty, |m| Cell::Money(m.cents()));
    let int = |n: Option<i32>| n.map_or(Cell::Empty, |n| Cell::Integer(n.into()));
    vec![
        Cell::Text(v.vin.clone()),
        text(&v.plate),
        Cell::Text(v.brand.clone()),
        Cell::Text(v.model.clone()),
        text(&v.version),
        int(v.registration_year),
        v.registration_date.map_or(Cell::Empty, Cell::Date),
        Cell::Date(v.reception_date),
        Cell::Integer(v.days_in_stock.into()),
        Cell::Integer(v.mileage_km.into()),
        text(&v.colour),
        v.fuel.map_or(Cell::Empty, |f| code(f.as_str(), f.label())),
        v.transmission.map_or(Cell::Empty, |t| code(t.as_str(), t.label())),
        int(v.power_cv),
        text(&v.vehicle_type),
        code(v.stock_type.as_str(), v.stock_type.label()),
        code(v.status.as_str(), v.status.label()),
        boolean(v.reserved),
        boolean(v.published),
        text(&v.listing_url),
        text(&v.dealer_name),
        text(province),
        text(&v.location),
        money(v.purchase_price),
        money(v.total_cost),
        money(Some(v.sale_price)),
        money(v.previous_price),
        money(v.price_difference),
        money(v.estimated_margin),
        Cell::Integer(v.online_visits.into()),
        Cell::Integer(v.online_calls.into()),
        Cell::Integer(v.online_leads.into()),
        text(&v.description),
    ]
}

/// Turns rows into file bytes, handing back a chunk whenever enough has gathered.
enum FileWriter {
    Csv {
        writer: Box<csv::Writer<SharedBuffer>>,
        buffer: SharedBuffer,
        comma_decimals: bool,
        words: Words,
    },
    Xlsx {
        zip: Box<zip::ZipWriter<zip::write::StreamWriter<SharedBuffer>>>,
        buffer: SharedBuffer,
        sheet: Vec<u8>,
        words: Words,
    },
}

/// The zip writer owns its output; the exporter drains the same buffer between rows.
#[derive(Clone, Default)]
struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl SharedBuffer {
    fn len(&self) -> usize {
        self.0.lock().expect("not poisoned").len()
    }

    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().expect("not poisoned"))
    }
}

impl FileWriter {
    fn new(format: Format, words: Words) -> FileWriter {
        match format {
            Format::Csv { bom, semicolon } => {
                let mut buffer = SharedBuffer::default();
                if bom {
                    buffer.write_all("\u{feff}".as_bytes()).expect("writing to memory");
                }
                let mut writer = csv::WriterBuilder::new()
                    .delimiter(if semicolon { b';' } else { b',' })
                    .from_writer(buffer.clone());
                writer.write_record(header(words)).expect("writing to memory");
                FileWriter::Csv { writer: Box::new(writer), buffer, comma_decimals: semicolon, words }
            }
            Format::Xlsx => {
                let buffer = SharedBuffer::default();
                let mut zip = zip::ZipWriter::new_stream(buffer.clone());
                xlsx::write_package_parts(&mut zip).expect("writing to memory");
                let mut sheet = Vec::with_capacity(CHUNK_BYTES * 2);
                xlsx::start_sheet(&mut sheet);
                xlsx::header_row(&mut sheet, &header(words));
                FileWriter::Xlsx { zip: Box::new(zip), buffer, sheet, words }
            }
        }
    }

    fn row(&mut self, vehicle: &Vehicle) -> std::io::Result<Option<Bytes>> {
        match self {
            FileWriter::Csv { writer, buffer, comma_decimals, words } => {
                let record: Vec<String> =
                    cells(vehicle, *words).into_iter().map(|cell| csv_text(cell, *comma_decimals)).collect();
                writer.write_record(&record)?;
                // csv keeps its own 8 KiB buffer and spills into ours as it fills.
                Ok((buffer.len() >= CHUNK_BYTES).then(|| Bytes::from(buffer.take())))
            }
            FileWriter::Xlsx { zip, buffer, sheet, words } => {
                xlsx::data_row(sheet, &cells(vehicle, *words));
                if sheet.len() >= CHUNK_BYTES {
                    zip.write_all(sheet)?;
                    sheet.clear();
                }
                let compressed = buffer.take();
                Ok((!compressed.is_empty()).then(|| Bytes::from(compressed)))
            }
        }
    }

    fn finish(self) -> std::io::Result<Bytes> {
        match self {
            FileWriter::Csv { mut writer, buffer, .. } => {
                writer.flush()?;
                Ok(Bytes::from(buffer.take()))
            }
            FileWriter::Xlsx { mut zip, buffer, mut sheet, .. } => {
                xlsx::end_sheet(&mut sheet);
                zip.write_all(&sheet)?;
                zip.finish().map_err(std::io::Error::other)?;
                Ok(Bytes::from(buffer.take()))
            }
        }
    }
}

fn csv_text(cell: Cell, comma_decimals: bool) -> String {
    match cell {
        // Text that a spreadsheet would run as a formula (CSV injection) is quoted with `'`;
        // the import takes the quote off again.
        Cell::Text(text) if text.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{text}"),
        Cell::Text(text) => text,
        Cell::Integer(n) => n.to_string(),
        Cell::Money(cents) => {
            let text = shared::stock::Money(cents).to_string();
            if comma_decimals { text.replace('.', ",") } else { text }
        }
        Cell::Date(date) => date.to_string(),
        Cell::Bool(b) => b.to_string(),
        Cell::Empty => String::new(),
    }
}

/// The smallest SpreadsheetML package spreadsheet programs open: one sheet of inline strings,
/// with date and money number formats.
mod xlsx {
    use std::io::Write;

    use chrono::NaiveDate;
    use zip::write::SimpleFileOptions;

    use super::Cell;

    const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;
    const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Stock" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;
    // Cell styles: 0 general, 1 date (built-in format 14), 2 money (#,##0.00), 3 bold header.
    const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs></styleSheet>"#;

    pub fn write_package_parts<W: Write>(
        zip: &mut zip::ZipWriter<zip::write::StreamWriter<W>>,
    ) -> zip::result::ZipResult<()> {
        let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
        ] {
            zip.start_file(name, options)?;
            zip.write_all(content.as_bytes())?;
        }
        // The sheet is the last entry: rows are streamed into it until `finish`.
        zip.start_file("xl/worksheets/sheet1.xml", options)
    }

    pub fn start_sheet(out: &mut Vec<u8>) {
        out.extend_from_slice(
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>"#,
        );
    }

    pub fn end_sheet(out: &mut Vec<u8>) {
        out.extend_from_slice(b"</sheetData></worksheet>");
    }

    pub fn header_row(out: &mut Vec<u8>, names: &[&str]) {
        out.extend_from_slice(b"<row>");
        for name in names {
            inline_string(out, name, 3);
        }
        out.extend_from_slice(b"</row>");
    }

    pub fn data_row(out: &mut Vec<u8>, cells: &[Cell]) {
        out.extend_from_slice(b"<row>");
        for cell in cells {
            match cell {
                Cell::Text(text) => inline_string(out, text, 0),
                Cell::Integer(n) => {
                    let _ = write!(out, "<c><v>{n}</v></c>");
                }
                Cell::Money(cents) => {
                    let _ = write!(out, r#"<c s="2"><v>{}</v></c>"#, shared::stock::Money(*cents));
                }
                Cell::Date(date) => {
                    let _ = write!(out, r#"<c s="1"><v>{}</v></c>"#, serial(*date));
                }
                Cell::Bool(b) => {
                    let _ = write!(out, r#"<c t="b"><v>{}</v></c>"#, u8::from(*b));
                }
                Cell::Empty => out.extend_from_slice(b"<c/>"),
            }
        }
        out.extend_from_slice(b"</row>");
    }

    fn inline_string(out: &mut Vec<u8>, text: &str, style: u8) {
        let _ = write!(out, r#"<c t="inlineStr" s="{style}"><is><t xml:space="preserve">"#);
        for c in text.chars() {
            match c {
                '&' => out.extend_from_slice(b"&amp;"),
                '<' => out.extend_from_slice(b"&lt;"),
                '>' => out.extend_from_slice(b"&gt;"),
                '"' => out.extend_from_slice(b"&quot;"),
                // XML 1.0 forbids control characters and the non-characters U+FFFE and U+FFFF:
                // one such character would make the whole file unreadable.
                c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
                '\u{FFFE}' | '\u{FFFF}' => {}
                c => {
                    let mut utf8 = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                }
            }
        }
        out.extend_from_slice(b"</t></is></c>");
    }

    /// Spreadsheet dates count days from 1899-12-30.
    fn serial(date: NaiveDate) -> i64 {
        (date - NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid date")).num_days()
    }
}
