CREATE TABLE vehicle_snapshots (
    snapshot_date  DATE    NOT NULL,
    vin            TEXT    NOT NULL,
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
    PRIMARY KEY (vin, snapshot_date)
);
CREATE INDEX vehicle_snapshots_date_idx ON vehicle_snapshots (snapshot_date);

INSERT INTO vehicle_snapshots
SELECT r.snapshot_date, s.vin, s.brand, s.model, s.dealer_id, s.province_id, s.stock_type, s.status, s.fuel,
    s.reserved, s.published, s.mileage_km, s.sale_price, s.total_cost, s.reception_date
FROM vehicle_states s
JOIN snapshot_runs r ON r.snapshot_date >= s.valid_from AND (s.valid_to IS NULL OR r.snapshot_date < s.valid_to);

DROP TABLE vehicle_states;
