//! The list's whole state (filters, sort, page, page size) lives in the URL's query string,
//! so a view can be bookmarked and shared and the browser's back and forward buttons work.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;
use serde_json::{Map, Value};
use shared::stock::{SearchMode, Sort, StockQuery};

use crate::layout::encode;

/// `brand=SEAT&page=2...`: every parameter that is set, field by field (through serde, so the
/// names are exactly the ones the backend reads).
pub fn to_query_string(query: &StockQuery) -> String {
    let Ok(Value::Object(fields)) = serde_json::to_value(query) else { return String::new() };
    fields
        .into_iter()
        .filter_map(|(name, value)| match value {
            Value::String(value) if !value.trim().is_empty() => Some(format!("{name}={}", encode(&value))),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `path?query`, or just `path` when nothing is set.
pub fn with_query(path: &str, query: &StockQuery) -> String {
    match to_query_string(query) {
        query if query.is_empty() => path.to_owned(),
        query => format!("{path}?{query}"),
    }
}

/// The reverse of [`to_query_string`]; parameters the list does not know are ignored.
fn from_params(params: &ParamsMap) -> StockQuery {
    let fields: Map<String, Value> =
        params.latest_values().map(|(name, value)| (name.to_string(), Value::String(value.to_owned()))).collect();
    serde_json::from_value(Value::Object(fields)).unwrap_or_default()
}

/// Only the filters: what the facets and the export depend on besides the sort.
pub fn without_paging(query: &StockQuery) -> StockQuery {
    StockQuery { page: None, page_size: None, ..query.clone() }
}

/// How the search box matches when the URL names no mode: by words, as the list always did.
pub const DEFAULT_MODE: SearchMode = SearchMode::Text;

/// The URL's search mode; an unknown one reads as the default.
pub fn search_mode(query: &StockQuery) -> SearchMode {
    query.mode.as_deref().and_then(|mode| mode.parse().ok()).unwrap_or(DEFAULT_MODE)
}

/// Whether the list is a ranked search (`/api/stock/search`): there are words to look for and
/// they are matched by meaning, alone or together with the words themselves.
pub fn is_ranked(query: &StockQuery) -> bool {
    search_mode(query) != SearchMode::Text && query.q.as_deref().is_some_and(|q| !q.trim().is_empty())
}

/// The API path that answers this view: the ranked search, or the list (which only matches
/// words, so it is not sent the mode).
pub fn list_api_path(query: &StockQuery) -> String {
    match search_mode(query) {
        mode if is_ranked(query) => {
            with_query("/stock/search", &StockQuery { mode: Some(mode.as_str().to_owned()), ..query.clone() })
        }
        _ => with_query("/stock", &StockQuery { mode: None, ..query.clone() }),
    }
}

/// What the facets count over: the filters, without sort or page. A ranked search's words are
/// left out: the facets match words only, and a description by meaning rarely has them all.
pub fn facet_query(query: &StockQuery) -> StockQuery {
    let q = if is_ranked(query) { None } else { query.q.clone() };
    StockQuery { q, mode: None, sort: None, ..without_paging(query) }
}

/// The order the rows are in: `None` for a ranked search without a sort (relevance order).
/// An unknown field in the URL is left out here (the server names it).
pub fn shown_sort(query: &StockQuery) -> Option<Sort> {
    let sort = query.sort.as_deref().filter(|sort| !sort.trim().is_empty());
    if sort.is_none() && is_ranked(query) { None } else { Some(Sort::parse_leniently(sort)) }
}

const LAST_LIST_KEY: &str = "dealaai.stock.last_list";

/// Remembers the list view the user is on (per browser tab), so that "back to the stock" from
/// a vehicle or the import screen returns to the same filters, sort and page.
pub(crate) fn remember_list(path: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(LAST_LIST_KEY, path);
    }
}

/// The last list view of this tab, or the whole stock.
pub(crate) fn last_list() -> String {
    session_storage()
        .and_then(|storage| storage.get_item(LAST_LIST_KEY).ok().flatten())
        .filter(|path| path.starts_with("/stock"))
        .unwrap_or_else(|| "/stock".to_owned())
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Reads the list's state from the URL and writes changes back into it (a new history entry),
/// which is what reloads the list.
#[derive(Clone, Copy)]
pub struct StockUrl {
    pub query: Memo<StockQuery>,
    navigate: Callback<String>,
}

impl StockUrl {
    pub fn new() -> Self {
        let params = use_query_map();
        let navigate = use_navigate();
        StockUrl {
            query: Memo::new(move |_| params.with(from_params)),
            navigate: Callback::new(move |path: String| navigate(&path, NavigateOptions::default())),
        }
    }

    pub fn update(self, change: impl FnOnce(&mut StockQuery)) {
        let mut next = self.query.get_untracked();
        change(&mut next);
        self.navigate.run(with_query("/stock", &next));
    }

    /// A changed filter shows its results from the first page; a model belongs to its brand.
    pub fn set_filter(self, slot: Slot, value: String) {
        self.update(|query| {
            let brand = query.brand.clone();
            *slot(query) = Some(value).filter(|v| !v.trim().is_empty());
            if query.brand != brand {
                query.model = None;
            }
            query.page = None;
        });
    }

    /// The current value of one parameter (reactive).
    pub fn value(self, slot: Slot) -> String {
        self.query.with(|query| slot(&mut query.clone()).clone().unwrap_or_default())
    }
}

/// Picks one parameter out of the query: `|q| &mut q.brand`.
pub type Slot = fn(&mut StockQuery) -> &mut Option<String>;
