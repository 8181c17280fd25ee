-- Pure helpers (IMMUTABLE, no table access): accent folding, the semantic-search passage and
-- the dashboard's price bands. Re-applied after the migrations on every run; safe to run again.
--
-- !! fold_text and vehicle_passage are PINNED by stored generated columns of `vehicles`
-- !! (search_text and passage_key, and through them vehicles_search_idx and
-- !! vehicles_passage_key_idx). PostgreSQL does not recompute stored values when a function is
-- !! replaced: changing what either returns here, alone, leaves every existing row with the old
-- !! result and new rows with the new one. A change of result needs a MIGRATION that defines
-- !! the new body and rewrites the column (PostgreSQL 17+: `ALTER TABLE vehicles ALTER COLUMN
-- !! search_text SET EXPRESSION AS (...)`; for passage_key also re-queue the embeddings), with
-- !! this file changed in the same commit. Their name, argument types and argument names
-- !! cannot change here at all (that needs DROP, which the generated columns forbid).
-- !! fold_text also has a Rust twin (shared/src/text.rs) that must fold the same way.

-- Case- and accent-insensitive text for search ("citroen" finds "Citroën"). `unaccent` is not
-- in every PostgreSQL build we run on, so the common Latin accents are folded here.
-- `translate` over a 52-character Unicode alphabet cost ~22 µs a call (2.3 s per 100,000
-- vehicles); nearly all text is ASCII, which only needs `lower`. Same results.
-- Used by: the generated column vehicles.search_text (migration 2026-11-28-000004), the name
-- order of dealers and provinces (backend/src/org), xtask's bench.
-- Rust twin: shared/src/text.rs `fold_text` (the API folds the words of `q` with it and
-- matches them against search_text).
CREATE OR REPLACE FUNCTION fold_text(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN $1 ~ '[^\x01-\x7f]' THEN lower(translate($1,
        'ÁÀÂÄÃÅáàâäãåÉÈÊËéèêëÍÌÎÏíìîïÓÒÔÖÕóòôöõÚÙÛÜúùûüÑñÇç',
        'AAAAAAaaaaaaEEEEeeeeIIIIiiiiOOOOOoooooUUUUuuuuNnCc')) ELSE lower($1) END;

-- What a customer would say about a vehicle, in Spanish (the model is multilingual, so English
-- queries match it too). Mileage, price and year are left out: filters answer those exactly,
-- and leaving them out lets identical cars share one embedding.
-- Used by: the generated column vehicles.passage_key = md5(vehicle_passage(...))::uuid
-- (migration 2026-12-02-000014: the passage's identity, vehicles with the same passage share
-- one embedding) and backend/src/search/store.rs (the text sent to the embedder).
CREATE OR REPLACE FUNCTION vehicle_passage(
    brand TEXT, model TEXT, version TEXT, vehicle_type TEXT, fuel TEXT, transmission TEXT,
    colour TEXT, stock_type TEXT, description TEXT
) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN concat_ws('. ',
    concat_ws(' ', brand, model, version),
    vehicle_type,
    CASE fuel
        WHEN 'petrol' THEN 'gasolina' WHEN 'diesel' THEN 'diésel' WHEN 'hybrid' THEN 'híbrido'
        WHEN 'plugin_hybrid' THEN 'híbrido enchufable' WHEN 'electric' THEN 'eléctrico'
        WHEN 'lpg' THEN 'GLP' WHEN 'cng' THEN 'gas natural' END,
    CASE transmission WHEN 'manual' THEN 'cambio manual' WHEN 'automatic' THEN 'cambio automático' END,
    'color ' || colour,
    CASE stock_type
        WHEN 'VO' THEN 'de ocasión' WHEN 'VN' THEN 'nuevo' WHEN 'KM0' THEN 'kilómetro cero'
        WHEN 'DEMO' THEN 'de demostración' END,
    description);

-- The price bands of the dashboard, in cents: 0–10k, 10–20k, 20–30k, 30–50k, 50k+ euros.
-- Used by: stock_summary_statement (dimension 'price_band' of stock_summary, so the keys of
-- rows already stored depend on it too) and the assistant's aggregate tool
-- (backend/src/assistant/tools/queries.rs, GroupBy::PriceBand).
-- Rust twin: PRICE_BANDS in backend/src/dashboard/figures.rs (keys and inclusive list
-- filters); SQL copy in backend/tests/api/dashboard.rs (check_figures). Changing the bands
-- also needs a migration that rebuilds the 'price_band' rows of stock_summary.
CREATE OR REPLACE FUNCTION price_band(cents BIGINT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE
        WHEN cents < 1000000 THEN '0-10000'
        WHEN cents < 2000000 THEN '10000-20000'
        WHEN cents < 3000000 THEN '20000-30000'
        WHEN cents < 5000000 THEN '30000-50000'
        ELSE '50000-'
    END;
