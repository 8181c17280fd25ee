//! The list's filters: the search box, the panel fed by `/api/stock/facets`, and the chips
//! of the active filters. Every control is named after its `StockQuery` parameter.

use std::time::Duration;

use gloo_timers::future::sleep;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::FieldErrors;
use shared::stock::{
    FacetValue, MAX_SEARCH_QUERY_CHARS, Money, SearchMode, StockFacets, StockQuery, Transmission, VehicleStatus,
};

use super::labels::{code_name, field_label, status_name, transmission_name};
use super::query::{DEFAULT_MODE, Slot, StockUrl, is_ranked, search_mode};
use crate::format;
use crate::i18n::{I18n, Msg, use_i18n};

/// How long typing must pause before the list reloads.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// An input handler that commits the text once typing pauses, not on every keystroke.
fn debounced(commit: impl Fn(String) + Copy + 'static) -> impl Fn(leptos::ev::Event) + Copy + 'static {
    let typed = StoredValue::new(0_u64);
    move |ev| {
        let text = event_target_value(&ev);
        typed.update_value(|count| *count += 1);
        let mine = typed.get_value();
        spawn_local(async move {
            sleep(DEBOUNCE).await;
            // Still the last keystroke, and the page is still there.
            if typed.try_get_value() == Some(mine) {
                commit(text);
            }
        });
    }
}

/// The search box and how it matches: by words (the list), by meaning or both (the ranked
/// search). The mode is a URL parameter like the filters.
#[component]
pub fn SearchBox(url: StockUrl) -> impl IntoView {
    let i18n = use_i18n();
    let param: Slot = |q| &mut q.q;
    let mode = move || url.query.with(search_mode);
    let placeholder =
        move || i18n.t(if mode() == SearchMode::Text { Msg::SearchStock } else { Msg::SearchStockMeaning });
    let choose = move |ev: leptos::ev::Event| {
        let chosen = event_target_value(&ev).parse().unwrap_or(DEFAULT_MODE);
        url.update(|q| {
            q.mode = (chosen != DEFAULT_MODE).then(|| chosen.as_str().to_owned());
            q.page = None;
            // A new ranked search starts with its best matches.
            if is_ranked(q) {
                q.sort = None;
            }
        });
    };
    view! {
        <div class="stock-search-bar">
            <label class="stock-search">
                <span class="visually-hidden">{move || i18n.t(Msg::Search)}</span>
                <input class="search" type="search" name="q" autocomplete="off" maxlength=MAX_SEARCH_QUERY_CHARS
                    placeholder=placeholder prop:value=move || url.value(param)
                    on:input=debounced(move |text| url.set_filter(param, text)) />
            </label>
            <label class="search-mode" title=move || i18n.t(Msg::SearchModeHint)>
                <span class="visually-hidden">{move || i18n.t(Msg::SearchModeLabel)}</span>
                <select id="search-mode" name="mode" prop:value=move || mode().as_str() on:change=choose>
                    {SEARCH_MODES
                        .map(|(choice, label)| {
                            view! {
                                <option value=choice.as_str() selected=move || mode() == choice>
                                    {move || i18n.t(label)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
        </div>
    }
}

/// The choices of the mode select, the recommended one first.
const SEARCH_MODES: [(SearchMode, Msg); 3] = [
    (SearchMode::Hybrid, Msg::SearchModeHybrid),
    (SearchMode::Semantic, Msg::SearchModeSemantic),
    (SearchMode::Text, Msg::SearchModeText),
];

/// `(value, "label (count)")` pairs for a select; `name` translates codes.
fn facet_options(values: &[FacetValue], name: impl Fn(&str) -> Option<String>) -> Vec<(String, String)> {
    values
        .iter()
        .map(|facet| {
            let label = name(&facet.value).unwrap_or_else(|| facet.label.clone());
            (facet.value.clone(), format!("{label} ({})", facet.count))
        })
        .collect()
}

/// Shows or hides the filter panel; it counts the filters applied (the search box aside, which
/// stays in view), so a folded panel does not hide that the list is filtered.
#[component]
pub fn FilterToggle(url: StockUrl, open: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let applied = move || url.query.with(|q| q.filters().into_iter().filter(|(name, _)| *name != "q").count());
    view! {
        <button type="button" class="button secondary filter-toggle" id="filter-toggle" aria-controls="filter-panel"
            aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
            {move || i18n.t(Msg::Filters)}
            {move || (applied() > 0).then(|| view! { " " <span class="badge">{applied()}</span> })}
            <span class="toggle-arrow" aria-hidden="true">{move || if open.get() { " ▴" } else { " ▾" }}</span>
        </button>
    }
}

#[component]
pub fn FilterPanel(
    url: StockUrl,
    facets: Signal<StockFacets>,
    invalid: Signal<FieldErrors>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let from_facets = move |pick: fn(&StockFacets) -> &Vec<FacetValue>, parameter: &'static str| {
        Signal::derive(move || {
            let lang = i18n.lang();
            facets.with(|f| facet_options(pick(f), |code| code_name(parameter, code).map(|m| m.text(lang).to_owned())))
        })
    };
    let statuses = Signal::derive(move || {
        VehicleStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), i18n.t(status_name(*s)).to_owned()))
            .collect::<Vec<_>>()
    });
    let transmissions = Signal::derive(move || {
        Transmission::ALL
            .iter()
            .map(|t| (t.as_str().to_owned(), i18n.t(transmission_name(*t)).to_owned()))
            .collect::<Vec<_>>()
    });
    let yes_no = Signal::derive(move || {
        vec![("true".to_owned(), i18n.t(Msg::Yes).to_owned()), ("false".to_owned(), i18n.t(Msg::No).to_owned())]
    });
    let no_brand = Signal::derive(move || url.value(|q| &mut q.brand).is_empty());

    view! {
        <form class="filter-panel card" id="filter-panel" hidden=move || !open.get()
            on:submit=move |ev: leptos::ev::SubmitEvent| ev.prevent_default()>
            <div class="filter-selects">
                <FilterSelect url name="brand" param=|q| &mut q.brand options=from_facets(|f| &f.brands, "brand") />
                <FilterSelect url name="model" param=|q| &mut q.model options=from_facets(|f| &f.models, "model")
                    disabled=no_brand />
                <FilterSelect url name="fuel" param=|q| &mut q.fuel options=from_facets(|f| &f.fuels, "fuel") />
                <FilterSelect url name="transmission" param=|q| &mut q.transmission options=transmissions />
                <FilterSelect url name="province" param=|q| &mut q.province
                    options=from_facets(|f| &f.provinces, "province") />
                <FilterSelect url name="dealer_id" param=|q| &mut q.dealer_id options=from_facets(|f| &f.dealers, "dealer_id") />
                <FilterSelect url name="stock_type" param=|q| &mut q.stock_type
                    options=from_facets(|f| &f.stock_types, "stock_type") />
                <FilterSelect url name="status" param=|q| &mut q.status options=statuses />
                <FilterSelect url name="reserved" param=|q| &mut q.reserved options=yes_no />
                <FilterSelect url name="published" param=|q| &mut q.published options=yes_no />
            </div>
            <div class="filter-ranges">
                <RangeInput url invalid name="price_min" param=|q| &mut q.price_min />
                <RangeInput url invalid name="price_max" param=|q| &mut q.price_max />
                <RangeInput url invalid name="km_min" param=|q| &mut q.km_min />
                <RangeInput url invalid name="km_max" param=|q| &mut q.km_max />
                <RangeInput url invalid name="year_min" param=|q| &mut q.year_min />
                <RangeInput url invalid name="year_max" param=|q| &mut q.year_max />
                <RangeInput url invalid name="days_in_stock_min" param=|q| &mut q.days_in_stock_min />
                <RangeInput url invalid name="days_in_stock_max" param=|q| &mut q.days_in_stock_max />
            </div>
        </form>
    }
}

/// Every filter parameter has a label; the search box's is the fallback. The body type (set by
/// the assistant's links) reads as such rather than as the vehicle's field name.
fn label_of(name: &str) -> Msg {
    match name {
        "vehicle_type" => Msg::BodyType,
        _ => field_label(name).unwrap_or(Msg::Search),
    }
}

/// A select over `(value, label)` options with "Todos" first. The URL's value stays selectable
/// even before (or without) the facets listing it.
/// A select's options with `current` selected; a value from the URL that the facets no longer
/// list is kept, so the select shows what is applied.
pub(crate) fn select_options(current: String, mut choices: Vec<(String, String)>) -> impl IntoView {
    if !current.is_empty() && !choices.iter().any(|(value, _)| *value == current) {
        choices.push((current.clone(), current.clone()));
    }
    choices
        .into_iter()
        .map(|(value, text)| {
            let selected = value == current;
            view! { <option value=value selected=selected>{text}</option> }
        })
        .collect_view()
}

#[component]
fn FilterSelect(
    url: StockUrl,
    name: &'static str,
    param: Slot,
    options: Signal<Vec<(String, String)>>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let label = label_of(name);
    let current = move || url.value(param);
    let choices = move || select_options(current(), options.get());
    view! {
        <label class="filter">
            <span>{move || i18n.t(label)}</span>
            <select name=name disabled=disabled prop:value=current on:change=move |ev| url.set_filter(param, event_target_value(&ev))>
                <option value="">{move || i18n.t(Msg::All)}</option>
                {choices}
            </select>
        </label>
    }
}

/// A minimum or maximum (price in euros, km, year, days in stock).
#[component]
fn RangeInput(url: StockUrl, name: &'static str, param: Slot, invalid: Signal<FieldErrors>) -> impl IntoView {
    let i18n = use_i18n();
    let label = label_of(name);
    view! {
        <label class="filter range">
            <span>{move || i18n.t(label)}</span>
            <input type="text" inputmode="decimal" name=name autocomplete="off" prop:value=move || url.value(param)
                aria-invalid=move || invalid.with(|errors| errors.contains_key(name)).to_string()
                on:input=debounced(move |text| url.set_filter(param, text)) />
        </label>
    }
}

/// How a filter's value reads on its chip: names instead of codes and ids, formatted numbers.
fn chip_value(i18n: I18n, facets: &StockFacets, name: &str, value: &str) -> String {
    let lang = i18n.lang();
    let from_facet = |values: &[FacetValue]| values.iter().find(|f| f.value == value).map(|f| f.label.clone());
    let named = match name {
        "province" => from_facet(&facets.provinces),
        "dealer_id" => from_facet(&facets.dealers),
        "price_min" | "price_max" => Money::parse(value).map(|m| format::money(m, lang)),
        "km_min" | "km_max" => value.trim().parse().ok().map(|km| format::kilometres(km, lang)),
        _ => code_name(name, value).map(|msg| msg.text(lang).to_owned()),
    };
    named.unwrap_or_else(|| value.to_owned())
}

/// One chip per active filter (× removes it) and "Limpiar filtros".
#[component]
pub fn ActiveFilters(url: StockUrl, facets: Signal<StockFacets>) -> impl IntoView {
    let i18n = use_i18n();
    let chips = move || {
        let active: Vec<(&'static str, String)> =
            url.query.with(|q| q.filters().into_iter().map(|(name, value)| (name, value.to_owned())).collect());
        (!active.is_empty()).then(|| {
            let chips = active
                .into_iter()
                .map(|(name, value)| {
                    let text = facets.with(|f| chip_value(i18n, f, name, &value));
                    let remove = move |_| {
                        url.update(|q| {
                            q.clear(name);
                            q.page = None;
                        })
                    };
                    view! {
                        <li class="chip" data-filter=name>
                            {move || i18n.t(label_of(name))} ": " {text}
                            <button type="button" class="chip-remove" data-remove=name
                                aria-label=move || i18n.t(Msg::RemoveFilter) on:click=remove>"×"</button>
                        </li>
                    }
                })
                .collect_view();
            let clear_all = move |_| {
                url.update(|q| {
                    *q = StockQuery {
                        mode: q.mode.take(),
                        sort: q.sort.take(),
                        page_size: q.page_size.take(),
                        ..Default::default()
                    }
                })
            };
            view! {
                <div class="active-filters">
                    <ul class="filter-chips">{chips}</ul>
                    <button type="button" class="link" id="clear-filters" on:click=clear_all>
                        {move || i18n.t(Msg::ClearFilters)}
                    </button>
                </div>
            }
        })
    };
    view! { {chips} }
}
