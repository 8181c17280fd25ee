//! Form fields that show the API's problems for them, translated, right under the input.

use leptos::prelude::*;
use shared::FieldErrors;

use crate::i18n::{Msg, problem_message, use_i18n};

fn problems_of(errors: RwSignal<FieldErrors>, id: &'static str) -> Vec<String> {
    errors.with(|e| e.get(id).cloned().unwrap_or_default())
}

#[component]
fn Problems(errors: RwSignal<FieldErrors>, id: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        problems_of(errors, id)
            .into_iter()
            .map(|code| {
                let msg = problem_message(&code);
                view! { <p class="field-error" data-field=id>{move || i18n.t(msg)}</p> }
            })
            .collect_view()
    }
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
) -> impl IntoView {
    let i18n = use_i18n();
    let field = field.unwrap_or(id);
    view! {
        <div class="field">
            <label for=id>{move || i18n.t(label)}</label>
            <input id=id name=id type=kind autocomplete=autocomplete bind:value=value
                aria-invalid=move || (!problems_of(errors, field).is_empty()).to_string() />
            <Problems errors id=field />
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
            <Problems errors id />
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
            <Problems errors id=field />
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
