//! `/stock/import`: upload a CSV file and read the report (what was created, updated, and
//! which rows were rejected and why).

use leptos::html::Input;
use leptos::prelude::*;
use shared::FieldProblem;
use shared::stock::check::bounds;
use shared::stock::{ImportEvent, ImportMode, ImportProgress, ImportReport, RejectedRow};
use web_sys::AbortController;

use super::labels::field_label;
use super::query::last_list;
use crate::api::{ApiFailure, RawBody};
use crate::components::form::{Feedback, request, today};
use crate::events::{self, StreamFailure};
use crate::format;
use crate::i18n::{Lang, Msg, problem_text, use_i18n};
use crate::session::{Session, use_session};

/// How an upload ended.
#[derive(Clone)]
enum Outcome {
    /// Imported, or refused row by row (the report says which).
    Report(ImportReport),
    /// The file as a whole was refused, or the server could not be reached.
    Refused(ApiFailure),
}

/// Sends the file and follows the import's progress until its report.
async fn upload(
    session: Session,
    mode: ImportMode,
    file: web_sys::File,
    progress: RwSignal<Option<ImportProgress>>,
) -> Outcome {
    // The stream reader takes a controller; nothing aborts an import from the page.
    let Ok(controller) = AbortController::new() else { return Outcome::Refused(ApiFailure::Network) };
    let mode = match mode {
        ImportMode::AllOrNothing => "all_or_nothing",
        ImportMode::SkipInvalid => "skip_invalid",
    };
    let body = RawBody { content_type: "text/csv", data: file.into() };
    let mut end = None;
    let path = format!("/stock/import?mode={mode}");
    let streamed = events::stream(session, &path, Some(body), &controller, |event| match event {
        ImportEvent::Progress { progress: now } => progress.set(Some(now)),
        ImportEvent::Done { report } => end = Some(Outcome::Report(report)),
        ImportEvent::Failed { status, error } => end = Some(Outcome::Refused(ApiFailure::Api { status, body: error })),
    })
    .await;
    match (streamed, end) {
        (Ok(()), Some(end)) => end,
        (Err(StreamFailure::Refused(failure)), _) => Outcome::Refused(failure),
        // Cut off before its report: the server rolls an import back when its client goes.
        _ => Outcome::Refused(ApiFailure::Network),
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let file_input = NodeRef::<Input>::new();
    let mode = RwSignal::new(ImportMode::AllOrNothing);
    let answer = RwSignal::new(None::<Outcome>);
    let progress = RwSignal::new(None::<ImportProgress>);
    let file_size = RwSignal::new(0u64);
    let import = request(
        Feedback::new(),
        move |(mode, file): &(ImportMode, web_sys::File)| {
            let (mode, file) = (*mode, file.clone());
            async move { Ok(upload(session, mode, file, progress).await) }
        },
        move |outcome| answer.set(Some(outcome)),
    );
    let busy = import.pending();
    let report = move || match answer.get() {
        Some(Outcome::Report(report)) => Some(report),
        _ => None,
    };
    let no_file = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let file = file_input.get_untracked().and_then(|input| input.files()).and_then(|files| files.get(0));
        no_file.set(file.is_none());
        let Some(file) = file else { return };
        answer.set(None);
        progress.set(None);
        file_size.set(file.size() as u64);
        import.dispatch((mode.get_untracked(), file));
    };
    let mode_choice = move |value: ImportMode, id: &'static str, label: Msg| {
        view! {
            <label class="radio">
                <input type="radio" name="mode" id=id value=id prop:checked=move || mode.get() == value
                    on:change=move |_| mode.set(value) />
                {move || i18n.t(label)}
            </label>
        }
    };

    view! {
        <section class="page import-page">
            <div class="page-header">
                <h1>{move || i18n.t(Msg::ImportStock)}</h1>
                <a class="button secondary" href=last_list()>{move || i18n.t(Msg::BackToStock)}</a>
            </div>
            <div class="card import-help">
                <p>{move || i18n.t(Msg::ImportHelp)}</p>
                <p class="hint">{move || i18n.t(Msg::ImportColumns)}</p>
            </div>
            <form class="card form" id="import-form" on:submit=submit>
                <div class="field">
                    <label for="import-file">{move || i18n.t(Msg::CsvFile)}</label>
                    <input type="file" id="import-file" name="file" accept=".csv,text/csv" node_ref=file_input
                        aria-invalid=move || no_file.get().to_string() />
                    <Show when=move || no_file.get()>
                        <p class="field-error">{move || i18n.t(Msg::ChooseFile)}</p>
                    </Show>
                </div>
                <fieldset class="import-mode">
                    <legend>{move || i18n.t(Msg::IfInvalidRows)}</legend>
                    {mode_choice(ImportMode::AllOrNothing, "all_or_nothing", Msg::ModeAllOrNothing)}
                    {mode_choice(ImportMode::SkipInvalid, "skip_invalid", Msg::ModeSkipInvalid)}
                </fieldset>
                <div class="form-actions">
                    <button class="button primary" type="submit" id="import-upload" disabled=move || busy.get()>
                        {move || i18n.t(if busy.get() { Msg::Importing } else { Msg::UploadImport })}
                    </button>
                </div>
                <Show when=move || busy.get()>
                    <ImportRunning progress file_size=file_size.get_untracked() />
                </Show>
                {move || match answer.get() {
                    Some(Outcome::Refused(failure)) => Some(view! { <ImportFailure failure /> }),
                    _ => None,
                }}
            </form>
            {move || report().map(|report| view! { <ImportReportView report /> })}
        </section>
    }
    .into_any()
}

/// A running import: how much of the file the server has read, and its rows so far.
#[component]
fn ImportRunning(progress: RwSignal<Option<ImportProgress>>, file_size: u64) -> impl IntoView {
    let i18n = use_i18n();
    let count = move |label: Msg, value: fn(&ImportProgress) -> u64| {
        let lang = i18n.lang();
        let value = progress.with(|progress| progress.as_ref().map_or(0, value));
        format!("{}: {}", label.text(lang), format::integer(value as i64, lang))
    };
    let read = move || progress.with(|progress| progress.map_or(0, |p| p.bytes_read.min(file_size)));
    view! {
        <div class="import-progress" role="status">
            <progress max=file_size.max(1).to_string() value=move || read().to_string()></progress>
            <p>
                {move || if file_size > 0 && read() >= file_size {
                    i18n.t(Msg::ImportCommitting).to_owned()
                } else {
                    format!("{} % {}", read() * 100 / file_size.max(1), i18n.t(Msg::OfTheFileRead))
                }}
            </p>
            <p class="hint">
                {move || [
                    count(Msg::RowsRead, |p| p.rows_read),
                    count(Msg::RowsApplied, |p| p.rows_applied),
                    count(Msg::RowsRejected, |p| p.rows_rejected),
                ].join(" · ")}
            </p>
        </div>
    }
}

/// Why the file was refused as a whole: not readable text, or a header without the required
/// columns (or with one twice). The API's English message names the columns or the byte at fault.
#[component]
fn ImportFailure(failure: ApiFailure) -> impl IntoView {
    let i18n = use_i18n();
    let fields = failure.fields();
    let has =
        |field: &str, problem: FieldProblem| fields.get(field).is_some_and(|p| p.iter().any(|p| p == problem.as_str()));
    let msg = if has("columns", FieldProblem::Duplicate) {
        Msg::ImportDuplicateColumn
    } else if fields.contains_key("columns") {
        Msg::ImportMissingColumns
    } else if fields.contains_key("file") {
        Msg::ImportUnreadableFile
    } else {
        failure.message()
    };
    let detail = match &failure {
        ApiFailure::Api { body, .. } if fields.contains_key("columns") || fields.contains_key("file") => {
            Some(body.message.clone())
        }
        _ => None,
    };
    view! {
        <div class="form-error import-error" role="alert">
            <p>{move || i18n.t(msg)}</p>
            {detail.map(|detail| view! { <p class="detail">{detail}</p> })}
        </div>
    }
}

/// One problem of a rejected row in words: `Precio de venta: «abc» no es un importe válido`.
fn problem_sentence(problem: &RejectedRow, lang: Lang) -> String {
    if problem.field == "row" {
        return Msg::ImportRowUnreadable.text(lang).to_owned();
    }
    let field = field_label(&problem.field).map_or(problem.field.as_str(), |msg| msg.text(lang));
    let what = match FieldProblem::parse(&problem.problem) {
        Some(FieldProblem::Invalid) => match problem.field.as_str() {
            "purchase_price" | "total_cost" | "sale_price" => Msg::ImportNotAnAmount.text(lang).to_owned(),
            "registration_year" | "mileage_km" | "power_cv" | "online_visits" | "online_calls" | "online_leads" => {
                Msg::ImportNotAWholeNumber.text(lang).to_owned()
            }
            "registration_date" | "reception_date" => Msg::ImportNotADate.text(lang).to_owned(),
            "reserved" | "published" => Msg::ImportNotYesNo.text(lang).to_owned(),
            _ => Msg::ImportNotValid.text(lang).to_owned(),
        },
        Some(FieldProblem::Duplicate) => match problem.earlier_row {
            Some(row) => format!("{} {row}", Msg::ImportAlreadyOnRow.text(lang)),
            None => lower_first(Msg::ProblemDuplicate.text(lang)),
        },
        _ => lower_first(&problem_text(&problem.problem, bounds(&problem.field, today()), lang)),
    };
    match &problem.value {
        Some(value) => match lang {
            Lang::Es => format!("{field}: «{value}» {what}"),
            Lang::En => format!("{field}: “{value}” {what}"),
        },
        None => format!("{field}: {what}"),
    }
}

/// "Debe ser…" in the middle of a sentence.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

/// A rejected row: its line, its VIN if known, and its problems.
type RowProblems = (u64, Option<String>, Vec<RejectedRow>);

/// The report's problems, one entry per row (they come in file order).
fn by_row(problems: &[RejectedRow]) -> Vec<RowProblems> {
    let mut rows: Vec<RowProblems> = Vec::new();
    for problem in problems {
        match rows.last_mut() {
            Some((row, _, list)) if *row == problem.row => list.push(problem.clone()),
            _ => rows.push((problem.row, problem.vin.clone(), vec![problem.clone()])),
        }
    }
    rows
}

#[component]
fn ImportReportView(report: ImportReport) -> impl IntoView {
    let i18n = use_i18n();
    let outcome = if report.committed { Msg::ImportCommitted } else { Msg::ImportNothingWritten };
    let rows = by_row(&report.rejected);
    let shown = rows.len() as u64;
    // Rows, not problems (an older API only counted problems).
    let total_rejected = if report.rejected_rows > 0 { report.rejected_rows } else { report.rejected_total };
    let stat = move |key: &'static str, label: Msg, value: u64| {
        view! {
            <div class="stat">
                <dt>{move || i18n.t(label)}</dt>
                <dd data-stat=key>{move || format::integer(value as i64, i18n.lang())}</dd>
            </div>
        }
    };
    view! {
        <section class="card import-report" data-committed=report.committed.to_string()>
            <h2>{move || i18n.t(Msg::ImportReport)}</h2>
            <p class=if report.committed { "notice" } else { "form-error" } role="status">{move || i18n.t(outcome)}</p>
            <dl class="import-summary">
                {stat("rows", Msg::RowsRead, report.rows)}
                {stat("created", Msg::RowsCreated, report.created)}
                {stat("updated", Msg::RowsUpdated, report.updated)}
                {stat("unchanged", Msg::RowsUnchanged, report.unchanged)}
                {stat("rejected", Msg::RowsRejected, total_rejected)}
            </dl>
            {(!rows.is_empty()).then(|| {
                let body = move || {
                    let lang = i18n.lang();
                    rows.iter()
                        .map(|(row, vin, problems)| {
                            let heading = match vin {
                                Some(vin) => format!("{} {row} · {vin}", Msg::Row.text(lang)),
                                None => format!("{} {row}", Msg::Row.text(lang)),
                            };
                            let sentences = problems
                                .iter()
                                .map(|problem| {
                                    view! {
                                        <li data-column=problem.field.clone() data-problem=problem.problem.clone()>
                                            {problem_sentence(problem, lang)}
                                        </li>
                                    }
                                })
                                .collect_view();
                            view! {
                                <li class="rejected-row" data-row=*row>
                                    <strong>{heading}</strong>
                                    <ul>{sentences}</ul>
                                </li>
                            }
                        })
                        .collect_view()
                };
                view! {
                    <h3>{move || i18n.t(Msg::RejectedRows)}</h3>
                    {(total_rejected > shown).then(|| view! {
                        <p class="hint">
                            {move || format!("{} {} / {}", i18n.t(Msg::Showing), format::integer(shown as i64, i18n.lang()),
                                format::integer(total_rejected as i64, i18n.lang()))}
                        </p>
                    })}
                    <ul class="rejected-rows">{body}</ul>
                }
            })}
        </section>
    }
}
