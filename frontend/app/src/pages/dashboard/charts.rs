//! Hand-drawn SVG charts: one bar chart (vertical or horizontal) for every breakdown and one
//! line chart for every trend. No chart library: a few rectangles and a polyline are cheaper
//! than the JavaScript, and they print, scale and take links like the rest of the page.
//!
//! Two details matter here. The `view!` macro creates `<a>` and `<title>` in the SVG namespace
//! only when it can see an SVG parent in the same macro call, so every separately built piece
//! starts with an SVG element (`<g>`, `<circle>`, `<text>`). And the router intercepts clicks on
//! HTML anchors only (`HtmlAnchorElement`): an SVG `<a>` would reload the whole app, so the
//! bars navigate themselves.

use chrono::NaiveDate;
use leptos::ev::MouseEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use shared::dashboard::Slice;

use crate::format;
use crate::i18n::{Lang, Msg};
use crate::pages::stock::query::with_query;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// Bars growing upwards, labels underneath: ordered scales (ages, prices, years).
    Vertical,
    /// One row per bar, label on the left: named groups, whose names need the room.
    Horizontal,
}

/// The width of every bar chart's drawing, in viewBox units (CSS scales it to the card).
const WIDTH: f64 = 480.0;
const VERTICAL_HEIGHT: f64 = 240.0;
const VERTICAL_TOP: f64 = 22.0;
const VERTICAL_BOTTOM: f64 = 34.0;
const SIDE: f64 = 8.0;
const ROW: f64 = 28.0;
const LABEL_WIDTH: f64 = 150.0;
/// Room right of the longest bar for its count.
const VALUE_WIDTH: f64 = 64.0;
/// Roughly one character of the 11px label font, to shorten labels that would overlap.
const CHAR_WIDTH: f64 = 6.5;

/// Numbers for SVG attributes: one decimal is plenty and keeps the markup short.
fn n(value: f64) -> String {
    format!("{value:.1}")
}

/// "123 vehículos".
pub fn vehicles_text(count: i64, lang: Lang) -> String {
    let noun = if count == 1 { Msg::VehicleOne } else { Msg::VehicleMany };
    format!("{} {}", format::integer(count, lang), noun.text(lang))
}

/// Label, count and value: the bar's tooltip and accessible name.
fn slice_summary(label: &str, slice: &Slice, lang: Lang) -> String {
    format!("{label}: {} · {}", vehicles_text(slice.vehicles, lang), format::money(slice.stock_value, lang))
}

/// At most `max` characters, with an ellipsis when cut (the tooltip has the whole label).
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

#[derive(Clone, Copy)]
struct Rect {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

#[derive(Clone, Copy)]
struct TextAt {
    x: f64,
    y: f64,
    anchor: &'static str,
}

/// Where one bar and its texts go, in viewBox units.
struct BarShape {
    /// The bar's whole row or column: hovering or clicking anywhere in it hits the bar (and it
    /// gives the link a box, so a click in its middle never falls between label and bar).
    slot: Rect,
    bar: Rect,
    value: TextAt,
    /// `None` when labels are thinned out so they do not overlap.
    label: Option<TextAt>,
    /// How many characters the label may take.
    label_chars: usize,
}

fn chart_height(orientation: Orientation, count: usize) -> f64 {
    match orientation {
        Orientation::Vertical => VERTICAL_HEIGHT,
        Orientation::Horizontal => count as f64 * ROW + 8.0,
    }
}

fn bar_shape(orientation: Orientation, index: usize, count: usize, vehicles: i64, max: f64) -> BarShape {
    let share = vehicles.max(0) as f64 / max;
    match orientation {
        Orientation::Vertical => {
            let plot_height = VERTICAL_HEIGHT - VERTICAL_TOP - VERTICAL_BOTTOM;
            let slot_width = (WIDTH - 2.0 * SIDE) / count as f64;
            let bar_width = (slot_width * 0.7).min(64.0);
            // A bar with vehicles stays visible however small its share.
            let bar_height = if vehicles > 0 { (share * plot_height).max(1.5) } else { 0.0 };
            let slot_x = SIDE + index as f64 * slot_width;
            let centre = slot_x + slot_width / 2.0;
            // Every `step`-th label only, when there are more bars than labels fit (years).
            let step = (count as f64 / ((WIDTH - 2.0 * SIDE) / 44.0)).ceil().max(1.0) as usize;
            BarShape {
                slot: Rect { x: slot_x, y: 0.0, width: slot_width, height: VERTICAL_HEIGHT },
                bar: Rect {
                    x: centre - bar_width / 2.0,
                    y: VERTICAL_TOP + plot_height - bar_height,
                    width: bar_width,
                    height: bar_height,
                },
                value: TextAt { x: centre, y: VERTICAL_TOP + plot_height - bar_height - 5.0, anchor: "middle" },
                label: index.is_multiple_of(step).then_some(TextAt {
                    x: centre,
                    y: VERTICAL_HEIGHT - VERTICAL_BOTTOM + 16.0,
                    anchor: "middle",
                }),
                label_chars: ((slot_width * step as f64) / CHAR_WIDTH).max(3.0) as usize,
            }
        }
        Orientation::Horizontal => {
            let top = 4.0 + index as f64 * ROW;
            let bar_left = LABEL_WIDTH + 8.0;
            let bar_width = if vehicles > 0 { (share * (WIDTH - bar_left - VALUE_WIDTH)).max(1.5) } else { 0.0 };
            let middle = top + ROW / 2.0;
            BarShape {
                slot: Rect { x: 0.0, y: top, width: WIDTH, height: ROW },
                bar: Rect { x: bar_left, y: top + 5.0, width: bar_width, height: ROW - 10.0 },
                value: TextAt { x: bar_left + bar_width + 6.0, y: middle + 4.0, anchor: "start" },
                label: Some(TextAt { x: LABEL_WIDTH, y: middle + 4.0, anchor: "end" }),
                label_chars: (LABEL_WIDTH / CHAR_WIDTH) as usize,
            }
        }
    }
}

/// The drawing of one bar; wrapped in a link by [`BarChart`] when the bar has one.
fn bar_body(shape: BarShape, label: &str, value: String, tooltip: String) -> impl IntoView {
    let BarShape { slot, bar, value: value_at, label: label_at, label_chars } = shape;
    let label = shorten(label, label_chars);
    view! {
        <g class="bar-body">
            <title>{tooltip}</title>
            <rect class="bar-slot" x=n(slot.x) y=n(slot.y) width=n(slot.width) height=n(slot.height)
                fill="transparent" />
            <rect class="bar-fill" x=n(bar.x) y=n(bar.y) width=n(bar.width) height=n(bar.height) rx="3" />
            <text class="bar-value" x=n(value_at.x) y=n(value_at.y) text-anchor=value_at.anchor>{value}</text>
            {label_at.map(|at| {
                view! { <text class="bar-label" x=n(at.x) y=n(at.y) text-anchor=at.anchor>{label}</text> }
            })}
        </g>
    }
}

/// A plain left click follows the link inside the app; any other click (a new tab, a
/// download...) is left to the browser, as the router does for HTML links.
fn follow_link(navigate: Callback<String>, href: String) -> impl Fn(MouseEvent) + 'static {
    move |ev: MouseEvent| {
        if ev.default_prevented()
            || ev.button() != 0
            || ev.ctrl_key()
            || ev.meta_key()
            || ev.shift_key()
            || ev.alt_key()
        {
            return;
        }
        ev.prevent_default();
        navigate.run(href.clone());
    }
}

/// A bar chart of slices: each bar's height (or length) is its vehicle count, its tooltip
/// says label, count and stock value, and it links to the stock list of exactly those
/// vehicles when the list can filter on them.
#[component]
pub fn BarChart(
    /// `data-chart`: which breakdown this is.
    name: &'static str,
    title: String,
    slices: Vec<Slice>,
    orientation: Orientation,
    /// What a bar is called (translated codes, units).
    label_of: fn(&Slice, Lang) -> String,
    lang: Lang,
) -> impl IntoView {
    let navigate = use_navigate();
    let navigate = Callback::new(move |href: String| navigate(&href, Default::default()));
    let class = match orientation {
        Orientation::Vertical => "chart bar-chart vertical",
        Orientation::Horizontal => "chart bar-chart horizontal",
    };
    if slices.is_empty() {
        let empty = Msg::NoData.text(lang);
        return view! {
            <svg class=class data-chart=name role="img" aria-label=format!("{title}: {empty}")
                viewBox=format!("0 0 {WIDTH} 60")>
                <text class="chart-empty" x=n(WIDTH / 2.0) y="34" text-anchor="middle">{empty}</text>
            </svg>
        }
        .into_any();
    }

    let count = slices.len();
    let max = slices.iter().map(|s| s.vehicles).max().unwrap_or(0).max(1) as f64;
    let labels: Vec<String> = slices.iter().map(|slice| label_of(slice, lang)).collect();
    let summaries: Vec<String> =
        slices.iter().zip(&labels).map(|(slice, label)| slice_summary(label, slice, lang)).collect();
    let description = format!("{title}. {}", summaries.join("; "));
    // Links inside `role="img"` would be hidden from screen readers (its children are
    // presentational), so a chart with links is a labelled group of links instead.
    let role = if slices.iter().any(|s| s.stock_query.is_some()) { "group" } else { "img" };
    let height = chart_height(orientation, count);

    let bars = slices
        .into_iter()
        .zip(labels)
        .zip(summaries)
        .enumerate()
        .map(|(index, ((slice, label), summary))| {
            let shape = bar_shape(orientation, index, count, slice.vehicles, max);
            let body = bar_body(shape, &label, format::integer(slice.vehicles, lang), summary.clone());
            let key = slice.key;
            match slice.stock_query {
                Some(query) => {
                    let href = with_query("/stock", &query);
                    view! {
                        <g class="bar linked">
                            <a href=href.clone() data-bar=key tabindex="0" aria-label=summary
                                on:click=follow_link(navigate, href)>
                                {body}
                            </a>
                        </g>
                    }
                    .into_any()
                }
                None => view! { <g class="bar" data-bar=key>{body}</g> }.into_any(),
            }
        })
        .collect_view();

    view! {
        <svg class=class data-chart=name role=role aria-label=description viewBox=format!("0 0 {WIDTH} {height}")>
            {(orientation == Orientation::Vertical).then(|| {
                let baseline = n(VERTICAL_HEIGHT - VERTICAL_BOTTOM);
                view! { <line class="baseline" x1=n(SIDE) x2=n(WIDTH - SIDE) y1=baseline.clone() y2=baseline /> }
            })}
            {bars}
        </svg>
    }
    .into_any()
}

const LINE_WIDTH: f64 = 320.0;
const LINE_HEIGHT: f64 = 150.0;
const LINE_TOP: f64 = 28.0;
const LINE_BOTTOM: f64 = 24.0;
const LINE_SIDE: f64 = 6.0;

/// A small line chart over dated values (the daily snapshots), with the first and last value
/// above the line's ends and the first and last date under them.
#[component]
pub fn LineChart(
    /// `data-trend`: which figure this is.
    name: &'static str,
    title: String,
    /// Oldest first; days without a value are simply absent.
    points: Vec<(NaiveDate, f64)>,
    format_value: fn(f64, Lang) -> String,
    lang: Lang,
) -> impl IntoView {
    let viewbox = format!("0 0 {LINE_WIDTH} {LINE_HEIGHT}");
    let (Some(&(first_date, first)), Some(&(last_date, last))) = (points.first(), points.last()) else {
        let empty = Msg::NoSnapshots.text(lang);
        return view! {
            <svg class="chart line-chart" data-trend=name role="img" aria-label=format!("{title}: {empty}")
                viewBox=viewbox>
                <text class="chart-empty" x=n(LINE_WIDTH / 2.0) y=n(LINE_HEIGHT / 2.0) text-anchor="middle">
                    {empty}
                </text>
            </svg>
        }
        .into_any();
    };

    let plot_width = LINE_WIDTH - 2.0 * LINE_SIDE;
    let plot_height = LINE_HEIGHT - LINE_TOP - LINE_BOTTOM;
    // By date, not by index: a missing snapshot leaves a gap in time, not a squeezed line.
    let days = (last_date - first_date).num_days().max(1) as f64;
    let low = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let high = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    // A flat series draws a line through the middle rather than dividing by zero.
    let (low, high) = if high <= low { (low - 1.0, high + 1.0) } else { (low, high) };
    let x_of = |date: NaiveDate| {
        if points.len() == 1 {
            LINE_WIDTH / 2.0
        } else {
            LINE_SIDE + (date - first_date).num_days() as f64 / days * plot_width
        }
    };
    let y_of = |value: f64| LINE_TOP + (high - value) / (high - low) * plot_height;
    let coordinates: Vec<(f64, f64)> = points.iter().map(|&(date, value)| (x_of(date), y_of(value))).collect();
    let line = coordinates.iter().map(|(x, y)| format!("{},{}", n(*x), n(*y))).collect::<Vec<_>>().join(" ");
    let bottom = LINE_TOP + plot_height;
    let area = format!(
        "{},{} {line} {},{}",
        n(coordinates[0].0),
        n(bottom),
        n(coordinates[coordinates.len() - 1].0),
        n(bottom)
    );

    let first_text = format_value(first, lang);
    let last_text = format_value(last, lang);
    let first_day = format::date(first_date, lang);
    let last_day = format::date(last_date, lang);
    let description = format!("{title}. {first_day}: {first_text}; {last_day}: {last_text}");
    let dots = points
        .iter()
        .zip(&coordinates)
        .map(|(&(date, value), &(x, y))| {
            let tooltip = format!("{}: {}", format::date(date, lang), format_value(value, lang));
            view! { <circle class="trend-point" cx=n(x) cy=n(y) r="2.5"><title>{tooltip}</title></circle> }
        })
        .collect_view();
    let label_y = n(LINE_TOP - 10.0);
    let date_y = n(LINE_HEIGHT - 6.0);

    view! {
        <svg class="chart line-chart" data-trend=name role="img" aria-label=description viewBox=viewbox>
            <line class="baseline" x1=n(LINE_SIDE) x2=n(LINE_WIDTH - LINE_SIDE) y1=n(bottom) y2=n(bottom) />
            <polygon class="trend-area" points=area />
            <polyline class="trend-line" points=line fill="none" />
            {dots}
            <text class="axis-label value first" x=n(LINE_SIDE) y=label_y.clone() text-anchor="start">
                {first_text}
            </text>
            <text class="axis-label value last" x=n(LINE_WIDTH - LINE_SIDE) y=label_y text-anchor="end">
                {last_text}
            </text>
            <text class="axis-label date first" x=n(LINE_SIDE) y=date_y.clone() text-anchor="start">{first_day}</text>
            <text class="axis-label date last" x=n(LINE_WIDTH - LINE_SIDE) y=date_y text-anchor="end">{last_day}</text>
        </svg>
    }
    .into_any()
}
