//! The dashboard's reads. Each is small whatever the size of the stock: the aggregate tables
//! hold a few rows per dealer, province, stock type and dimension value, and the lists walk an
//! index and stop after ten rows.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamptz};
use diesel::{QueryResult, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use shared::dashboard::DashboardFilter;

/// The dashboard's filter on any relation `alias` with `dealer_id`, `province_id` and
/// `stock_type` columns, bound as $1, $2 and $3. Queries are sent unprepared, so PostgreSQL
/// plans each with the actual values and the clauses of unset filters fold away.
pub(crate) fn filter_sql(alias: &str) -> String {
    format!(
        "($1::bigint IS NULL OR {alias}.dealer_id = $1) \
         AND ($2::text IS NULL OR {alias}.province_id = (SELECT id FROM provinces WHERE code = $2)) \
         AND ($3::text IS NULL OR {alias}.stock_type = $3)"
    )
}

pub(crate) fn filtered<'a>(sql: String, filter: &'a DashboardFilter) -> BoxedSqlQuery<'a, Pg, SqlQuery> {
    diesel::sql_query(sql)
        .into_boxed()
        .bind::<Nullable<BigInt>, _>(filter.dealer_id)
        .bind::<Nullable<Text>, _>(filter.province.as_deref())
        .bind::<Nullable<Text>, _>(filter.stock_type.map(|t| t.as_str()))
}

/// Additive figures of a group of vehicles (see the `stock_summary` table).
#[derive(Debug, Clone, Copy, Default, PartialEq, QueryableByName)]
pub struct Totals {
    #[diesel(sql_type = BigInt)]
    pub vehicles: i64,
    #[diesel(sql_type = BigInt)]
    pub available: i64,
    #[diesel(sql_type = BigInt)]
    pub reserved: i64,
    #[diesel(sql_type = BigInt)]
    pub published: i64,
    #[diesel(sql_type = BigInt)]
    pub sale_value: i64,
    #[diesel(sql_type = BigInt)]
    pub costed: i64,
    #[diesel(sql_type = BigInt)]
    pub costed_sale_value: i64,
    #[diesel(sql_type = BigInt)]
    pub cost_value: i64,
    #[diesel(sql_type = BigInt)]
    pub below_cost: i64,
}

impl std::ops::AddAssign for Totals {
    fn add_assign(&mut self, other: Totals) {
        self.vehicles += other.vehicles;
        self.available += other.available;
        self.reserved += other.reserved;
        self.published += other.published;
        self.sale_value += other.sale_value;
        self.costed += other.costed;
        self.costed_sale_value += other.costed_sale_value;
        self.cost_value += other.cost_value;
        self.below_cost += other.below_cost;
    }
}

/// One value of one dimension (a brand, a fuel, a price band, a year, a reception date).
#[derive(Debug, Clone, QueryableByName)]
pub struct DimensionRow {
    #[diesel(sql_type = Text)]
    pub dimension: String,
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(embed)]
    pub totals: Totals,
}

/// The vehicles of one dealer in one province.
#[derive(Debug, Clone, QueryableByName)]
pub struct PlaceRow {
    #[diesel(sql_type = Nullable<BigInt>)]
    pub dealer_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub dealer_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub province_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub province_name: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub vehicles: i64,
    #[diesel(sql_type = BigInt)]
    pub sale_value: i64,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct DayRow {
    #[diesel(sql_type = Date)]
    pub snapshot_date: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub vehicles: i64,
    #[diesel(sql_type = BigInt)]
    pub reserved: i64,
    #[diesel(sql_type = BigInt)]
    pub published: i64,
    #[diesel(sql_type = BigInt)]
    pub sale_value: i64,
    #[diesel(sql_type = BigInt)]
    pub days_total: i64,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Departures {
    #[diesel(sql_type = BigInt)]
    pub sold: i64,
    #[diesel(sql_type = BigInt)]
    pub removed: i64,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct BriefRow {
    #[diesel(sql_type = Text)]
    pub vin: String,
    #[diesel(sql_type = Text)]
    pub brand: String,
    #[diesel(sql_type = Text)]
    pub model: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub plate: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub sale_price: i64,
    #[diesel(sql_type = Date)]
    pub reception_date: NaiveDate,
    #[diesel(sql_type = Nullable<Text>)]
    pub dealer_name: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub reserved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct PriceChangeRow {
    #[diesel(sql_type = Text)]
    pub vin: String,
    #[diesel(sql_type = Text)]
    pub brand: String,
    #[diesel(sql_type = Text)]
    pub model: String,
    #[diesel(sql_type = Timestamptz)]
    pub changed_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub old_price: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub new_price: i64,
}

/// Everything the dashboard is computed from.
pub struct Inputs {
    pub dimensions: Vec<DimensionRow>,
    pub places: Vec<PlaceRow>,
    pub days: Vec<DayRow>,
    pub departures: Departures,
    pub oldest: Vec<BriefRow>,
    pub received: Vec<BriefRow>,
    pub reservations: Vec<BriefRow>,
    pub price_changes: Vec<PriceChangeRow>,
}

const LIST_LENGTH: i64 = 10;

/// Runs every read at once on the one connection (pipelined: one round trip's latency).
pub async fn load(
    conn: &AsyncPgConnection,
    filter: &DashboardFilter,
    trend_since: NaiveDate,
    month_start: DateTime<Utc>,
) -> QueryResult<Inputs> {
    let totals = "sum(s.vehicles)::bigint AS vehicles, sum(s.available)::bigint AS available, \
         sum(s.reserved)::bigint AS reserved, sum(s.published)::bigint AS published, \
         sum(s.sale_value)::bigint AS sale_value, sum(s.costed)::bigint AS costed, \
         sum(s.costed_sale_value)::bigint AS costed_sale_value, sum(s.cost_value)::bigint AS cost_value, \
         sum(s.below_cost)::bigint AS below_cost";
    let dimensions = filtered(
        format!("SELECT s.dimension, s.key, {totals} FROM stock_summary s WHERE {} GROUP BY 1, 2", filter_sql("s")),
        filter,
    );
    // Every vehicle is in exactly one price band: the band rows count each vehicle once.
    let places = filtered(
        format!(
            "SELECT s.dealer_id, d.name AS dealer_name, p.code AS province_code, p.name AS province_name, \
                 sum(s.vehicles)::bigint AS vehicles, sum(s.sale_value)::bigint AS sale_value \
             FROM stock_summary s \
             LEFT JOIN dealers d ON d.id = s.dealer_id LEFT JOIN provinces p ON p.id = s.province_id \
             WHERE s.dimension = 'price_band' AND {} GROUP BY 1, 2, 3, 4",
            filter_sql("s")
        ),
        filter,
    );
    let days = filtered(
        format!(
            "SELECT s.snapshot_date, sum(s.vehicles)::bigint AS vehicles, sum(s.reserved)::bigint AS reserved, \
                 sum(s.published)::bigint AS published, sum(s.sale_value)::bigint AS sale_value, \
                 sum(s.days_total)::bigint AS days_total \
             FROM stock_daily s WHERE s.snapshot_date >= $4 AND {} GROUP BY 1 ORDER BY 1",
            filter_sql("s")
        ),
        filter,
    )
    .bind::<Date, _>(trend_since);
    // Removed vehicles are counted by their state when deleted (`vehicle_removals`).
    let departures = filtered(
        format!(
            "SELECT \
               (SELECT count(DISTINCT c.vin) FROM vehicle_changes c JOIN vehicles v ON v.vin = c.vin \
                WHERE 'status' = ANY (c.fields) AND c.changed_at >= $4 AND v.status = 'sold' AND {}) AS sold, \
               (SELECT coalesce(sum(r.vehicles), 0)::bigint FROM vehicle_removals r \
                WHERE r.removed_at >= $4 AND {}) AS removed",
            filter_sql("v"),
            filter_sql("r")
        ),
        filter,
    )
    .bind::<Timestamptz, _>(month_start);
    let brief = |condition: &str, order: &str| {
        filtered(
            format!(
                "SELECT v.vin, v.brand, v.model, v.plate, v.sale_price, v.reception_date, d.name AS dealer_name, \
                     v.reserved_at \
                 FROM vehicles v LEFT JOIN dealers d ON d.id = v.dealer_id \
                 WHERE {condition} AND {} ORDER BY {order} LIMIT {LIST_LENGTH}",
                filter_sql("v")
            ),
            filter,
        )
    };
    let oldest = brief("TRUE", "v.reception_date, v.vin");
    let received = brief("TRUE", "v.reception_date DESC, v.vin DESC");
    let reservations = brief("v.reserved", "v.reserved_at DESC, v.vin DESC");
    // Newest first by id: the identity follows insertion, and a bulk price change gives
    // thousands of rows the same timestamp.
    let price_changes = filtered(
        format!(
            "SELECT c.vin, v.brand, v.model, c.changed_at, c.old_price, c.new_price \
             FROM vehicle_price_changes c JOIN vehicles v ON v.vin = c.vin \
             WHERE {} ORDER BY c.id DESC LIMIT {LIST_LENGTH}",
            filter_sql("v")
        ),
        filter,
    );

    let (dimensions, places, days, departures, oldest, received, reservations, price_changes) = futures_util::try_join!(
        dimensions.load::<DimensionRow>(&mut &*conn),
        places.load::<PlaceRow>(&mut &*conn),
        days.load::<DayRow>(&mut &*conn),
        departures.get_result::<Departures>(&mut &*conn),
        oldest.load::<BriefRow>(&mut &*conn),
        received.load::<BriefRow>(&mut &*conn),
        reservations.load::<BriefRow>(&mut &*conn),
        price_changes.load::<PriceChangeRow>(&mut &*conn),
    )?;
    Ok(Inputs { dimensions, places, days, departures, oldest, received, reservations, price_changes })
}
