//! The daily snapshot of the whole stock, for trends and each vehicle's history. It runs
//! inside the backend at a configured local time; a PostgreSQL advisory lock lets only one
//! replica take it, and `snapshot_runs` makes it happen once per day whatever is retried.

use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::config::Config;
use crate::db::DbPool;
use crate::db::schema::snapshot_runs;

/// The advisory lock key of the snapshot job (any constant unique to it).
const SNAPSHOT_LOCK: i64 = 0x6465_616c_6161_6901;

/// How a snapshot request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotOutcome {
    Taken {
        /// Vehicles in stock that day.
        vehicles: i64,
        /// States that began that day: vehicles received, changed or back since the last one.
        opened: i64,
        /// States that ended that day: vehicles changed or gone since the last one.
        closed: i64,
    },
    /// That day's snapshot already exists.
    AlreadyTaken,
    /// A later day's snapshot exists: history is only ever appended to.
    Superseded,
    /// Another replica is taking it right now.
    Busy,
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// The fields a state records, in `vehicle_states` column order; a vehicle whose fields all
/// match its current state keeps it, any difference closes it and opens a new one.
const STATE_FIELDS: &str = "brand, model, dealer_id, province_id, stock_type, status, fuel, reserved, published, \
     mileage_km, sale_price, total_cost, reception_date";

/// Every vehicle with the fields a state records, as they stand now.
const STOCK_AS_STATES: &str = "SELECT vin, brand, model, dealer_id, province_id, stock_type, status, fuel, reserved, \
     published, mileage_km, sale_price, coalesce(total_cost, purchase_price) AS total_cost, reception_date \
     FROM vehicles";

/// Records the stock as it stands as `date`'s snapshot, once: the states of vehicles that
/// changed or left since the last snapshot end on `date`, the new ones begin on it, and the
/// day's totals for the dashboard's trends are computed from the states then current.
pub async fn take_snapshot(conn: &mut AsyncPgConnection, date: NaiveDate) -> QueryResult<SnapshotOutcome> {
    conn.transaction(async move |conn| {
        let lock: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
            .bind::<BigInt, _>(SNAPSHOT_LOCK)
            .get_result(conn)
            .await?;
        if !lock.locked {
            return Ok(SnapshotOutcome::Busy);
        }
        let latest: Option<NaiveDate> =
            snapshot_runs::table.select(diesel::dsl::max(snapshot_runs::snapshot_date)).first(conn).await?;
        match latest {
            Some(latest) if latest == date => return Ok(SnapshotOutcome::AlreadyTaken),
            Some(latest) if latest > date => {
                let done = snapshot_runs::table.find(date).count().get_result::<i64>(conn).await? > 0;
                return Ok(if done { SnapshotOutcome::AlreadyTaken } else { SnapshotOutcome::Superseded });
            }
            _ => {}
        }
        let stock = format!("SELECT * FROM ({STOCK_AS_STATES}) stock WHERE reception_date <= $1");
        let (v, s) = (state_fields_of("v"), state_fields_of("s"));
        // First close what changed or left, then open a state for every vehicle left without one.
        let closed = diesel::sql_query(format!(
            "UPDATE vehicle_states s SET valid_to = $1 WHERE s.valid_to IS NULL AND NOT EXISTS ( \
                 SELECT FROM ({stock}) v WHERE v.vin = s.vin AND ({v}) IS NOT DISTINCT FROM ({s}))"
        ))
        .bind::<Date, _>(date)
        .execute(conn)
        .await? as i64;
        let opened = diesel::sql_query(format!(
            "INSERT INTO vehicle_states (vin, valid_from, {STATE_FIELDS}) \
             SELECT v.vin, $1, {v} FROM ({stock}) v \
             WHERE NOT EXISTS (SELECT FROM vehicle_states s WHERE s.vin = v.vin AND s.valid_to IS NULL)"
        ))
        .bind::<Date, _>(date)
        .execute(conn)
        .await? as i64;
        // The day's totals per dealer, province and stock type, for the dashboard's trends.
        let vehicles = diesel::sql_query(
            "INSERT INTO stock_daily (snapshot_date, dealer_id, province_id, stock_type, vehicles, reserved, \
                 published, sale_value, days_total) \
             SELECT $1, dealer_id, province_id, stock_type, count(*), count(*) FILTER (WHERE reserved), \
                 count(*) FILTER (WHERE published), sum(sale_price), sum($1 - reception_date) \
             FROM vehicle_states WHERE valid_to IS NULL \
             GROUP BY dealer_id, province_id, stock_type \
             RETURNING vehicles",
        )
        .bind::<Date, _>(date)
        .load::<DailyVehicles>(conn)
        .await?
        .iter()
        .map(|row| row.vehicles)
        .sum();
        diesel::insert_into(snapshot_runs::table)
            .values((snapshot_runs::snapshot_date.eq(date), snapshot_runs::vehicles.eq(vehicles)))
            .execute(conn)
            .await?;
        Ok(SnapshotOutcome::Taken { vehicles, opened, closed })
    })
    .await
}

#[derive(QueryableByName)]
struct DailyVehicles {
    #[diesel(sql_type = BigInt)]
    vehicles: i64,
}

/// Takes the snapshots of `first..=last` at once, as if the stock had stood as it stands now
/// (each vehicle from its reception): what `take_snapshot` for each day in turn would record,
/// in three set-based statements whose cost does not grow with the number of days. Days before
/// the history that exists are written that way (their states end where it begins; a server
/// started before the seed has taken today's); days after it are taken one by one; days
/// within it are left as they are.
pub async fn backfill(conn: &mut AsyncPgConnection, first: NaiveDate, last: NaiveDate) -> QueryResult<()> {
    let latest = conn
        .transaction(async move |conn| {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                .bind::<BigInt, _>(SNAPSHOT_LOCK)
                .execute(conn)
                .await?;
            let (earliest, latest): (Option<NaiveDate>, Option<NaiveDate>) = snapshot_runs::table
                .select((
                    diesel::dsl::min(snapshot_runs::snapshot_date),
                    diesel::dsl::max(snapshot_runs::snapshot_date),
                ))
                .first(conn)
                .await?;
            let before = earliest.and_then(|earliest| earliest.pred_opt()).map_or(last, |day| day.min(last));
            if first <= before {
                backfill_before(conn, first, before, earliest).await?;
            }
            Ok::<_, diesel::result::Error>(latest)
        })
        .await?;
    if let Some(latest) = latest {
        for day in first.iter_days().take_while(|day| *day <= last).filter(|day| *day > latest) {
            take_snapshot(conn, day).await?;
        }
    }
    Ok(())
}

/// `first..=last`, all before the history that begins on `history_start` (if any).
async fn backfill_before(
    conn: &mut AsyncPgConnection,
    first: NaiveDate,
    last: NaiveDate,
    history_start: Option<NaiveDate>,
) -> QueryResult<()> {
    diesel::sql_query(format!(
        "INSERT INTO vehicle_states (vin, valid_from, valid_to, {STATE_FIELDS}) \
         SELECT v.vin, greatest(v.reception_date, $1), $3, {v} FROM ({STOCK_AS_STATES}) v \
         WHERE v.reception_date <= $2",
        v = state_fields_of("v")
    ))
    .bind::<Date, _>(first)
    .bind::<Date, _>(last)
    .bind::<Nullable<Date>, _>(history_start)
    .execute(conn)
    .await?;
    // Each day's totals are running sums of the states that began up to it; the days in
    // stock sum to vehicles × day − Σ reception days.
    diesel::sql_query(
        "WITH days AS (SELECT day::date FROM generate_series($1::date, $2::date, interval '1 day') day), \
         arrivals AS ( \
             SELECT valid_from AS day, dealer_id, province_id, stock_type, count(*) AS vehicles, \
                 count(*) FILTER (WHERE reserved) AS reserved, count(*) FILTER (WHERE published) AS published, \
                 sum(sale_price) AS sale_value, sum(reception_date - $1) AS received \
             FROM vehicle_states WHERE valid_from BETWEEN $1 AND $2 GROUP BY 1, 2, 3, 4), \
         groups AS (SELECT DISTINCT dealer_id, province_id, stock_type FROM arrivals), \
         running AS ( \
             SELECT d.day, g.dealer_id, g.province_id, g.stock_type, sum(a.vehicles) OVER w AS vehicles, \
                 sum(a.reserved) OVER w AS reserved, sum(a.published) OVER w AS published, \
                 sum(a.sale_value) OVER w AS sale_value, sum(a.received) OVER w AS received \
             FROM days d CROSS JOIN groups g LEFT JOIN arrivals a ON a.day = d.day \
                 AND a.dealer_id IS NOT DISTINCT FROM g.dealer_id \
                 AND a.province_id IS NOT DISTINCT FROM g.province_id AND a.stock_type = g.stock_type \
             WINDOW w AS (PARTITION BY g.dealer_id, g.province_id, g.stock_type ORDER BY d.day)) \
         INSERT INTO stock_daily (snapshot_date, dealer_id, province_id, stock_type, vehicles, reserved, \
             published, sale_value, days_total) \
         SELECT day, dealer_id, province_id, stock_type, vehicles, reserved, published, sale_value, \
             vehicles * (day - $1) - received \
         FROM running WHERE vehicles > 0",
    )
    .bind::<Date, _>(first)
    .bind::<Date, _>(last)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "INSERT INTO snapshot_runs (snapshot_date, vehicles) \
         SELECT day::date, coalesce((SELECT sum(vehicles) FROM stock_daily WHERE snapshot_date = day::date), 0) \
         FROM generate_series($1::date, $2::date, interval '1 day') day",
    )
    .bind::<Date, _>(first)
    .bind::<Date, _>(last)
    .execute(conn)
    .await?;
    Ok(())
}

/// Each state `s` joined with every snapshot day `r` it held on: the stock "as of" a day.
pub const STATES_ON_SNAPSHOT_DAYS: &str = "vehicle_states s JOIN snapshot_runs r \
     ON r.snapshot_date >= s.valid_from AND (s.valid_to IS NULL OR r.snapshot_date < s.valid_to)";

/// A vehicle as it stood on one snapshot day (its history page).
#[derive(QueryableByName)]
pub struct StateOnDay {
    #[diesel(sql_type = Date)]
    pub snapshot_date: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub sale_price: i64,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Bool)]
    pub reserved: bool,
    #[diesel(sql_type = Bool)]
    pub published: bool,
    #[diesel(sql_type = Integer)]
    pub mileage_km: i32,
    #[diesel(sql_type = Date)]
    pub reception_date: NaiveDate,
}

/// The state fields of the row named `alias`: `v.brand, v.model, …`.
fn state_fields_of(alias: &str) -> String {
    STATE_FIELDS.split(", ").map(|field| format!("{alias}.{field}")).collect::<Vec<_>>().join(", ")
}

/// Runs the snapshot every day at `config.snapshot_time` (local), and once at start-up when
/// today's is due but missing (the server was down at that time).
pub fn spawn_scheduler(pool: DbPool, config: std::sync::Arc<Config>) {
    tokio::spawn(async move {
        loop {
            let now = Utc::now().with_timezone(&config.time_zone);
            let due_today = now.time() >= config.snapshot_time;
            if due_today {
                run_once(&pool, now.date_naive()).await;
            }
            let next_day = if due_today { now.date_naive().succ_opt() } else { Some(now.date_naive()) };
            let next = next_day
                .and_then(|day| config.time_zone.from_local_datetime(&day.and_time(config.snapshot_time)).earliest())
                .map(|next| (next.with_timezone(&Utc) - Utc::now()).to_std().unwrap_or_default())
                .unwrap_or(Duration::from_secs(3600));
            // Wake at least hourly: a clock change or a failed run is picked up soon.
            tokio::time::sleep(next.min(Duration::from_secs(3600))).await;
        }
    });
}

async fn run_once(pool: &DbPool, date: NaiveDate) {
    let mut conn = match pool.get().await {
        Ok(conn) => conn,
        Err(error) => {
            tracing::warn!(%error, "snapshot postponed: no database connection");
            return;
        }
    };
    match take_snapshot(&mut conn, date).await {
        Ok(SnapshotOutcome::Taken { vehicles, opened, closed }) => {
            tracing::info!(%date, vehicles, opened, closed, "stock snapshot taken")
        }
        Ok(_) => {}
        Err(error) => tracing::error!(%error, %date, "stock snapshot failed"),
    }
}
