-- History as changes: one row per vehicle per stretch of days during which the fields that
-- trends and a vehicle's history need stayed the same, instead of one row per vehicle per
-- day (1,000,000 vehicles x 90 days was 11 GB). A state holds on every snapshot day from
-- `valid_from` up to, not including, `valid_to` (NULL: still current). "As of" questions are
-- asked only for days listed in `snapshot_runs`.
CREATE TABLE vehicle_states (
    vin            TEXT    NOT NULL,
    valid_from     DATE    NOT NULL,
    valid_to       DATE CHECK (valid_to > valid_from),
    brand          TEXT    NOT NULL,
    model          TEXT    NOT NULL,
    dealer_id      BIGINT,
    province_id    BIGINT,
    stock_type     TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    fuel           TEXT,
    reserved       BOOLEAN NOT NULL,
    published      BOOLEAN NOT NULL,
    mileage_km     INTEGER NOT NULL,
    sale_price     BIGINT  NOT NULL,
    total_cost     BIGINT,
    reception_date DATE    NOT NULL,
    PRIMARY KEY (vin, valid_from)
);
-- The daily snapshot compares the stock with the current states only.
CREATE UNIQUE INDEX vehicle_states_current_idx ON vehicle_states (vin) WHERE valid_to IS NULL;

-- Each existing snapshot row joins the state it belongs to: consecutive snapshot days (as
-- listed in snapshot_runs, so a day without a snapshot does not split a state) with the
-- same fields form one state (gaps and islands).
WITH runs AS (
    SELECT snapshot_date, row_number() OVER (ORDER BY snapshot_date) AS run,
           lead(snapshot_date) OVER (ORDER BY snapshot_date) AS next_date
    FROM snapshot_runs
), numbered AS (
    SELECT s.*, r.run, r.next_date,
           r.run - row_number() OVER (
               PARTITION BY s.vin, s.brand, s.model, s.dealer_id, s.province_id, s.stock_type, s.status, s.fuel,
                   s.reserved, s.published, s.mileage_km, s.sale_price, s.total_cost, s.reception_date
               ORDER BY r.run) AS island
    FROM vehicle_snapshots s JOIN runs r USING (snapshot_date)
)
INSERT INTO vehicle_states (vin, valid_from, valid_to, brand, model, dealer_id, province_id, stock_type, status,
    fuel, reserved, published, mileage_km, sale_price, total_cost, reception_date)
SELECT vin, min(snapshot_date), (array_agg(next_date ORDER BY run DESC))[1], brand, model, dealer_id, province_id,
    stock_type, status, fuel, reserved, published, mileage_km, sale_price, total_cost, reception_date
FROM numbered
GROUP BY vin, brand, model, dealer_id, province_id, stock_type, status, fuel, reserved, published, mileage_km,
    sale_price, total_cost, reception_date, island;

DROP TABLE vehicle_snapshots;
