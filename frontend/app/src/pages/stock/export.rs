//! "Exportar CSV" / "Exportar Excel": the current filters and sort, as a file. The export
//! needs the access token, so it is fetched like any API call and then handed to the browser
//! as a download through a temporary object URL.

use std::time::Duration;

use gloo_timers::future::sleep;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, HtmlAnchorElement, Url};

use super::query::{StockUrl, is_ranked, to_query_string, without_paging};
use crate::api::{self, ApiFailure, Method};
use crate::components::form::{Feedback, request};
use crate::i18n::{Lang, Msg, use_i18n};
use crate::session::{Session, use_session};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Xlsx,
}

impl Format {
    fn code(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

#[component]
pub fn ExportButtons(url: StockUrl) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let feedback = Feedback::new();
    let downloading = request(
        feedback,
        move |format: &Format| {
            let lang = i18n.lang();
            let query = without_paging(&url.query.get_untracked());
            // A search by meaning exports its ranked vehicles, as shown; otherwise the list's rows.
            let endpoint = if is_ranked(&query) { "/stock/search/export" } else { "/stock/export" };
            let filters = to_query_string(&query);
            let format = *format;
            async move { download(session, endpoint, format, &filters, lang).await }
        },
        move |()| {},
    );
    let busy = downloading.pending();
    let error = move || feedback.status.get().and_then(Result::err);
    let export = move |format: Format| {
        move |_| {
            feedback.clear();
            downloading.dispatch(format);
        }
    };
    view! {
        <div class="export">
            <button type="button" class="button secondary" data-export="csv" disabled=move || busy.get()
                on:click=export(Format::Csv)>
                {move || i18n.t(Msg::ExportCsv)}
            </button>
            <button type="button" class="button secondary" data-export="xlsx" disabled=move || busy.get()
                on:click=export(Format::Xlsx)>
                {move || i18n.t(Msg::ExportExcel)}
            </button>
            {move || error().map(|msg| view! { <span class="form-error" role="alert">{move || i18n.t(msg)}</span> })}
        </div>
    }
}

async fn download(
    session: Session,
    endpoint: &str,
    format: Format,
    filters: &str,
    lang: Lang,
) -> Result<(), ApiFailure> {
    // Headers and values in the user's language ("Precio de venta", "Diésel", "Sí").
    let mut path = format!("{endpoint}?format={}&lang={}", format.code(), lang.code());
    if format == Format::Csv {
        // A BOM makes Excel read UTF-8; Spanish Excel expects `;` between columns.
        path.push_str("&bom=true");
        if lang == Lang::Es {
            path.push_str("&separator=semicolon");
        }
    }
    if !filters.is_empty() {
        path = format!("{path}&{filters}");
    }
    let response = session.fetch(Method::Get, &path, None).await?;
    if !response.ok() {
        return Err(api::failure(response).await);
    }
    let filename = response
        .headers()
        .get("content-disposition")
        .and_then(|header| attachment_filename(&header))
        .unwrap_or_else(|| format!("stock.{}", format.code()));
    let raw: web_sys::Response = response.into();
    let blob = match raw.blob() {
        Ok(promise) => JsFuture::from(promise).await.ok().and_then(|b| b.dyn_into::<Blob>().ok()),
        Err(_) => None,
    };
    match blob {
        Some(blob) => {
            save(&blob, &filename);
            Ok(())
        }
        None => Err(ApiFailure::Network),
    }
}

/// `attachment; filename="stock-2025-01-31.csv"` → `stock-2025-01-31.csv`.
fn attachment_filename(header: &str) -> Option<String> {
    header.split(';').find_map(|part| {
        let value = part.trim().strip_prefix("filename=")?;
        let name = value.trim_matches('"');
        (!name.is_empty()).then(|| name.to_owned())
    })
}

/// Hands a blob to the browser as a download, through a temporary `<a download>`.
fn save(blob: &Blob, filename: &str) {
    let Ok(object_url) = Url::create_object_url_with_blob(blob) else { return };
    let anchor = document().create_element("a").ok().and_then(|a| a.dyn_into::<HtmlAnchorElement>().ok());
    if let (Some(anchor), Some(body)) = (anchor, document().body()) {
        anchor.set_href(&object_url);
        anchor.set_download(filename);
        if body.append_child(&anchor).is_ok() {
            anchor.click();
            anchor.remove();
        }
    }
    // Revoked a little later: some browsers start reading the URL only after the click returns.
    spawn_local(async move {
        sleep(Duration::from_secs(10)).await;
        let _ = Url::revoke_object_url(&object_url);
    });
}
