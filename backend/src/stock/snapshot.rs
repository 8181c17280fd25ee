//! The daily snapshot of the whole stock, for trends and each vehicle's history. It runs
//! inside the backend at a configured local time; a PostgreSQL advisory lock lets only one
//! replica take it, and `snapshot_runs` makes it happen once per day whatever is retried.

use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Date};
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
        vehicles: i64,
    },
    /// That day's snapshot already exists.
    AlreadyTaken,
    /// Another replica is taking it right now.
    Busy,
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// Copies the stock as it stands into `vehicle_snapshots` for `date`, once.
pub async fn take_snapshot(conn: &mut AsyncPgConnection, date: NaiveDate) -> QueryResult<SnapshotOutcome> {
    conn.transaction(async move |conn| {
        let lock: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
            .bind::<diesel::sql_types::BigInt, _>(SNAPSHOT_LOCK)
            .get_result(conn)
            .await?;
        if !lock.locked {
            return Ok(SnapshotOutcome::Busy);
        }
        let done: Option<NaiveDate> =
            snapshot_runs::table.find(date).select(snapshot_runs::snapshot_date).first(conn).await.optional()?;
        if done.is_some() {
            return Ok(SnapshotOutcome::AlreadyTaken);
        }
        let vehicles = diesel::sql_query(
            "INSERT INTO vehicle_snapshots (snapshot_date, vin, brand, model, dealer_id, province_id, stock_type, \
                 status, fuel, reserved, published, mileage_km, sale_price, total_cost, reception_date) \
                 SELECT $1, vin, brand, model, dealer_id, province_id, stock_type, status, fuel, reserved, published, \
                 mileage_km, sale_price, coalesce(total_cost, purchase_price), reception_date \
                 FROM vehicles WHERE reception_date <= $1 ON CONFLICT DO NOTHING",
        )
        .bind::<Date, _>(date)
        .execute(conn)
        .await? as i64;
        // The day's totals per dealer, province and stock type, for the dashboard's trends.
        diesel::sql_query(
            "INSERT INTO stock_daily (snapshot_date, dealer_id, province_id, stock_type, vehicles, reserved, \
                 published, sale_value, days_total) \
             SELECT snapshot_date, dealer_id, province_id, stock_type, count(*), count(*) FILTER (WHERE reserved), \
                 count(*) FILTER (WHERE published), sum(sale_price), sum(snapshot_date - reception_date) \
             FROM vehicle_snapshots WHERE snapshot_date = $1 \
             GROUP BY snapshot_date, dealer_id, province_id, stock_type",
        )
        .bind::<Date, _>(date)
        .execute(conn)
        .await?;
        diesel::insert_into(snapshot_runs::table)
            .values((snapshot_runs::snapshot_date.eq(date), snapshot_runs::vehicles.eq(vehicles)))
            .execute(conn)
            .await?;
        Ok(SnapshotOutcome::Taken { vehicles })
    })
    .await
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
        Ok(SnapshotOutcome::Taken { vehicles }) => tracing::info!(%date, vehicles, "stock snapshot taken"),
        Ok(_) => {}
        Err(error) => tracing::error!(%error, %date, "stock snapshot failed"),
    }
}
