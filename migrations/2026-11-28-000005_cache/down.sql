DROP TRIGGER snapshot_runs_invalidate_cache ON snapshot_runs;
DROP TRIGGER provinces_invalidate_cache ON provinces;
DROP TRIGGER dealers_invalidate_cache ON dealers;
DROP TRIGGER vehicles_invalidate_cache ON vehicles;
DROP FUNCTION invalidate_stock_cache();
DROP TABLE cache_epoch;
DROP TABLE cache_entries;
