//! Each tool's reads, on the caller's read-only transaction. StockFilter go through the stock
//! list's own parser and query builder, so a tool counts exactly what the table shows.

use std::collections::HashMap;

use chrono::{Datelike, Days, NaiveDate};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::dashboard::DashboardFilter;
use shared::stock::{Money, SearchMode, Sort, StockFilter, StockQuery, Vehicle, Vin};

use super::ToolError;
use super::args::*;
use crate::config::Config;
use crate::dashboard;
use crate::db::schema::{dealers, provinces, vehicles};
use crate::error::ApiError;
use crate::search::{self, PreparedSearch};
use crate::state::AppState;
use crate::stock::filters::{FilterVehicles, apply_sort, reference_names};
use crate::stock::load_vehicle;
use crate::stock::records::{ReferenceNames, VehicleRow};

fn limit(value: Option<i64>, default: i64, max: i64, name: &str) -> Result<i64, ToolError> {
    let value = value.unwrap_or(default);
    if (1..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ToolError::Refused(format!("`{name}` must be between 1 and {max}")))
    }
}

fn summary(vehicle: Vehicle) -> VehicleSummary {
    VehicleSummary {
        vin: vehicle.vin,
        brand: vehicle.brand,
        model: vehicle.model,
        version: vehicle.version,
        vehicle_type: vehicle.vehicle_type,
        registration_year: vehicle.registration_year,
        mileage_km: vehicle.mileage_km,
        fuel: vehicle.fuel.map(|f| f.as_str().to_owned()),
        transmission: vehicle.transmission.map(|t| t.as_str().to_owned()),
        colour: vehicle.colour,
        sale_price: vehicle.sale_price,
        stock_type: vehicle.stock_type.as_str().to_owned(),
        status: vehicle.status.as_str().to_owned(),
        reserved: vehicle.reserved,
        days_in_stock: vehicle.days_in_stock,
        dealer: vehicle.dealer_name,
        province: vehicle.province_name,
    }
}

pub async fn search(
    conn: &mut AsyncPgConnection,
    args: &SearchArgs,
    today: NaiveDate,
) -> Result<SearchResult, ToolError> {
    let filter = checked(&args.filters, today)?;
    let sort = Sort::parse_optional(args.sort.as_deref()).map_err(|problem| ApiError::from(vec![("sort", problem)]))?;
    let limit = limit(args.limit, 10, 20, "limit")?;
    let count = filter.apply(vehicles::table.into_boxed(), today, None).count();
    let rows = apply_sort(filter.apply(vehicles::table.into_boxed(), today, None), sort.keys())
        .select((VehicleRow::as_select(), reference_names()))
        .limit(limit);
    // Both queries go to PostgreSQL at once on the one connection (pipelining), as the list's.
    let (total, rows): (i64, Vec<(VehicleRow, ReferenceNames)>) =
        futures_util::try_join!(count.get_result(&mut &*conn), rows.load(&mut &*conn))?;
    Ok(SearchResult {
        total,
        vehicles: rows.into_iter().map(|(row, names)| summary(row.to_api(names, today))).collect(),
    })
}

/// The SQL of a group's key; every branch is a fixed string (nothing from the model).
fn group_key(group_by: Option<GroupBy>, today: NaiveDate) -> String {
    let days = |d: u64| format!("DATE '{}'", today.checked_sub_days(Days::new(d)).unwrap_or(NaiveDate::MIN));
    match group_by {
        None => "'all'".into(),
        Some(GroupBy::Brand) => "vehicles.brand".into(),
        Some(GroupBy::Model) => "vehicles.brand || ' ' || vehicles.model".into(),
        Some(GroupBy::VehicleType) => "coalesce(vehicles.vehicle_type, '')".into(),
        Some(GroupBy::Fuel) => "coalesce(vehicles.fuel, '')".into(),
        Some(GroupBy::Transmission) => "coalesce(vehicles.transmission, '')".into(),
        Some(GroupBy::StockType) => "vehicles.stock_type".into(),
        Some(GroupBy::Status) => "vehicles.status".into(),
        Some(GroupBy::Dealer) => "coalesce(vehicles.dealer_id::text, '')".into(),
        Some(GroupBy::Province) => "coalesce(vehicles.province_id::text, '')".into(),
        Some(GroupBy::RegistrationYear) => "coalesce(vehicles.registration_year::text, '')".into(),
        Some(GroupBy::ReceptionMonth) => "to_char(vehicles.reception_date, 'YYYY-MM')".into(),
        Some(GroupBy::PriceBand) => "price_band(vehicles.sale_price)".into(),
        Some(GroupBy::AgeBand) => format!(
            "CASE WHEN vehicles.reception_date >= {} THEN '0-30' WHEN vehicles.reception_date >= {} THEN '31-60' \
             WHEN vehicles.reception_date >= {} THEN '61-90' WHEN vehicles.reception_date >= {} THEN '91-180' \
             ELSE '181-' END",
            days(30),
            days(60),
            days(90),
            days(180)
        ),
    }
}

type GroupRow = (String, i64, i64, Option<i64>, Option<i64>, Option<i64>, Option<f64>, Option<f64>, Option<i32>);

pub async fn aggregate(
    conn: &mut AsyncPgConnection,
    args: &AggregateArgs,
    today: NaiveDate,
) -> Result<AggregateResult, ToolError> {
    let filter = checked(&args.filters, today)?;
    let limit = limit(args.limit, 20, 60, "limit")? as usize;
    let key = group_key(args.group_by, today);
    let days = format!("(DATE '{today}' - vehicles.reception_date)");
    let grouping = if args.group_by.is_some() { key.clone() } else { "()".to_owned() };
    let query = vehicles::table
        .group_by(sql::<Text>(&grouping))
        .select((
            sql::<Text>(&key),
            sql::<BigInt>("count(*)"),
            sql::<BigInt>("coalesce(sum(vehicles.sale_price), 0)::bigint"),
            // numeric's average is exact; round() takes halves away from zero.
            sql::<Nullable<BigInt>>("round(avg(vehicles.sale_price))::bigint"),
            sql::<Nullable<BigInt>>("min(vehicles.sale_price)"),
            sql::<Nullable<BigInt>>("max(vehicles.sale_price)"),
            sql::<Nullable<Double>>("avg(vehicles.mileage_km)::float8"),
            sql::<Nullable<Double>>(&format!("avg{days}::float8")),
            sql::<Nullable<Integer>>(&format!("max{days}")),
        ))
        .into_boxed();
    // (Ordered by the count, then the key: a constant key, ungrouped, cannot be an ORDER BY.)
    let order = if args.group_by.is_some() { format!("count(*) DESC, {key}") } else { "count(*) DESC".to_owned() };
    let rows: Vec<GroupRow> = filter.apply(query, today, None).order(sql::<BigInt>(&order)).load(conn).await?;
    let labels = Labels::load(conn, args.group_by).await?;
    let total_vehicles = rows.iter().map(|r| r.1).sum();
    let total_groups = rows.iter().filter(|r| r.1 > 0).count() as i64;
    let groups = rows
        .into_iter()
        .filter(|r| r.1 > 0)
        .take(limit)
        .map(|(key, vehicles, value, avg_price, min, max, avg_km, avg_days, max_days)| {
            let (key, label) = labels.name(args.group_by, key);
            AggregateGroup {
                key,
                label,
                vehicles,
                stock_value: Money(value),
                average_price: avg_price.map(Money),
                min_price: min.map(Money),
                max_price: max.map(Money),
                average_km: avg_km.map(|k| k.round() as i64),
                average_days: avg_days.map(|d| (d * 10.0).round() / 10.0),
                max_days,
            }
        })
        .collect();
    Ok(AggregateResult { total_vehicles, group_by: args.group_by, groups, total_groups })
}

/// Dealer and province names for grouped keys (small tables, read whole).
#[derive(Default)]
struct Labels {
    dealers: HashMap<i64, String>,
    provinces: HashMap<i64, (String, String)>,
}

impl Labels {
    async fn load(conn: &mut AsyncPgConnection, group_by: Option<GroupBy>) -> QueryResult<Labels> {
        Self::for_dimension(conn, group_by == Some(GroupBy::Dealer), group_by == Some(GroupBy::Province)).await
    }

    async fn for_dimension(conn: &mut AsyncPgConnection, dealers: bool, provinces: bool) -> QueryResult<Labels> {
        let mut labels = Labels::default();
        if dealers {
            labels.dealers =
                dealers::table.select((dealers::id, dealers::name)).load(conn).await?.into_iter().collect();
        }
        if provinces {
            let rows: Vec<(i64, String, String)> =
                provinces::table.select((provinces::id, provinces::code, provinces::name)).load(conn).await?;
            labels.provinces = rows.into_iter().map(|(id, code, name)| (id, (code, name))).collect();
        }
        Ok(labels)
    }

    /// The key a link filters on (a province's code rather than its id) and its name.
    fn name(&self, group_by: Option<GroupBy>, key: String) -> (String, String) {
        let id = key.parse::<i64>().ok();
        match group_by {
            Some(GroupBy::Dealer) => match id.and_then(|id| self.dealers.get(&id)) {
                Some(name) => (key, name.clone()),
                None => (key, "(sin concesionario)".into()),
            },
            Some(GroupBy::Province) => match id.and_then(|id| self.provinces.get(&id)) {
                Some((code, name)) => (code.clone(), name.clone()),
                None => (key, "(sin provincia)".into()),
            },
            _ => (key.clone(), key),
        }
    }
}

/// Embeds the text before the transaction starts (the model may take tens of milliseconds).
pub async fn prepare_semantic(state: &AppState, args: &SemanticArgs) -> Result<PreparedSearch, ToolError> {
    let query = StockQuery {
        q: Some(args.text.clone()),
        mode: Some(SearchMode::Hybrid.as_str().into()),
        ..args.filters.to_query()
    };
    if args.filters.q.is_some() {
        return Err(ToolError::Refused("`filters.q` is not used by semantic_search: put words in `text`".into()));
    }
    Ok(search::prepare(state, &query).await?)
}

pub async fn semantic(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    args: &SemanticArgs,
    prepared: &PreparedSearch,
    today: NaiveDate,
) -> Result<SemanticResult, ToolError> {
    let limit = limit(args.limit, 5, 10, "limit")?;
    let ranked = search::rank_on(conn, state, prepared, limit).await?;
    let found = search::ranking::load(conn, ranked.into_iter().take(limit as usize).collect(), today).await?;
    Ok(SemanticResult {
        mode: prepared.mode.as_str().into(),
        vehicles: found
            .into_iter()
            .map(|r| SemanticMatch { relevance: (r.relevance * 100.0).round() / 100.0, vehicle: summary(r.vehicle) })
            .collect(),
    })
}

pub async fn vehicle(
    conn: &mut AsyncPgConnection,
    args: &VehicleArgs,
    today: NaiveDate,
) -> Result<VehicleResult, ToolError> {
    if args.vin.trim().is_empty() || args.vin.len() > 30 {
        return Err(ToolError::Refused("`vin` must be 1 to 30 characters".into()));
    }
    match load_vehicle(conn, &Vin::new(&args.vin), today).await {
        Ok(vehicle) => Ok(VehicleResult { vehicle: Some(Box::new(vehicle)) }),
        Err(crate::error::ApiError::NotFound(_)) => Ok(VehicleResult { vehicle: None }),
        Err(error) => Err(error.into()),
    }
}

/// A tool's filters, checked as the list checks its query string.
fn checked(filter: &StockFilter, today: NaiveDate) -> Result<StockFilter, ToolError> {
    Ok(filter.checked(today.year()).map_err(ApiError::from)?)
}

/// A tool call's dealer, province and stock type, checked as the list checks them.
fn checked_place(place: &DashboardFilter, today: NaiveDate) -> Result<DashboardFilter, ToolError> {
    let StockFilter { dealer_id, province, stock_type, .. } = checked(&place.stock_filter(), today)?;
    Ok(DashboardFilter { dealer_id, province, stock_type })
}

pub async fn dashboard(
    conn: &mut AsyncPgConnection,
    args: &DashboardFilter,
    config: &Config,
) -> Result<DashboardResult, ToolError> {
    let filter = checked_place(args, config.today())?;
    let figures = dashboard::compute(conn, &filter, config).await?;
    Ok(DashboardResult {
        today: figures.today,
        counts: figures.counts,
        money: figures.money,
        average_days: figures.ageing.average_days.map(|d| (d * 10.0).round() / 10.0),
        median_days: figures.ageing.median_days,
        ageing: figures.ageing.buckets.into_iter().map(|b| (b.key, b.vehicles)).collect(),
    })
}

#[derive(QueryableByName)]
struct SnapshotRow {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    vehicles: i64,
    #[diesel(sql_type = BigInt)]
    reserved: i64,
    #[diesel(sql_type = BigInt)]
    published: i64,
    #[diesel(sql_type = BigInt)]
    sale_value: i64,
    #[diesel(sql_type = BigInt)]
    days_total: i64,
}

#[derive(QueryableByName)]
struct SnapshotDate {
    #[diesel(sql_type = Nullable<Date>)]
    day: Option<NaiveDate>,
}

const MAX_PERIODS: usize = 12;

/// The last day a period covers: a month's last day, or the date itself.
fn period_end(period: &str) -> Option<NaiveDate> {
    if let Ok(date) = NaiveDate::parse_from_str(period, "%Y-%m-%d") {
        return Some(date);
    }
    let first = NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").ok()?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    }?;
    next.pred_opt()
}

pub async fn history(
    conn: &mut AsyncPgConnection,
    args: &HistoryArgs,
    today: NaiveDate,
) -> Result<HistoryResult, ToolError> {
    if args.periods.len() > MAX_PERIODS {
        return Err(ToolError::Refused(format!("at most {MAX_PERIODS} periods")));
    }
    let mut ends = Vec::new();
    for period in &args.periods {
        let end = period_end(period.trim())
            .filter(|end| end.year() >= 2000)
            .ok_or_else(|| ToolError::Refused(format!("`{period}` is not a YYYY-MM month or a YYYY-MM-DD date")))?;
        ends.push((period.trim().to_owned(), end.min(today)));
    }
    if ends.is_empty() {
        ends.push(("latest".to_owned(), today));
    }
    let filter = checked_place(&args.place(), today)?;
    let key = match args.group_by {
        None => "'all'",
        Some(HistoryGroup::Dealer) => "coalesce(d.dealer_id::text, '')",
        Some(HistoryGroup::Province) => "coalesce(d.province_id::text, '')",
        Some(HistoryGroup::StockType) => "d.stock_type",
    };
    let labels = Labels::for_dimension(
        conn,
        args.group_by == Some(HistoryGroup::Dealer),
        args.group_by == Some(HistoryGroup::Province),
    )
    .await?;
    let as_group = args.group_by.map(|g| match g {
        HistoryGroup::Dealer => GroupBy::Dealer,
        HistoryGroup::Province => GroupBy::Province,
        HistoryGroup::StockType => GroupBy::StockType,
    });
    let mut periods = Vec::new();
    for (period, end) in ends {
        let found: SnapshotDate =
            diesel::sql_query("SELECT max(snapshot_date) AS day FROM snapshot_runs WHERE snapshot_date <= $1")
                .bind::<Date, _>(end)
                .get_result(conn)
                .await?;
        // A month before the first snapshot has none (rather than a later month's).
        let day = found.day.filter(|day| period.len() != 7 || day.format("%Y-%m").to_string() == period);
        let rows = match day {
            None => Vec::new(),
            Some(day) => {
                let sql = format!(
                    "SELECT {key} AS key, sum(d.vehicles)::bigint AS vehicles, sum(d.reserved)::bigint AS reserved, \
                     sum(d.published)::bigint AS published, sum(d.sale_value)::bigint AS sale_value, \
                     sum(d.days_total)::bigint AS days_total \
                     FROM stock_daily d WHERE d.snapshot_date = $4 AND {} GROUP BY 1 ORDER BY 2 DESC, 1",
                    crate::dashboard::queries::filter_sql("d")
                );
                let rows: Vec<SnapshotRow> =
                    crate::dashboard::queries::filtered(sql, &filter).bind::<Date, _>(day).load(conn).await?;
                rows.into_iter()
                    .map(|row| {
                        let (key, label) = labels.name(as_group, row.key);
                        HistoryRow {
                            key,
                            label,
                            vehicles: row.vehicles,
                            reserved: row.reserved,
                            published: row.published,
                            stock_value: Money(row.sale_value),
                            average_days: (row.vehicles > 0)
                                .then(|| (row.days_total as f64 / row.vehicles as f64 * 10.0).round() / 10.0),
                        }
                    })
                    .collect()
            }
        };
        periods.push(HistoryPeriod { period, snapshot_date: day, rows });
    }
    Ok(HistoryResult { group_by: args.group_by, periods })
}
