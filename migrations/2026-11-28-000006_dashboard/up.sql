-- What the dashboard reads, kept small enough to answer over a million vehicles in
-- milliseconds: aggregate tables maintained on write (live figures) and on snapshot (trends).

-- The live stock, counted per filter group (dealer, province, stock type) and per dimension.
-- Each dimension splits the vehicles of a group once, so the group's totals are the sum over
-- any one dimension (the code uses `price_band`). `received` is the reception date: days in
-- stock are worked out from it when read, so the table never goes stale overnight.
CREATE TABLE stock_summary (
    dealer_id         BIGINT,
    province_id       BIGINT,
    stock_type        TEXT   NOT NULL,
    dimension         TEXT   NOT NULL CHECK (dimension IN ('brand', 'fuel', 'price_band', 'year', 'received')),
    -- The value ('' when the vehicle has none): a brand, a fuel code, a band, a year, a date.
    key               TEXT   NOT NULL,
    vehicles          BIGINT NOT NULL,
    -- Status `available` and not reserved.
    available         BIGINT NOT NULL,
    reserved          BIGINT NOT NULL,
    published         BIGINT NOT NULL,
    sale_value        BIGINT NOT NULL,
    -- Vehicles with a known cost (total cost, else purchase price), their sale and cost values.
    costed            BIGINT NOT NULL,
    costed_sale_value BIGINT NOT NULL,
    cost_value        BIGINT NOT NULL,
    below_cost        BIGINT NOT NULL
);
CREATE UNIQUE INDEX stock_summary_key ON stock_summary (dimension, key, stock_type, dealer_id, province_id)
    NULLS NOT DISTINCT;
-- Groups emptied by a write are deleted right after it; this finds them without a scan.
CREATE INDEX stock_summary_empty_idx ON stock_summary (dimension) WHERE vehicles = 0;

-- The price bands of the dashboard, in cents: 0–10k, 10–20k, 20–30k, 30–50k, 50k+ euros.
CREATE FUNCTION price_band(cents BIGINT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE
        WHEN cents < 1000000 THEN '0-10000'
        WHEN cents < 2000000 THEN '10000-20000'
        WHEN cents < 3000000 THEN '20000-30000'
        WHEN cents < 5000000 THEN '30000-50000'
        ELSE '50000-'
    END;

-- The statement adding `source` (rows of the vehicles table with a `sign` column: +1 counted
-- in, -1 counted out) to the summary. Shared by the triggers and the initial fill below.
-- price_band and this function are needed here by the initial fill: the definitions in force
-- are in backend/sql/ (01_text.sql, 04_dashboard_summary.sql), applied after the migrations.
-- Groups whose figures did not change (an edited description) are not written at all, and
-- rows are sorted so concurrent writers lock summary rows in the same order (no deadlocks).
CREATE FUNCTION stock_summary_statement(source TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE
    RETURN format($sql$
        INSERT INTO stock_summary AS s (dealer_id, province_id, stock_type, dimension, key, vehicles, available,
            reserved, published, sale_value, costed, costed_sale_value, cost_value, below_cost)
        SELECT * FROM (
            SELECT v.dealer_id, v.province_id, v.stock_type, d.dimension, d.key,
                sum(v.sign) AS vehicles,
                sum(v.sign * (v.status = 'available' AND NOT v.reserved)::int) AS available,
                sum(v.sign * v.reserved::int) AS reserved,
                sum(v.sign * v.published::int) AS published,
                sum(v.sign * v.sale_price) AS sale_value,
                sum(v.sign * (v.cost IS NOT NULL)::int) AS costed,
                sum(v.sign * CASE WHEN v.cost IS NOT NULL THEN v.sale_price ELSE 0 END) AS costed_sale_value,
                sum(v.sign * coalesce(v.cost, 0)) AS cost_value,
                sum(v.sign * coalesce(v.sale_price < v.cost, false)::int) AS below_cost
            FROM (SELECT c.*, coalesce(c.total_cost, c.purchase_price) AS cost FROM (%s) c) v
            CROSS JOIN LATERAL (VALUES
                ('brand', v.brand),
                ('fuel', coalesce(v.fuel, '')),
                ('price_band', price_band(v.sale_price)),
                ('year', coalesce(v.registration_year::text, '')),
                ('received', v.reception_date::text)
            ) AS d (dimension, key)
            GROUP BY 1, 2, 3, 4, 5
        ) delta
        WHERE (vehicles, available, reserved, published, sale_value, costed, costed_sale_value, cost_value,
            below_cost) <> (0, 0, 0, 0, 0, 0, 0, 0, 0)
        ORDER BY dimension, key, stock_type, dealer_id, province_id
        ON CONFLICT (dimension, key, stock_type, dealer_id, province_id) DO UPDATE SET
            vehicles = s.vehicles + excluded.vehicles,
            available = s.available + excluded.available,
            reserved = s.reserved + excluded.reserved,
            published = s.published + excluded.published,
            sale_value = s.sale_value + excluded.sale_value,
            costed = s.costed + excluded.costed,
            costed_sale_value = s.costed_sale_value + excluded.costed_sale_value,
            cost_value = s.cost_value + excluded.cost_value,
            below_cost = s.below_cost + excluded.below_cost
    $sql$, source);

-- Kept by the statement-level triggers vehicles_summarise_* of backend/sql/04_dashboard_summary.sql,
-- created after the migrations in the same transaction: until then no write may slip between
-- the fill below and the triggers.
LOCK TABLE vehicles IN SHARE ROW EXCLUSIVE MODE;

DO $$ BEGIN
    EXECUTE stock_summary_statement('SELECT 1 AS sign, * FROM vehicles');
END $$;

-- The stock of each daily snapshot per filter group: the trends and the "vs 7/30 days ago"
-- figures read 90 days × a few groups instead of 90 snapshots of every vehicle. Written by
-- the snapshot job in the same transaction as the snapshot.
CREATE TABLE stock_daily (
    snapshot_date DATE   NOT NULL,
    dealer_id     BIGINT,
    province_id   BIGINT,
    stock_type    TEXT   NOT NULL,
    vehicles      BIGINT NOT NULL,
    reserved      BIGINT NOT NULL,
    published     BIGINT NOT NULL,
    sale_value    BIGINT NOT NULL,
    -- Sum of the vehicles' days in stock on that day.
    days_total    BIGINT NOT NULL
);
CREATE UNIQUE INDEX stock_daily_key ON stock_daily (snapshot_date, stock_type, dealer_id, province_id)
    NULLS NOT DISTINCT;

INSERT INTO stock_daily
SELECT snapshot_date, dealer_id, province_id, stock_type, count(*), count(*) FILTER (WHERE reserved),
    count(*) FILTER (WHERE published), sum(sale_price), sum(snapshot_date - reception_date)
FROM vehicle_snapshots
GROUP BY snapshot_date, dealer_id, province_id, stock_type;

-- A deleted vehicle's last state, so removals can be counted per dealer, province and stock
-- type, and what was deleted is never lost.
ALTER TABLE vehicle_changes ADD COLUMN vehicle JSONB;

-- vehicles_log_delete (backend/sql/03_change_log.sql) keeps it.

-- "Sold this month" and "removed this month" look at a month of the change log.
CREATE INDEX vehicle_changes_deleted_idx ON vehicle_changes (changed_at) WHERE action = 'delete';
CREATE INDEX vehicle_changes_status_idx ON vehicle_changes (changed_at) WHERE 'status' = ANY (fields);
