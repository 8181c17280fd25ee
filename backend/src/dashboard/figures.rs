//! Turns the aggregate rows into the dashboard's figures: totals, averages, the median and
//! buckets of days in stock, the breakdowns and the trend. No database here, so every rule is
//! unit-tested.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};
use shared::dashboard::{
    Activity, Ageing, Breakdowns, Dashboard, RecentPriceChange, RecentReservation, Slice, StockCounts, StockMoney,
    TrendPoint, VehicleBrief,
};
use shared::stock::{Money, StockFilter, StockQuery};

use super::queries::{BriefRow, DayRow, Inputs, PlaceRow, Totals};
use crate::stock::records::days_between;

/// Days in stock: the key, lowest and highest days of each bucket; `None` is open-ended.
const AGE_BUCKETS: [(&str, Option<i32>, Option<i32>); 5] = [
    ("0-30", None, Some(30)),
    ("31-60", Some(31), Some(60)),
    ("61-90", Some(61), Some(90)),
    ("91-180", Some(91), Some(180)),
    ("181-", Some(181), None),
];

/// The keys `price_band()` (backend/sql/01_text.sql) gives, with the list's inclusive price filters.
pub const PRICE_BANDS: [(&str, Option<&str>, Option<&str>); 5] = [
    ("0-10000", None, Some("9999.99")),
    ("10000-20000", Some("10000"), Some("19999.99")),
    ("20000-30000", Some("20000"), Some("29999.99")),
    ("30000-50000", Some("30000"), Some("49999.99")),
    ("50000-", Some("50000"), None),
];

const TOP_BRANDS: usize = 10;
/// The key of the brands after the top ten.
const OTHER_BRANDS: &str = "others";

/// `base`: the dashboard's filters, which every drill-down link keeps.
pub fn dashboard(inputs: Inputs, base: &StockFilter, today: NaiveDate) -> Dashboard {
    let mut by_dimension: BTreeMap<&str, Vec<(&str, Totals)>> = BTreeMap::new();
    for row in &inputs.dimensions {
        by_dimension.entry(row.dimension.as_str()).or_default().push((row.key.as_str(), row.totals));
    }
    let dimension = |name: &str| by_dimension.get(name).cloned().unwrap_or_default();
    let bands = dimension("price_band");
    let mut totals = Totals::default();
    for (_, band) in &bands {
        totals += *band;
    }
    // Days in stock → vehicles received that day.
    let received: Vec<(i32, Totals)> = dimension("received")
        .into_iter()
        .filter_map(|(date, t)| Some((days_between(date.parse().ok()?, today), t)))
        .collect();
    let received_within = |in_bucket: &dyn Fn(i32) -> bool| {
        let mut sum = Totals::default();
        for (_, t) in received.iter().filter(|(days, _)| in_bucket(*days)) {
            sum += *t;
        }
        sum
    };
    let received_since = |day: NaiveDate| received_within(&|days| days <= days_between(day, today)).vehicles;
    let histogram: Vec<(i32, i64)> = received.iter().map(|(days, t)| (*days, t.vehicles)).collect();
    let week_start = today - Days::new(today.weekday().num_days_from_monday().into());
    let month_start = today.with_day(1).unwrap_or(today);

    let counts = StockCounts {
        total: totals.vehicles,
        available: totals.available,
        reserved: totals.reserved,
        published: totals.published,
        not_published: totals.vehicles - totals.published,
        new_this_week: received_since(week_start),
        new_this_month: received_since(month_start),
        sold_this_month: inputs.departures.sold,
        removed_this_month: inputs.departures.removed,
    };
    let margin = totals.costed_sale_value - totals.cost_value;
    let money = StockMoney {
        stock_value: Money(totals.sale_value),
        cost_value: Money(totals.cost_value),
        average_price: Money::average(totals.sale_value, totals.vehicles),
        average_margin: Money::average(margin, totals.costed),
        margin_percent: ratio(margin * 100, totals.costed_sale_value),
        below_cost: totals.below_cost,
    };
    let ageing = Ageing {
        average_days: ratio(histogram.iter().map(|(days, n)| i64::from(*days) * n).sum(), totals.vehicles),
        median_days: median(&histogram),
        buckets: AGE_BUCKETS
            .iter()
            .map(|(key, min, max)| {
                let t = received_within(&|days| min.is_none_or(|min| days >= min) && max.is_none_or(|max| days <= max));
                let link = StockFilter { days_in_stock_min: *min, days_in_stock_max: *max, ..base.clone() };
                Slice {
                    key: (*key).into(),
                    label: (*key).into(),
                    vehicles: t.vehicles,
                    stock_value: Money(t.sale_value),
                    stock_query: Some(link.to_query()),
                }
            })
            .collect(),
        oldest: inputs.oldest.into_iter().map(|row| brief(row, today)).collect(),
    };
    let with = |set: &dyn Fn(&mut StockFilter)| {
        let mut link = base.clone();
        set(&mut link);
        Some(link.to_query())
    };
    let slice = |key: &str, label: &str, totals: &Totals, stock_query: Option<StockQuery>| Slice {
        key: key.into(),
        label: label.into(),
        vehicles: totals.vehicles,
        stock_value: Money(totals.sale_value),
        stock_query,
    };

    let mut brands = dimension("brand");
    brands.sort_by(|(a, ta), (b, tb)| tb.vehicles.cmp(&ta.vehicles).then(a.cmp(b)));
    let mut brand_slices: Vec<Slice> = brands
        .iter()
        .take(TOP_BRANDS)
        .map(|(brand, t)| slice(brand, brand, t, with(&|f| f.brand = Some((*brand).into()))))
        .collect();
    if brands.len() > TOP_BRANDS {
        let mut others = Totals::default();
        for (_, t) in &brands[TOP_BRANDS..] {
            others += *t;
        }
        brand_slices.push(slice(OTHER_BRANDS, OTHER_BRANDS, &others, None));
    }

    let mut fuels = dimension("fuel");
    fuels.sort_by(|(a, ta), (b, tb)| tb.vehicles.cmp(&ta.vehicles).then(a.cmp(b)));
    let fuels = fuels
        .iter()
        .map(|(fuel, t)| {
            let link = fuel.parse().ok().and_then(|fuel| with(&|f| f.fuel = Some(fuel)));
            slice(fuel, fuel, t, link)
        })
        .collect();

    let price_bands = PRICE_BANDS
        .iter()
        .map(|(key, min, max)| {
            let t = bands.iter().find(|(band, _)| band == key).map(|(_, t)| *t).unwrap_or_default();
            slice(
                key,
                key,
                &t,
                with(&|f| {
                    f.price_min = min.and_then(Money::parse);
                    f.price_max = max.and_then(Money::parse);
                }),
            )
        })
        .collect();

    let mut years = dimension("year");
    // Oldest first; vehicles without a year last.
    years.sort_by_key(|(year, _)| year.parse::<i32>().unwrap_or(i32::MAX));
    let years = years
        .iter()
        .map(|(year, t)| {
            let link = year.parse().ok().and_then(|year| {
                with(&|f| {
                    f.year_min = Some(year);
                    f.year_max = Some(year);
                })
            });
            slice(year, year, t, link)
        })
        .collect();

    let (provinces, dealers) = places(&inputs.places, base);
    let trend: Vec<TrendPoint> = inputs.days.iter().map(trend_point).collect();
    let days_ago = |days: u64| {
        let date = today.checked_sub_days(Days::new(days))?;
        trend.iter().find(|point| point.date == date).cloned()
    };
    Dashboard {
        today,
        counts,
        money,
        ageing,
        breakdowns: Breakdowns { brands: brand_slices, provinces, dealers, fuels, price_bands, years },
        week_ago: days_ago(7),
        month_ago: days_ago(30),
        trend,
        activity: Activity {
            received: inputs.received.into_iter().map(|row| brief(row, today)).collect(),
            price_changes: inputs
                .price_changes
                .into_iter()
                .map(|row| RecentPriceChange {
                    vin: row.vin,
                    brand: row.brand,
                    model: row.model,
                    changed_at: row.changed_at,
                    old_price: row.old_price.map(Money),
                    new_price: Money(row.new_price),
                })
                .collect(),
            reservations: inputs
                .reservations
                .into_iter()
                .filter_map(|row| {
                    Some(RecentReservation {
                        reserved_at: row.reserved_at?,
                        sale_price: Money(row.sale_price),
                        vin: row.vin,
                        brand: row.brand,
                        model: row.model,
                    })
                })
                .collect(),
        },
    }
}

fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator != 0).then(|| numerator as f64 / denominator as f64)
}

/// The median of a histogram of (value, count), as PostgreSQL's `percentile_cont(0.5)`: the
/// middle value, or the mean of the two middle ones.
fn median(histogram: &[(i32, i64)]) -> Option<f64> {
    let mut sorted = histogram.to_vec();
    sorted.sort_unstable();
    let total: i64 = sorted.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    // The value at 0-based position `index` of the expanded, sorted list.
    let at = |index: i64| {
        let mut seen = 0;
        sorted.iter().find(|(_, n)| {
            seen += n;
            seen > index
        })
    };
    let lower = at((total - 1) / 2)?.0;
    let upper = at(total / 2)?.0;
    Some((f64::from(lower) + f64::from(upper)) / 2.0)
}

/// Province and dealer breakdowns from the dealer × province groups, biggest first.
fn places(rows: &[PlaceRow], base: &StockFilter) -> (Vec<Slice>, Vec<Slice>) {
    let mut provinces: BTreeMap<String, Slice> = BTreeMap::new();
    let mut dealers: BTreeMap<String, Slice> = BTreeMap::new();
    for row in rows {
        let add =
            |groups: &mut BTreeMap<String, Slice>, key: String, label: Option<&String>, link: Option<StockQuery>| {
                let slice = groups.entry(key.clone()).or_insert_with(|| Slice {
                    label: label.cloned().unwrap_or_default(),
                    key,
                    vehicles: 0,
                    stock_value: Money(0),
                    stock_query: link,
                });
                slice.vehicles += row.vehicles;
                slice.stock_value = Money(slice.stock_value.0 + row.sale_value);
            };
        let province_link = row
            .province_code
            .as_ref()
            .map(|code| StockFilter { province: Some(code.clone()), ..base.clone() }.to_query());
        add(&mut provinces, row.province_code.clone().unwrap_or_default(), row.province_name.as_ref(), province_link);
        let dealer_link = row.dealer_id.map(|id| StockFilter { dealer_id: Some(id), ..base.clone() }.to_query());
        let dealer_key = row.dealer_id.map(|id| id.to_string()).unwrap_or_default();
        add(&mut dealers, dealer_key, row.dealer_name.as_ref(), dealer_link);
    }
    let biggest_first = |groups: BTreeMap<String, Slice>| {
        let mut slices: Vec<Slice> = groups.into_values().collect();
        // Vehicles without a province or dealer last.
        slices.sort_by(|a, b| {
            (a.key.is_empty().cmp(&b.key.is_empty()))
                .then(b.vehicles.cmp(&a.vehicles))
                .then_with(|| a.label.cmp(&b.label))
        });
        slices
    };
    (biggest_first(provinces), biggest_first(dealers))
}

fn trend_point(day: &DayRow) -> TrendPoint {
    TrendPoint {
        date: day.snapshot_date,
        vehicles: day.vehicles,
        reserved: day.reserved,
        published: day.published,
        stock_value: Money(day.sale_value),
        average_days: ratio(day.days_total, day.vehicles),
    }
}

fn brief(row: BriefRow, today: NaiveDate) -> VehicleBrief {
    VehicleBrief {
        days_in_stock: days_between(row.reception_date, today),
        vin: row.vin,
        brand: row.brand,
        model: row.model,
        plate: row.plate,
        sale_price: Money(row.sale_price),
        dealer_name: row.dealer_name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_a_histogram_is_the_middle_value_or_the_mean_of_the_two() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[(5, 1)]), Some(5.0));
        assert_eq!(median(&[(10, 1), (2, 1)]), Some(6.0));
        // 1, 1, 1, 7, 9 → 1
        assert_eq!(median(&[(9, 1), (1, 3), (7, 1)]), Some(1.0));
        // 1, 1, 7, 7 → 4
        assert_eq!(median(&[(7, 2), (1, 2)]), Some(4.0));
    }

    #[test]
    fn age_buckets_and_price_bands_cover_every_value_once() {
        for days in -3..400 {
            let hits = AGE_BUCKETS
                .iter()
                .filter(|(_, min, max)| min.is_none_or(|min| days >= min) && max.is_none_or(|max| days <= max))
                .count();
            assert_eq!(hits, 1, "{days} days");
        }
        for euros in [0, 9_999, 10_000, 29_999, 30_000, 49_999, 50_000, 200_000] {
            let price = Money::from_euros(euros);
            let hits = PRICE_BANDS
                .iter()
                .filter(|(_, min, max)| {
                    min.is_none_or(|min| price >= Money::parse(min).unwrap())
                        && max.is_none_or(|max| price <= Money::parse(max).unwrap())
                })
                .count();
            assert_eq!(hits, 1, "{euros} €");
        }
    }
}
