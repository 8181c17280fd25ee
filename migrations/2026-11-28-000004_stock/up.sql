-- The vehicle stock: vehicles keyed by VIN, who changed what, price history, daily snapshots.
-- Money is BIGINT cents. Derived values (days in stock, margin, price difference) are
-- computed when read, never stored.

-- Case- and accent-insensitive text for search ("citroen" finds "Citroën"), needed here by the
-- generated column search_text. The definition in force, with its reasons, is
-- backend/sql/01_text.sql (applied after the migrations); this copy gives the same results.
CREATE FUNCTION fold_text(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN $1 ~ '[^\x01-\x7f]' THEN lower(translate($1,
        'ÁÀÂÄÃÅáàâäãåÉÈÊËéèêëÍÌÎÏíìîïÓÒÔÖÕóòôöõÚÙÛÜúùûüÑñÇç',
        'AAAAAAaaaaaaEEEEeeeeIIIIiiiiOOOOOoooooUUUUuuuuNnCc')) ELSE lower($1) END;

CREATE TABLE vehicles (
    vin               TEXT PRIMARY KEY CHECK (vin ~ '^[A-Z0-9-]{5,30}$'),
    -- Older imports carry identifiers that are not 17-character VINs: kept, and flagged.
    legacy_vin        BOOLEAN GENERATED ALWAYS AS (vin !~ '^[A-HJ-NPR-Z0-9]{17}$') STORED,
    plate             TEXT CHECK (length(plate) BETWEEN 1 AND 20),
    brand             TEXT NOT NULL CHECK (length(brand) BETWEEN 1 AND 60),
    model             TEXT NOT NULL CHECK (length(model) BETWEEN 1 AND 80),
    version           TEXT CHECK (length(version) <= 200),
    registration_year INTEGER CHECK (registration_year BETWEEN 1900 AND 2100),
    registration_date DATE,
    reception_date    DATE NOT NULL DEFAULT CURRENT_DATE,
    mileage_km        INTEGER NOT NULL DEFAULT 0 CHECK (mileage_km >= 0),
    colour            TEXT CHECK (length(colour) <= 60),
    fuel              TEXT CHECK (fuel IN ('petrol', 'diesel', 'hybrid', 'plugin_hybrid', 'electric', 'lpg', 'cng', 'other')),
    transmission      TEXT CHECK (transmission IN ('manual', 'automatic')),
    power_cv          INTEGER CHECK (power_cv BETWEEN 1 AND 2000),
    vehicle_type      TEXT CHECK (length(vehicle_type) <= 60),
    stock_type        TEXT NOT NULL CHECK (stock_type IN ('VO', 'VN', 'KM0', 'DEMO')),
    status            TEXT NOT NULL DEFAULT 'available'
                      CHECK (status IN ('available', 'in_preparation', 'in_transit', 'sold')),
    reserved          BOOLEAN NOT NULL DEFAULT FALSE,
    reserved_at       TIMESTAMPTZ,
    published         BOOLEAN NOT NULL DEFAULT FALSE,
    listing_url       TEXT CHECK (length(listing_url) <= 500),
    dealer_id         BIGINT REFERENCES dealers (id) ON DELETE RESTRICT,
    province_id       BIGINT REFERENCES provinces (id) ON DELETE RESTRICT,
    location          TEXT CHECK (length(location) <= 200),
    purchase_price    BIGINT CHECK (purchase_price >= 0),
    total_cost        BIGINT CHECK (total_cost >= 0),
    sale_price        BIGINT NOT NULL CHECK (sale_price >= 0),
    previous_price    BIGINT,
    description       TEXT CHECK (length(description) <= 10000),
    online_visits     INTEGER NOT NULL DEFAULT 0 CHECK (online_visits >= 0),
    online_calls      INTEGER NOT NULL DEFAULT 0 CHECK (online_calls >= 0),
    online_leads      INTEGER NOT NULL DEFAULT 0 CHECK (online_leads >= 0),
    -- Columns of imported files that have no place above (the earlier table had 114).
    extra             JSONB NOT NULL DEFAULT '{}',
    search_text       TEXT GENERATED ALWAYS AS (fold_text(
                          brand || ' ' || model || ' ' || coalesce(version, '') || ' ' || vin || ' '
                          || coalesce(plate, '') || ' ' || coalesce(colour, ''))) STORED,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_by        BIGINT REFERENCES users (id) ON DELETE SET NULL,
    updated_by        BIGINT REFERENCES users (id) ON DELETE SET NULL
);

-- One index per filter and sort the table offers; sorts break ties by VIN (the primary key),
-- which PostgreSQL adds with an incremental sort.
CREATE INDEX vehicles_brand_model_idx ON vehicles (brand, model);
CREATE INDEX vehicles_model_idx ON vehicles (model);
CREATE INDEX vehicles_plate_idx ON vehicles (plate);
CREATE INDEX vehicles_dealer_idx ON vehicles (dealer_id);
CREATE INDEX vehicles_province_idx ON vehicles (province_id);
CREATE INDEX vehicles_fuel_idx ON vehicles (fuel);
CREATE INDEX vehicles_stock_type_idx ON vehicles (stock_type);
CREATE INDEX vehicles_status_idx ON vehicles (status);
CREATE INDEX vehicles_reserved_idx ON vehicles (reserved_at) WHERE reserved;
CREATE INDEX vehicles_published_idx ON vehicles (vin) WHERE published;
CREATE INDEX vehicles_sale_price_idx ON vehicles (sale_price);
CREATE INDEX vehicles_mileage_idx ON vehicles (mileage_km);
CREATE INDEX vehicles_year_idx ON vehicles (registration_year);
CREATE INDEX vehicles_reception_idx ON vehicles (reception_date);
CREATE INDEX vehicles_power_idx ON vehicles (power_cv);
CREATE INDEX vehicles_updated_idx ON vehicles (updated_at);
CREATE INDEX vehicles_margin_idx ON vehicles ((sale_price - coalesce(total_cost, purchase_price)));
CREATE INDEX vehicles_price_difference_idx ON vehicles ((sale_price - previous_price));
CREATE INDEX vehicles_search_idx ON vehicles USING gin (search_text gin_trgm_ops);

-- Who is writing (dealaai_actor) and the bookkeeping columns (trigger vehicles_before_write):
-- backend/sql/02_bookkeeping.sql.

CREATE TABLE vehicle_price_changes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- No foreign key: the history outlives a deleted vehicle.
    vin        TEXT        NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    old_price  BIGINT,
    new_price  BIGINT      NOT NULL,
    changed_by BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX vehicle_price_changes_vin_idx ON vehicle_price_changes (vin, changed_at DESC);
CREATE INDEX vehicle_price_changes_at_idx ON vehicle_price_changes (changed_at DESC);

CREATE TABLE vehicle_changes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vin        TEXT        NOT NULL,
    action     TEXT        NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    changed_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- For updates, the columns whose value changed.
    fields     TEXT[]      NOT NULL DEFAULT '{}'
);
CREATE INDEX vehicle_changes_vin_idx ON vehicle_changes (vin, changed_at DESC);

-- The change log's triggers (vehicles_log_insert/update/delete): backend/sql/03_change_log.sql.

-- The stock as it stood each day (the fields trends and a vehicle's history need).
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

-- One row per day whose snapshot is complete: what makes the job idempotent.
CREATE TABLE snapshot_runs (
    snapshot_date DATE PRIMARY KEY,
    taken_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    vehicles      BIGINT      NOT NULL
);
