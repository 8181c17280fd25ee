//! `/stock`: the paginated, sortable, filterable vehicle list.

use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use shared::pagination::DEFAULT_PAGE_SIZE;
use shared::stock::{SearchPage, Sort, SortField, StockFacets, Vehicle};
use shared::{Page, Permission};
use wasm_bindgen::JsCast;

use super::columns::{self, COLUMNS, default_columns};
use super::export::ExportButtons;
use super::filters::{ActiveFilters, FilterPanel, FilterToggle, SearchBox};
use super::labels::field_label;
use super::query::{StockUrl, facet_query, is_ranked, list_api_path, remember_list, shown_sort, with_query};
use super::vehicle_path;
use crate::api::ApiFailure;
use crate::format;
use crate::guard::allowed;
use crate::i18n::{Msg, local_storage, use_i18n};
use crate::session::use_session;

const PAGE_SIZES: [i64; 3] = [25, 50, 100];

/// One answer for the table: a page of the list, or of the ranked search.
#[derive(Clone)]
struct Listing {
    rows: Vec<Vehicle>,
    /// Each row's relevance (0 to 1), for a ranked search.
    relevance: Option<Vec<f64>>,
    total: i64,
    page: i64,
    page_size: i64,
    /// A ranked search answered by words only: no embedding model is loaded.
    semantic_unavailable: bool,
}

impl From<Page<Vehicle>> for Listing {
    fn from(page: Page<Vehicle>) -> Self {
        let Page { items, total, page, page_size } = page;
        Listing { rows: items, relevance: None, total, page, page_size, semantic_unavailable: false }
    }
}

impl From<SearchPage> for Listing {
    fn from(page: SearchPage) -> Self {
        let (rows, relevance) = page.items.into_iter().map(|ranked| (ranked.vehicle, ranked.relevance)).unzip();
        Listing {
            rows,
            relevance: Some(relevance),
            total: page.total,
            page: page.page,
            page_size: page.page_size,
            semantic_unavailable: !page.semantic_available,
        }
    }
}

#[component]
pub fn StockPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let url = StockUrl::new();
    let prefs = TablePrefs::load(untrack(|| session.user()).map(|user| user.id));
    Effect::new(move |_| url.query.with(|query| remember_list(&with_query("/stock", query))));

    // Resources keep only the answer to the newest query: a slow earlier one never replaces
    // it. Each answer carries its query, so the list knows when it shows an older one.
    let listing = LocalResource::new(move || {
        let query = url.query.get();
        async move {
            let path = list_api_path(&query);
            let answer = match is_ranked(&query) {
                true => session.get::<SearchPage>(&path).await.map(Listing::from),
                false => session.get::<Page<Vehicle>>(&path).await.map(Listing::from),
            };
            (query, answer)
        }
    });
    let result = Signal::derive(move || listing.get().map(|(_, answer)| answer));
    let loading = Signal::derive(move || {
        url.query.with(|query| listing.with(|shown| shown.as_ref().is_none_or(|(asked, _)| asked != query)))
    });
    // Facets depend on the filters only, not on the page or the sort.
    let filters = Memo::new(move |_| url.query.with(facet_query));
    let facets = LocalResource::new(move || {
        let path = with_query("/stock/facets", &filters.get());
        async move { session.get::<StockFacets>(&path).await }
    });
    // Without facets the selects still offer "all" and the URL's value: nothing to report.
    let facets = Signal::derive(move || facets.get().and_then(Result::ok).unwrap_or_default());

    let invalid = Signal::derive(move || {
        result.with(|r| r.as_ref().and_then(|r| r.as_ref().err()).map(ApiFailure::fields).unwrap_or_default())
    });
    let total = move || result.with(|r| r.as_ref().and_then(|r| r.as_ref().ok()).map(|page| page.total));
    let semantic_unavailable =
        move || result.with(|r| r.as_ref().and_then(|r| r.as_ref().ok()).is_some_and(|page| page.semantic_unavailable));
    // A filter the API refused is in the panel: show it.
    Effect::new(move |_| {
        if invalid.with(|fields| !fields.is_empty()) {
            prefs.filters_open.set(true);
        }
    });
    let can_write = allowed(session, Permission::WriteStock);
    let go = move |path: &'static str| {
        let navigate = navigate.clone();
        move |_| navigate(path, Default::default())
    };

    view! {
        <section class="page stock-page">
            <div class="page-header">
                <div class="title">
                    <h1>{move || i18n.t(Msg::Stock)}</h1>
                    {move || total().map(|total| view! { <TotalCount total /> })}
                </div>
                <div class="page-actions">
                    <ExportButtons url />
                    <Show when=move || can_write>
                        <button class="button secondary" id="import-stock" on:click=go("/stock/import")>
                            {move || i18n.t(Msg::Import)}
                        </button>
                        <button class="button primary" id="new-vehicle" on:click=go("/stock/new")>
                            {move || i18n.t(Msg::NewVehicle)}
                        </button>
                    </Show>
                </div>
            </div>
            <div class="stock-search-row">
                <SearchBox url />
                <FilterToggle url open=prefs.filters_open />
            </div>
            <Show when=semantic_unavailable>
                <p class="search-notice" id="semantic-unavailable" role="status">
                    {move || i18n.t(Msg::SemanticUnavailable)}
                </p>
            </Show>
            <FilterPanel url facets invalid open=prefs.filters_open />
            <ActiveFilters url facets />
            <div class="table-toolbar">
                <ColumnChooser prefs />
                <DensityToggle prefs />
                <PageSizeSelect url />
            </div>
            <div class="stock-results" class:busy=move || loading.get() aria-busy=move || loading.get().to_string()>
                {move || match result.get() {
                    None => view! { <p class="muted stock-loading">{move || i18n.t(Msg::Loading)}</p> }.into_any(),
                    Some(Err(failure)) => view! { <LoadError failure /> }.into_any(),
                    Some(Ok(page)) if page.rows.is_empty() => {
                        view! { <p class="empty-state">{move || i18n.t(Msg::NoVehiclesMatch)}</p> }.into_any()
                    }
                    Some(Ok(page)) => {
                        view! { <StockTable url prefs rows=page.rows relevance=page.relevance /> }.into_any()
                    }
                }}
            </div>
            {move || {
                result.with(|r| r.as_ref().and_then(|r| r.as_ref().ok()).map(|page| (page.page, page.page_size, page.total)))
                    .map(|(page, page_size, total)| view! { <Pager url page page_size total /> })
            }}
        </section>
    }
}

/// "1.234 vehículos".
#[component]
fn TotalCount(total: i64) -> impl IntoView {
    let i18n = use_i18n();
    let noun = if total == 1 { Msg::VehicleOne } else { Msg::VehicleMany };
    view! { <span class="stock-total">{move || format!("{} {}", format::integer(total, i18n.lang()), i18n.t(noun))}</span> }
}

/// A failed load, translated; a refused filter names the parameters at fault.
#[component]
fn LoadError(failure: ApiFailure) -> impl IntoView {
    let i18n = use_i18n();
    let message = failure.message();
    let fields: Vec<String> = failure.fields().into_keys().collect();
    view! {
        <div class="form-error" role="alert">
            <p>{move || i18n.t(message)}</p>
            {(!fields.is_empty()).then(|| {
                let names = move || {
                    fields
                        .iter()
                        .map(|name| field_label(name).map_or(name.as_str(), |msg| i18n.t(msg)).to_owned())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                view! { <p>{move || i18n.t(Msg::InvalidFilters)} " " {names}</p> }
            })}
        </div>
    }
}

/// Which columns show, how dense the rows are and whether the filter panel is open,
/// remembered per user in this browser.
#[derive(Clone, Copy)]
struct TablePrefs {
    columns: RwSignal<Vec<&'static str>>,
    compact: RwSignal<bool>,
    filters_open: RwSignal<bool>,
}

/// Writes a preference to localStorage when it changes (not when it is read: a stored copy of
/// the defaults would hide better defaults later).
fn remember(key: String, value: impl Fn() -> String + 'static) {
    Effect::new(move |previous: Option<String>| {
        let value = value();
        if previous.is_some_and(|previous| previous != value)
            && let Some(storage) = local_storage()
        {
            let _ = storage.set_item(&key, &value);
        }
        value
    });
}

impl TablePrefs {
    fn load(user_id: Option<i64>) -> Self {
        let user = user_id.map(|id| id.to_string()).unwrap_or_default();
        // "v2": the defaults changed to fit a laptop; copies of the earlier ones are ignored.
        let columns_key = format!("dealaai.stock.columns.v2.{user}");
        let density_key = format!("dealaai.stock.density.{user}");
        let filters_key = format!("dealaai.stock.filters-open.{user}");
        let saved = |key: &str| local_storage().and_then(|storage| storage.get_item(key).ok().flatten());
        let columns = saved(&columns_key)
            .map(|text| text.split(',').filter_map(columns::find).map(|column| column.key).collect::<Vec<_>>())
            .filter(|columns| !columns.is_empty())
            .unwrap_or_else(default_columns);
        let prefs = TablePrefs {
            columns: RwSignal::new(columns),
            compact: RwSignal::new(saved(&density_key).as_deref() == Some("compact")),
            filters_open: RwSignal::new(saved(&filters_key).as_deref() == Some("open")),
        };
        remember(columns_key, move || prefs.columns.get().join(","));
        remember(density_key, move || if prefs.compact.get() { "compact" } else { "comfortable" }.to_owned());
        remember(filters_key, move || if prefs.filters_open.get() { "open" } else { "closed" }.to_owned());
        prefs
    }

    fn shown(self, key: &str) -> bool {
        self.columns.with(|columns| columns.contains(&key))
    }

    /// Shows or hides a column; the last one stays.
    fn toggle(self, key: &'static str) {
        self.columns.update(|columns| match columns.iter().position(|c| *c == key) {
            Some(at) if columns.len() > 1 => {
                columns.remove(at);
            }
            Some(_) => {}
            None => columns.push(key),
        });
    }
}

#[component]
fn ColumnChooser(prefs: TablePrefs) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <details class="column-chooser">
            <summary class="button secondary small">{move || i18n.t(Msg::Columns)}</summary>
            <div class="column-list card">
                {COLUMNS
                    .iter()
                    .map(|column| {
                        let key = column.key;
                        let label = column.label;
                        view! {
                            <label>
                                <input type="checkbox" name="column" value=key prop:checked=move || prefs.shown(key)
                                    on:change=move |_| prefs.toggle(key) />
                                {move || i18n.t(label)}
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
        </details>
    }
}

#[component]
fn DensityToggle(prefs: TablePrefs) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <button type="button" class="button secondary small density-toggle"
            data-density=move || if prefs.compact.get() { "compact" } else { "comfortable" }
            aria-pressed=move || prefs.compact.get().to_string() on:click=move |_| prefs.compact.update(|c| *c = !*c)>
            {move || i18n.t(if prefs.compact.get() { Msg::DensityComfortable } else { Msg::DensityCompact })}
        </button>
    }
}

#[component]
fn PageSizeSelect(url: StockUrl) -> impl IntoView {
    let i18n = use_i18n();
    let current = move || url.value(|q| &mut q.page_size).parse().unwrap_or(DEFAULT_PAGE_SIZE);
    view! {
        <label class="page-size">
            {move || i18n.t(Msg::PageSize)}
            <select name="page_size" prop:value=move || current().to_string()
                on:change=move |ev| {
                    let size = event_target_value(&ev);
                    url.update(|q| {
                        q.page_size = Some(size);
                        q.page = None;
                    });
                }>
                {PAGE_SIZES
                    .map(|size| view! { <option value=size.to_string() selected=move || current() == size>{size}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}

/// "▲" / "▼", with the key's position when the list is sorted by several columns.
fn sort_indicator(sort: Option<&Sort>, field: SortField) -> String {
    let keys = sort.map(Sort::keys).unwrap_or_default();
    match keys.iter().position(|key| key.field == field) {
        Some(at) => {
            let arrow = if keys[at].descending { "▼" } else { "▲" };
            if keys.len() > 1 { format!("{arrow}{}", at + 1) } else { arrow.to_owned() }
        }
        None => String::new(),
    }
}

/// The table; a ranked search's rows come with their relevance, shown as the first column.
#[component]
fn StockTable(url: StockUrl, prefs: TablePrefs, rows: Vec<Vehicle>, relevance: Option<Vec<f64>>) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let open = Callback::new(move |vin: String| navigate(&vehicle_path(&vin), Default::default()));
    let shown = move || COLUMNS.iter().filter(|column| prefs.shown(column.key)).collect::<Vec<_>>();
    let sort = move || url.query.with(shown_sort);
    let ranked = relevance.is_some();

    // The relevance header sorts by relevance again: it drops the sort.
    let relevance_header = move || {
        ranked.then(|| {
            let by_relevance = move || sort().is_none();
            let back_to_relevance = move |_| {
                url.update(|q| {
                    q.sort = None;
                    q.page = None;
                })
            };
            view! {
                <th class="numeric relevance" aria-sort=move || if by_relevance() { "descending" } else { "none" }>
                    <button type="button" class="sort" data-sort="relevance" title=move || i18n.t(Msg::RelevanceHint)
                        on:click=back_to_relevance>
                        {move || i18n.t(Msg::Relevance)}
                        <span class="sort-indicator">{move || if by_relevance() { "▼" } else { "" }}</span>
                    </button>
                </th>
            }
        })
    };
    let header = move || {
        shown()
            .into_iter()
            .map(|column| {
                let key = column.key;
                let label = column.label;
                let class = if column.numeric { "numeric" } else { "" };
                if let Some(field) = column.sort {
                    let aria_sort = move || {
                        let keys = sort();
                        match keys.as_ref().and_then(|s| s.keys().iter().find(|k| k.field == field)) {
                            Some(k) if k.descending => "descending",
                            Some(_) => "ascending",
                            None => "none",
                        }
                    };
                    let click = move |ev: leptos::ev::MouseEvent| {
                        let next = match sort() {
                            Some(current) => current.after_click(field, ev.shift_key()),
                            None => Sort::by(field),
                        };
                        url.update(|q| {
                            q.sort = Some(next.to_string());
                            q.page = None;
                        });
                    };
                    view! {
                        <th class=class data-column=key aria-sort=aria_sort>
                            <button type="button" class="sort" data-sort=key title=move || i18n.t(Msg::SortHint) on:click=click>
                                {move || i18n.t(label)}
                                <span class="sort-indicator">{move || sort_indicator(sort().as_ref(), field)}</span>
                            </button>
                        </th>
                    }
                    .into_any()
                } else {
                    view! { <th class=class data-column=key>{move || i18n.t(label)}</th> }.into_any()
                }
            })
            .collect_view()
    };

    let body = move || {
        let lang = i18n.lang();
        let shown = shown();
        rows.iter()
            .enumerate()
            .map(|(at, vehicle)| {
                let vin = vehicle.vin.clone();
                let on_click = {
                    let vin = vin.clone();
                    move |_| open.run(vin.clone())
                };
                let on_key = {
                    let vin = vin.clone();
                    move |ev: KeyboardEvent| row_key(ev, || open.run(vin.clone()))
                };
                let cells = shown
                    .iter()
                    .map(|column| {
                        let class = if column.numeric { "numeric" } else { "" };
                        // The label heads the value when a phone shows rows as cards.
                        view! {
                            <td class=class data-column=column.key data-label=column.label.text(lang)>
                                {columns::cell(column.key, vehicle, lang)}
                            </td>
                        }
                    })
                    .collect_view();
                let relevance = relevance.as_ref().map(|all| {
                    let share = all.get(at).copied().unwrap_or_default();
                    view! {
                        <td class="numeric relevance" data-column="relevance" data-label=Msg::Relevance.text(lang)>
                            {columns::relevance(share, lang)}
                        </td>
                    }
                });
                view! {
                    <tr class="clickable" tabindex="0" data-vin=vin class:reserved=vehicle.reserved
                        on:click=on_click on:keydown=on_key>
                        {relevance}
                        {cells}
                    </tr>
                }
            })
            .collect_view()
    };

    view! {
        <table class="table stock-table" class:compact=move || prefs.compact.get()>
            <thead><tr>{relevance_header}{header}</tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
}

/// ArrowUp / ArrowDown move between rows, Enter opens the focused one.
fn row_key(ev: KeyboardEvent, open: impl FnOnce()) {
    let step = match ev.key().as_str() {
        "Enter" => return open(),
        "ArrowDown" => web_sys::Element::next_element_sibling,
        "ArrowUp" => web_sys::Element::previous_element_sibling,
        _ => return,
    };
    ev.prevent_default();
    let row =
        ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|t| t.closest("tr").ok().flatten());
    if let Some(next) = row.and_then(|row| step(&row)).and_then(|next| next.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = next.focus();
    }
}

/// Page numbers around the current one, the first and the last; `None` is a gap.
fn page_numbers(current: i64, last: i64) -> Vec<Option<i64>> {
    let mut pages = Vec::new();
    for page in 1..=last {
        if page == 1 || page == last || (page - current).abs() <= 2 {
            pages.push(Some(page));
        } else if pages.last() != Some(&None) {
            pages.push(None);
        }
    }
    pages
}

#[component]
fn Pager(url: StockUrl, page: i64, page_size: i64, total: i64) -> impl IntoView {
    let i18n = use_i18n();
    let last = ((total + page_size - 1) / page_size.max(1)).max(1);
    let go = move |target: i64| {
        move |_| {
            url.update(|q| q.page = (target > 1).then(|| target.to_string()));
        }
    };
    view! {
        <nav class="pager" aria-label=move || i18n.t(Msg::Pages)>
            <button class="button secondary small" data-page="previous" disabled={page <= 1} on:click=go(page - 1)>
                {move || i18n.t(Msg::Previous)}
            </button>
            {page_numbers(page, last)
                .into_iter()
                .map(|number| match number {
                    Some(number) => view! {
                        <button class="button small page-number" class:secondary=number != page class:primary=number == page
                            data-page=number aria-current=(number == page).then_some("page") on:click=go(number)>
                            {number}
                        </button>
                    }
                    .into_any(),
                    None => view! { <span class="gap">"…"</span> }.into_any(),
                })
                .collect_view()}
            <button class="button secondary small" data-page="next" disabled={page >= last} on:click=go(page + 1)>
                {move || i18n.t(Msg::Next)}
            </button>
        </nav>
    }
}
