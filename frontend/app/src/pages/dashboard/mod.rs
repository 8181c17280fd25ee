//! `/`: the dashboard. Figures over the whole (filtered) stock from `/api/dashboard`: KPI cards,
//! breakdown charts, the 90-day trend and the latest activity. Its filters live in the URL
//! (`/?dealer_id=3`) so a filtered dashboard can be bookmarked; every card or bar that can be
//! is a link to the stock list of exactly the vehicles it counts.

mod activity;
mod charts;
mod kpis;

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use shared::Permission;
use shared::dashboard::{Dashboard, DashboardQuery, Slice};
use shared::stock::{FacetValue, Money, StockFacets};

use self::activity::{OldestVehicles, RecentActivity};
use self::charts::{BarChart, LineChart, Orientation};
use self::kpis::{KpiGrid, kpis};
use crate::format;
use crate::guard::allowed;
use crate::i18n::{Lang, Msg, use_i18n};
use crate::pages::stock::filters::select_options;
use crate::pages::stock::labels::code_name;
use crate::pages::stock::query::with_query;
use crate::session::use_session;

/// Picks one filter out of the dashboard's query: `|q| &mut q.province`.
type Param = fn(&mut DashboardQuery) -> &mut Option<String>;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let params = use_query_map();
    let filters = Memo::new(move |_| {
        params.with(|p| {
            let value = |name: &str| p.get(name).filter(|v| !v.trim().is_empty());
            DashboardQuery {
                dealer_id: value("dealer_id"),
                province: value("province"),
                stock_type: value("stock_type"),
            }
        })
    });
    // Resources keep only the answer to the newest filters: a slow earlier one never replaces
    // it. Each answer carries its filters: under new filters the cards show skeletons again
    // rather than the previous filters' figures.
    let dashboard = LocalResource::new(move || {
        let asked = filters.get();
        async move {
            let answer = session.get::<Dashboard>(&with_query("/dashboard", &asked.stock_query())).await;
            (asked, answer)
        }
    });
    let result = Signal::derive(move || {
        let shown = dashboard.get()?;
        filters.with(|current| (&shown.0 == current).then_some(shown.1))
    });
    let facets = LocalResource::new(move || {
        let path = with_query("/stock/facets", &filters.get().stock_query());
        async move { session.get::<StockFacets>(&path).await }
    });
    // Without facets the selects still offer "all" and the URL's value: nothing to report.
    let facets = Signal::derive(move || facets.get().and_then(Result::ok).unwrap_or_default());

    let can_import = allowed(session, Permission::WriteStock);
    let as_of = move || {
        result.with(|r| match r {
            Some(Ok(dashboard)) => Some(dashboard.today),
            _ => None,
        })
    };
    let welcome = move || untrack(|| session.user()).map(|u| u.display_name()).unwrap_or_default();

    view! {
        <section class="page dashboard">
            <div class="page-header">
                <div class="title">
                    <h1>{move || i18n.t(Msg::Dashboard)}</h1>
                    <span class="welcome muted">{move || i18n.t(Msg::Welcome)} ", " {welcome}</span>
                </div>
                {move || {
                    as_of().map(|day| {
                        view! {
                            <span class="as-of muted">
                                {move || i18n.t(Msg::FiguresAsOf)} " " {move || format::date(day, i18n.lang())}
                            </span>
                        }
                    })
                }}
            </div>
            <DashboardFilters filters facets />
            {move || {
                let lang = i18n.lang();
                match result.get() {
                    None => view! { <DashboardSkeleton lang /> }.into_any(),
                    Some(Err(failure)) => {
                        view! { <p class="form-error" role="alert">{failure.message().text(lang)}</p> }.into_any()
                    }
                    Some(Ok(dashboard)) if dashboard.counts.total == 0 => {
                        let filtered = untrack(|| filters.get()) != DashboardQuery::default();
                        view! { <EmptyDashboard filtered can_import lang /> }.into_any()
                    }
                    Some(Ok(dashboard)) => {
                        let filters = untrack(|| filters.get());
                        view! { <DashboardBody dashboard filters lang /> }.into_any()
                    }
                }
            }}
        </section>
    }
}

/// The three filters of the API, as selects fed by the stock facets. Changing one writes the
/// URL, which refetches.
#[component]
fn DashboardFilters(filters: Memo<DashboardQuery>, facets: Signal<StockFacets>) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let apply =
        Callback::new(move |next: DashboardQuery| navigate(&with_query("/", &next.stock_query()), Default::default()));
    let options = move |pick: fn(&StockFacets) -> &Vec<FacetValue>, parameter: &'static str| {
        Signal::derive(move || {
            let lang = i18n.lang();
            facets.with(|f| {
                pick(f)
                    .iter()
                    .map(|facet| {
                        let label = code_name(parameter, &facet.value)
                            .map(|msg| msg.text(lang).to_owned())
                            .unwrap_or_else(|| facet.label.clone());
                        (facet.value.clone(), format!("{label} ({})", format::integer(facet.count, lang)))
                    })
                    .collect::<Vec<_>>()
            })
        })
    };
    view! {
        <form class="dashboard-filters card" aria-label=move || i18n.t(Msg::DashboardFilters)
            on:submit=move |ev: leptos::ev::SubmitEvent| ev.prevent_default()>
            <DashboardSelect name="dealer_id" label=Msg::Dealer param=|q| &mut q.dealer_id filters apply
                options=options(|f| &f.dealers, "dealer_id") />
            <DashboardSelect name="province" label=Msg::Province param=|q| &mut q.province filters apply
                options=options(|f| &f.provinces, "province") />
            <DashboardSelect name="stock_type" label=Msg::StockType param=|q| &mut q.stock_type filters apply
                options=options(|f| &f.stock_types, "stock_type") />
        </form>
    }
}

/// A select with "Todos" first; the URL's value stays selectable before (or without) the
/// facets listing it.
#[component]
fn DashboardSelect(
    name: &'static str,
    label: Msg,
    param: Param,
    filters: Memo<DashboardQuery>,
    apply: Callback<DashboardQuery>,
    options: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let current = move || filters.with(|q| param(&mut q.clone()).clone().unwrap_or_default());
    let choices = move || select_options(current(), options.get());
    let change = move |ev| {
        let mut next = filters.get_untracked();
        *param(&mut next) = Some(event_target_value(&ev)).filter(|v| !v.is_empty());
        apply.run(next);
    };
    view! {
        <label class="filter">
            <span>{move || i18n.t(label)}</span>
            <select name=name prop:value=current on:change=change>
                <option value="">{move || i18n.t(Msg::All)}</option>
                {choices}
            </select>
        </label>
    }
}

/// Grey shimmering blocks where the cards and charts will be.
#[component]
fn DashboardSkeleton(lang: Lang) -> impl IntoView {
    let cards = (0..8)
        .map(|_| {
            view! {
                <div class="kpi card">
                    <span class="skeleton skeleton-text"></span>
                    <span class="skeleton skeleton-value"></span>
                </div>
            }
        })
        .collect_view();
    let charts = (0..4)
        .map(|_| {
            view! {
                <div class="card chart-card">
                    <span class="skeleton skeleton-text"></span>
                    <span class="skeleton skeleton-chart"></span>
                </div>
            }
        })
        .collect_view();
    view! {
        <div class="dashboard-loading" aria-busy="true">
            <span class="visually-hidden" role="status">{Msg::Loading.text(lang)}</span>
            <div class="kpi-grid">{cards}</div>
            <div class="dashboard-grid">{charts}</div>
        </div>
    }
}

/// No vehicles: a new installation (with the way to import its stock, for those who may), or
/// filters that match nothing.
#[component]
fn EmptyDashboard(filtered: bool, can_import: bool, lang: Lang) -> impl IntoView {
    if filtered {
        return view! { <div class="empty-state">{Msg::NoVehiclesMatch.text(lang)}</div> }.into_any();
    }
    view! {
        <div class="empty-state welcome-state">
            <p class="empty-title">{Msg::NoStockYet.text(lang)}</p>
            <p>{Msg::DashboardEmpty.text(lang)}</p>
            {can_import.then(|| {
                view! {
                    <a class="button primary" id="import-first-stock" href="/stock/import">
                        {Msg::ImportStock.text(lang)}
                    </a>
                }
            })}
        </div>
    }
    .into_any()
}

/// The server's label, or "Sin indicar" for the group of vehicles without the field (key and
/// label empty: no province, no dealer, no fuel, no year).
fn label_or_unspecified(slice: &Slice, lang: Lang) -> String {
    match slice.label.trim() {
        "" => Msg::NotSpecified.text(lang).to_owned(),
        label => label.to_owned(),
    }
}

/// The name of a brand bar: the server's catch-all gets a translated name.
fn brand_label(slice: &Slice, lang: Lang) -> String {
    if slice.stock_query.is_none() && slice.key == "others" {
        Msg::OtherBrands.text(lang).to_owned()
    } else {
        label_or_unspecified(slice, lang)
    }
}

fn fuel_label(slice: &Slice, lang: Lang) -> String {
    code_name("fuel", &slice.key).map_or_else(|| label_or_unspecified(slice, lang), |msg| msg.text(lang).to_owned())
}

/// `0-30` reads "0–30 días", the open-ended `181-` "181+ días"; a label that already has
/// words is kept as it is.
fn ageing_label(slice: &Slice, lang: Lang) -> String {
    let label = slice.label.trim();
    if label.chars().any(char::is_alphabetic) {
        return label.to_owned();
    }
    let range = match label.strip_suffix('-') {
        Some(low) => format!("{low}+"),
        None => label.replace('-', "–"),
    };
    format!("{range} {}", Msg::DayMany.text(lang))
}

/// `10000-20000` reads "10–20 k€", `50000+` (or `50000-`) "> 50 k€"; anything else as sent.
fn price_band_label(slice: &Slice, lang: Lang) -> String {
    let thousands = |euros: &str| euros.trim().parse::<f64>().ok().map(|e| format::decimal(e / 1000.0, lang));
    let key = slice.key.trim();
    let bounds = match key.strip_suffix('+') {
        Some(low) => Some((low, "")),
        None => key.split_once('-'),
    };
    match bounds.map(|(low, high)| (thousands(low), high, thousands(high))) {
        Some((Some(low), _, Some(high))) => format!("{low}–{high} k€"),
        Some((Some(low), "", None)) => format!("> {low} k€"),
        _ => slice.label.clone(),
    }
}

fn count_text(value: f64, lang: Lang) -> String {
    format::integer(value.round() as i64, lang)
}

/// Whole euros: the trend's labels have no room for cents.
fn euros_text(cents: f64, lang: Lang) -> String {
    format::money(Money((cents / 100.0).round() as i64 * 100), lang)
}

fn days_text(value: f64, lang: Lang) -> String {
    format::decimal(value, lang)
}

#[component]
fn DashboardBody(dashboard: Dashboard, filters: DashboardQuery, lang: Lang) -> impl IntoView {
    let cards = kpis(&dashboard, &filters, lang);
    let Dashboard { trend, ageing, breakdowns, activity, .. } = dashboard;

    let series = |value: fn(&shared::dashboard::TrendPoint) -> Option<f64>| -> Vec<(NaiveDate, f64)> {
        trend.iter().filter_map(|point| value(point).map(|v| (point.date, v))).collect()
    };
    let trends = [
        ("vehicles", Msg::KpiTotal, series(|p| Some(p.vehicles as f64)), count_text as fn(f64, Lang) -> String),
        ("stock_value", Msg::KpiStockValue, series(|p| Some(p.stock_value.cents() as f64)), euros_text),
        ("average_days", Msg::KpiAverageDays, series(|p| p.average_days), days_text),
    ]
    .into_iter()
    .map(|(name, title, points, format_value)| {
        let title = title.text(lang).to_owned();
        view! {
            <figure class="trend">
                <figcaption>{title.clone()}</figcaption>
                <LineChart name title points format_value lang />
            </figure>
        }
    })
    .collect_view();

    type Label = fn(&Slice, Lang) -> String;
    let charts: [(&'static str, Msg, Vec<Slice>, Orientation, Label); 7] = [
        ("ageing", Msg::ChartAgeing, ageing.buckets, Orientation::Vertical, ageing_label),
        ("price_bands", Msg::ChartPriceBands, breakdowns.price_bands, Orientation::Vertical, price_band_label),
        ("brands", Msg::ChartBrands, breakdowns.brands, Orientation::Horizontal, brand_label),
        ("provinces", Msg::Provinces, breakdowns.provinces, Orientation::Horizontal, label_or_unspecified),
        ("dealers", Msg::Dealers, breakdowns.dealers, Orientation::Horizontal, label_or_unspecified),
        ("fuels", Msg::ChartFuels, breakdowns.fuels, Orientation::Horizontal, fuel_label),
        ("years", Msg::ChartYears, breakdowns.years, Orientation::Vertical, label_or_unspecified),
    ];
    let charts = charts
        .into_iter()
        .map(|(name, title, slices, orientation, label_of)| {
            let title = title.text(lang).to_owned();
            view! {
                <section class="card chart-card">
                    <h2>{title.clone()}</h2>
                    <BarChart name title slices orientation label_of lang />
                </section>
            }
        })
        .collect_view();

    view! {
        <div class="dashboard-body">
            <KpiGrid kpis=cards lang />
            <section class="card trend-card">
                <h2>{Msg::Trend90Days.text(lang)}</h2>
                <div class="trend-grid">{trends}</div>
            </section>
            <div class="dashboard-grid">
                {charts}
                <OldestVehicles vehicles=ageing.oldest lang />
            </div>
            <RecentActivity activity lang />
        </div>
    }
}
