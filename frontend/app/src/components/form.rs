//! Form fields that show their problems, translated, right under the input: the ones the
//! browser finds with the shared rules (before anything is sent, and again as the user types)
//! and the ones only the API can find.

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;
use shared::stock::check::Bounds;
use shared::{FieldErrors, FieldProblem};

use crate::api::ApiFailure;
use crate::i18n::{Msg, problem_text, use_i18n};

fn problems_of(errors: RwSignal<FieldErrors>, id: &'static str) -> Vec<String> {
    errors.with(|e| e.get(id).cloned().unwrap_or_default())
}

#[component]
fn Problems(errors: RwSignal<FieldErrors>, id: &'static str, bounds: Option<Bounds>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        problems_of(errors, id)
            .into_iter()
            .map(|code| {
                view! { <p class="field-error" data-field=id>{move || problem_text(&code, bounds, i18n.lang())}</p> }
            })
            .collect_view()
    }
}

/// Problems only the API can find (it holds the data): they stay until the next submit.
fn server_only(code: &str) -> bool {
    use FieldProblem::*;
    matches!(
        FieldProblem::parse(code),
        Some(AlreadyTaken | UnknownReference | SelfReference | Cycle | WrongPassword | InUse | TooCommon)
    )
}

/// Checks a form in the browser with `check` (the shared rules): call the returned function on
/// submit; it shows every problem at once and says whether the form may be sent. From then on
/// the problems follow the user's typing, so a fixed field loses its message straight away.
pub fn live_check(
    errors: RwSignal<FieldErrors>,
    check: impl Fn() -> FieldErrors + Copy + 'static,
) -> impl Fn() -> bool + Copy + 'static {
    let active = RwSignal::new(false);
    let show = move |found: FieldErrors| {
        errors.update(|shown| {
            let mut merged = found;
            for (field, codes) in shown.iter() {
                for code in codes.iter().filter(|code| server_only(code)) {
                    let kept = merged.entry(field.clone()).or_default();
                    if !kept.contains(code) {
                        kept.push(code.clone());
                    }
                }
            }
            *shown = merged;
        });
    };
    Effect::new(move |_| {
        if active.get() {
            show(check());
        }
    });
    move || {
        active.set(true);
        let found = untrack(check);
        let ok = found.is_empty();
        // A new submit starts afresh: the API's earlier answer no longer applies.
        errors.set(found);
        ok
    }
}

/// Problems found by the shared checks, keyed by field like the API's.
pub fn field_errors(problems: impl IntoIterator<Item = (&'static str, FieldProblem)>) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for (field, problem) in problems {
        let codes = errors.entry(field.to_owned()).or_default();
        if !codes.iter().any(|code| code == problem.as_str()) {
            codes.push(problem.as_str().to_owned());
        }
    }
    errors
}

/// A person's contact fields and dates, with the backend's shared rules (`shared::validation`).
/// Dates that do not read as dates are invalid; a blank field is no value.
pub fn person_problems(
    names: [(&'static str, String); 2],
    mobile: &str,
    dates: [(&'static str, String); 3],
) -> Vec<(&'static str, FieldProblem)> {
    use shared::validation::{check_mobile, check_name, check_person_dates};
    let mut problems = Vec::new();
    for (field, name) in names {
        problems.extend(check_name(&name).map(|p| (field, p)));
    }
    problems.extend(check_mobile(mobile).map(|p| ("mobile", p)));
    let mut parsed = [None; 3];
    for (slot, (field, text)) in parsed.iter_mut().zip(&dates) {
        if !text.trim().is_empty() {
            *slot = parse_date(text);
            if slot.is_none() {
                problems.push((*field, FieldProblem::Invalid));
            }
        }
    }
    problems.extend(check_person_dates(parsed[0], parsed[1], parsed[2], latest_today()));
    problems
}

/// Today where the browser is (the server decides, with the dealerships' time zone).
pub fn today() -> chrono::NaiveDate {
    let now = web_sys::js_sys::Date::new_0();
    chrono::NaiveDate::from_ymd_opt(now.get_full_year() as i32, now.get_month() + 1, now.get_date()).unwrap_or_default()
}

/// The "today" for checks of dates not yet allowed: the browser's clock may be a day behind
/// the dealerships' (a browser in another time zone), so it allows one more day; the server,
/// with the dealerships' time zone, has the last word.
pub fn latest_today() -> chrono::NaiveDate {
    let today = today();
    today.succ_opt().unwrap_or(today)
}

/// `id` is the element's id; `field` the API field whose problems it shows (default: `id`).
#[component]
pub fn TextField(
    id: &'static str,
    label: Msg,
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
    #[prop(optional)] field: Option<&'static str>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    /// For numbers: a text input (`type="number"` would hide a typed `-`) with this keyboard.
    #[prop(optional)]
    inputmode: Option<&'static str>,
    /// For numbers: the range, named in the "must be at least…" messages.
    #[prop(optional)]
    bounds: Option<Bounds>,
) -> impl IntoView {
    let i18n = use_i18n();
    let field = field.unwrap_or(id);
    view! {
        <div class="field">
            <label for=id>{move || i18n.t(label)}</label>
            <input id=id name=id type=kind autocomplete=autocomplete inputmode=inputmode bind:value=value
                aria-invalid=move || (!problems_of(errors, field).is_empty()).to_string() />
            <Problems errors id=field bounds />
        </div>
    }
}

/// Longer text (a description); like [`TextField`] otherwise.
#[component]
pub fn TextAreaField(
    id: &'static str,
    label: Msg,
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
    #[prop(default = 4)] rows: u32,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="field wide">
            <label for=id>{move || i18n.t(label)}</label>
            <textarea id=id name=id rows=rows bind:value=value
                aria-invalid=move || (!problems_of(errors, id).is_empty()).to_string()></textarea>
            <Problems errors id bounds=None />
        </div>
    }
}

/// A select over `(value, label)` options; the empty value means "none".
#[component]
pub fn SelectField(
    id: &'static str,
    label: Msg,
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
    options: Signal<Vec<(String, String)>>,
    #[prop(optional)] empty: Option<Msg>,
    #[prop(optional)] field: Option<&'static str>,
) -> impl IntoView {
    let i18n = use_i18n();
    let field = field.unwrap_or(id);
    view! {
        <div class="field">
            <label for=id>{move || i18n.t(label)}</label>
            <select id=id name=id on:change=move |ev| value.set(event_target_value(&ev)) prop:value=move || value.get()
                aria-invalid=move || (!problems_of(errors, field).is_empty()).to_string()>
                {empty.map(|msg| view! { <option value="">{move || i18n.t(msg)}</option> })}
                {move || {
                    options
                        .get()
                        .into_iter()
                        .map(|(option, text)| {
                            let selected = value.get_untracked() == option;
                            view! { <option value=option selected=selected>{text}</option> }
                        })
                        .collect_view()
                }}
            </select>
            <Problems errors id=field bounds=None />
        </div>
    }
}

#[component]
pub fn CheckboxField(id: &'static str, label: Msg, checked: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="field checkbox">
            <label>
                <input id=id name=id type="checkbox" bind:checked=checked />
                {move || i18n.t(label)}
            </label>
        </div>
    }
}

/// A status line under a form: a success notice or an error, translated.
#[component]
pub fn FormStatus(status: RwSignal<Option<Result<Msg, Msg>>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        status.get().map(|result| match result {
            Ok(msg) => view! { <p class="notice" role="status">{move || i18n.t(msg)}</p> }.into_any(),
            Err(msg) => view! { <p class="form-error" role="alert">{move || i18n.t(msg)}</p> }.into_any(),
        })
    }
}

pub fn parse_id(value: &str) -> Option<i64> {
    value.trim().parse().ok()
}

pub fn parse_date(value: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok()
}

/// What a form shows about its last request: each field's problems under it, and one message.
#[derive(Clone, Copy)]
pub struct Feedback {
    pub errors: RwSignal<FieldErrors>,
    pub status: RwSignal<Option<Result<Msg, Msg>>>,
}

impl Feedback {
    pub fn new() -> Self {
        Feedback { errors: RwSignal::new(FieldErrors::new()), status: RwSignal::new(None) }
    }

    pub fn failed(&self, failure: &ApiFailure) {
        let fields = failure.fields();
        // A record something still refers to says so, rather than the generic conflict.
        let in_use = fields.values().flatten().any(|code| code == FieldProblem::InUse.as_str());
        self.status.set(Some(Err(if in_use { Msg::ProblemInUse } else { failure.message() })));
        self.errors.set(fields);
    }

    pub fn clear(&self) {
        self.errors.set(FieldErrors::new());
        self.status.set(None);
    }
}

impl Default for Feedback {
    fn default() -> Self {
        Self::new()
    }
}

/// A request a screen sends (save, delete, switch), run by a Leptos action: the framework
/// runs it and tracks it ([`Request::pending`], so a button can refuse a second click), a
/// failure lands in the screen's [`Feedback`], and `done` gets the answer.
pub struct Request<I: 'static> {
    action: Action<Job, ()>,
    start: StoredValue<Rc<dyn Fn(I) -> Work>, LocalStorage>,
}

type Work = Pin<Box<dyn Future<Output = ()>>>;

/// One request's work, handed to the action. Every screen's requests share this one action
/// type: each distinct `Action<I, O>` would add its own copy of the reactive code to the
/// download.
#[derive(Clone)]
pub struct Job(Rc<RefCell<Option<Work>>>);

impl<I: 'static> Clone for Request<I> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I: 'static> Copy for Request<I> {}

impl<I: 'static> Request<I> {
    pub fn dispatch(&self, input: I) {
        let work = self.start.with_value(|start| start(input));
        self.action.dispatch_local(Job(Rc::new(RefCell::new(Some(work)))));
    }

    /// True while a request is on its way.
    pub fn pending(&self) -> Memo<bool> {
        self.action.pending()
    }
}

/// A [`Request`] that sends what `send` makes of its input.
pub fn request<I, O, Fu>(
    feedback: Feedback,
    send: impl Fn(&I) -> Fu + 'static,
    done: impl Fn(O) + Clone + 'static,
) -> Request<I>
where
    I: 'static,
    O: 'static,
    Fu: Future<Output = Result<O, ApiFailure>> + 'static,
{
    let start = move |input: I| -> Work {
        let answer = send(&input);
        let done = done.clone();
        Box::pin(async move {
            match answer.await {
                Ok(value) => done(value),
                Err(failure) => feedback.failed(&failure),
            }
        })
    };
    let action = Action::new_local(|job: &Job| {
        let work = job.0.borrow_mut().take();
        async move {
            if let Some(work) = work {
                work.await;
            }
        }
    });
    Request { action, start: StoredValue::new_local(Rc::new(start)) }
}
