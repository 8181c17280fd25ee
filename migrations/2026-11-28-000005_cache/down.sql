-- The triggers that write these tables come from backend/sql/ (absent if it never ran here).
DROP TRIGGER IF EXISTS snapshot_runs_invalidate_cache ON snapshot_runs;
DROP TRIGGER IF EXISTS provinces_invalidate_cache ON provinces;
DROP TRIGGER IF EXISTS dealers_invalidate_cache ON dealers;
DROP TRIGGER IF EXISTS vehicles_invalidate_cache ON vehicles;
DROP FUNCTION IF EXISTS invalidate_stock_cache();
DROP TABLE cache_epoch;
DROP TABLE cache_entries;
