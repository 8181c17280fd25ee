//! The KPI cards: one figure each, how it changed since the snapshots of 7 and 30 days ago,
//! and a link to the stock list of the vehicles it is about.

use chrono::Datelike;
use leptos::prelude::*;
use shared::dashboard::{Dashboard, DashboardQuery, TrendPoint};
use shared::stock::{Money, Sort, SortField, StockFilter, StockQuery, VehicleStatus};

use crate::format;
use crate::i18n::{Lang, Msg};
use crate::pages::stock::query::with_query;

/// One card, ready to draw.
pub struct Kpi {
    /// `data-kpi`: the figure's field name in the API.
    name: &'static str,
    label: Msg,
    value: String,
    href: Option<String>,
    changes: Vec<Change>,
}

/// "+12 vs hace 7 días", with its colour.
struct Change {
    text: String,
    class: &'static str,
}

/// A figure compared with a snapshot: counts and money in exact integers, days an average.
#[derive(Clone, Copy)]
enum Figure {
    Count(i64),
    Money(Money),
    Days(f64),
}

/// The changes of one figure against the week-old and month-old snapshots; a missing snapshot
/// (a young installation) or value shows nothing rather than a made-up zero.
fn changes(
    dashboard: &Dashboard,
    now: Option<Figure>,
    then: fn(&TrendPoint) -> Option<Figure>,
    lang: Lang,
) -> Vec<Change> {
    [(&dashboard.week_ago, Msg::VsWeekAgo), (&dashboard.month_ago, Msg::VsMonthAgo)]
        .into_iter()
        .filter_map(|(point, versus)| {
            let (text, direction) = match (now?, then(point.as_ref()?)?) {
                (Figure::Count(now), Figure::Count(then)) => (format::integer(now - then, lang), (now - then).signum()),
                (Figure::Money(now), Figure::Money(then)) => {
                    let change = now.cents() - then.cents();
                    (format::money(Money(change), lang), change.signum())
                }
                (Figure::Days(now), Figure::Days(then)) => {
                    let change = now - then;
                    (format::decimal(change, lang), ((change * 10.0).round() as i64).signum())
                }
                _ => return None,
            };
            // More days in stock is the bad direction; for the other figures more is better.
            let up_is_good = !matches!(now, Some(Figure::Days(_)));
            let class = match (direction, up_is_good) {
                (1, true) => "kpi-change up good",
                (1, false) => "kpi-change up bad",
                (-1, true) => "kpi-change down bad",
                (-1, false) => "kpi-change down good",
                _ => "kpi-change flat",
            };
            Some(Change { text: format!("{} {}", format::signed(text, direction > 0), versus.text(lang)), class })
        })
        .collect()
}

fn or_dash(value: Option<String>) -> String {
    value.unwrap_or_else(|| "—".to_owned())
}

/// Every card, in reading order; each links to the stock list under the dashboard's `filters`.
pub fn kpis(dashboard: &Dashboard, filters: &DashboardQuery, lang: Lang) -> Vec<Kpi> {
    let counts = &dashboard.counts;
    let money = &dashboard.money;
    let ageing = &dashboard.ageing;
    // Each card's own filters, typed, within the dashboard's place (kept as its URL has it).
    let place = filters.stock_query();
    let open = |card: StockFilter, sort: Option<Sort>| {
        let (dealer_id, province, stock_type) =
            (place.dealer_id.clone(), place.province.clone(), place.stock_type.clone());
        let sort = sort.map(|sort| sort.to_string());
        Some(with_query("/stock", &StockQuery { dealer_id, province, stock_type, sort, ..card.to_query() }))
    };
    let link = |card: StockFilter| open(card, None);
    let sorted = |sort: Sort| open(StockFilter::default(), Some(sort));
    let count = |value: i64| format::integer(value, lang);
    let euros = |value: Option<Money>| or_dash(value.map(|m| format::money_exact(m, lang)));
    let days = |value: Option<f64>| or_dash(value.map(|d| format::decimal(d, lang)));
    // "Received since Monday / since the 1st" is "at most that many days in stock".
    let since_monday = dashboard.today.weekday().num_days_from_monday() as i32;
    let since_first = dashboard.today.day0() as i32;
    let base = StockFilter::default;
    let kpi = |name, label, value, href, changes| Kpi { name, label, value, href, changes };

    vec![
        kpi(
            "total",
            Msg::KpiTotal,
            count(counts.total),
            link(base()),
            changes(dashboard, Some(Figure::Count(counts.total)), |p| Some(Figure::Count(p.vehicles)), lang),
        ),
        kpi(
            "available",
            Msg::KpiAvailable,
            count(counts.available),
            link(StockFilter { status: Some(VehicleStatus::Available), reserved: Some(false), ..base() }),
            vec![],
        ),
        kpi(
            "reserved",
            Msg::KpiReserved,
            count(counts.reserved),
            link(StockFilter { reserved: Some(true), ..base() }),
            changes(dashboard, Some(Figure::Count(counts.reserved)), |p| Some(Figure::Count(p.reserved)), lang),
        ),
        kpi(
            "published",
            Msg::KpiPublished,
            count(counts.published),
            link(StockFilter { published: Some(true), ..base() }),
            changes(dashboard, Some(Figure::Count(counts.published)), |p| Some(Figure::Count(p.published)), lang),
        ),
        kpi(
            "not_published",
            Msg::KpiNotPublished,
            count(counts.not_published),
            link(StockFilter { published: Some(false), ..base() }),
            vec![],
        ),
        kpi(
            "new_this_week",
            Msg::KpiNewThisWeek,
            count(counts.new_this_week),
            link(StockFilter { days_in_stock_max: Some(since_monday), ..base() }),
            vec![],
        ),
        kpi(
            "new_this_month",
            Msg::KpiNewThisMonth,
            count(counts.new_this_month),
            link(StockFilter { days_in_stock_max: Some(since_first), ..base() }),
            vec![],
        ),
        // Figures the list cannot filter on exactly open it on the vehicles they are about,
        // sorted so those come first (sold ones, the priciest, the lowest margins, the oldest).
        kpi(
            "sold_this_month",
            Msg::KpiSoldThisMonth,
            count(counts.sold_this_month),
            open(
                StockFilter { status: Some(VehicleStatus::Sold), ..base() },
                Some(Sort::by_descending(SortField::UpdatedAt)),
            ),
            vec![],
        ),
        // Deleted vehicles are no longer in the list.
        kpi("removed_this_month", Msg::KpiRemovedThisMonth, count(counts.removed_this_month), None, vec![]),
        kpi(
            "stock_value",
            Msg::KpiStockValue,
            euros(Some(money.stock_value)),
            sorted(Sort::by_descending(SortField::SalePrice)),
            changes(dashboard, Some(Figure::Money(money.stock_value)), |p| Some(Figure::Money(p.stock_value)), lang),
        ),
        kpi(
            "cost_value",
            Msg::KpiCostValue,
            euros(Some(money.cost_value)),
            sorted(Sort::by_descending(SortField::SalePrice)),
            vec![],
        ),
        kpi(
            "average_price",
            Msg::KpiAveragePrice,
            euros(money.average_price),
            sorted(Sort::by_descending(SortField::SalePrice)),
            vec![],
        ),
        kpi(
            "average_margin",
            Msg::KpiAverageMargin,
            euros(money.average_margin),
            sorted(Sort::by(SortField::EstimatedMargin)),
            vec![],
        ),
        kpi(
            "margin_percent",
            Msg::KpiMarginPercent,
            or_dash(money.margin_percent.map(|p| format::percent(p, lang))),
            sorted(Sort::by(SortField::EstimatedMargin)),
            vec![],
        ),
        // Negative margins sort first: the first rows are exactly these vehicles.
        kpi(
            "below_cost",
            Msg::KpiBelowCost,
            count(money.below_cost),
            sorted(Sort::by(SortField::EstimatedMargin)),
            vec![],
        ),
        kpi(
            "average_days",
            Msg::KpiAverageDays,
            days(ageing.average_days),
            sorted(Sort::by_descending(SortField::DaysInStock)),
            changes(dashboard, ageing.average_days.map(Figure::Days), |p| p.average_days.map(Figure::Days), lang),
        ),
        kpi(
            "median_days",
            Msg::KpiMedianDays,
            days(ageing.median_days),
            sorted(Sort::by_descending(SortField::DaysInStock)),
            vec![],
        ),
    ]
}

/// The cards' grid; a card with a link is the link itself.
#[component]
pub fn KpiGrid(kpis: Vec<Kpi>, lang: Lang) -> impl IntoView {
    let cards = kpis
        .into_iter()
        .map(|Kpi { name, label, value, href, changes }| {
            let label = label.text(lang);
            let changes = (!changes.is_empty()).then(|| {
                let items = changes
                    .into_iter()
                    .map(|Change { text, class }| view! { <span class=class>{text}</span> })
                    .collect_view();
                view! { <span class="kpi-changes">{items}</span> }
            });
            let content = view! {
                <span class="kpi-label">{label}</span>
                <span class="kpi-value">{value}</span>
                {changes}
            };
            match href {
                Some(href) => view! {
                    <a class="kpi card linked" data-kpi=name href=href title=Msg::ShowInStock.text(lang)>{content}</a>
                }
                .into_any(),
                None => view! { <div class="kpi card" data-kpi=name>{content}</div> }.into_any(),
            }
        })
        .collect_view();
    view! { <div class="kpi-grid">{cards}</div> }
}
