DROP TRIGGER cache_entries_notify_truncate ON cache_entries;
DROP TRIGGER cache_entries_notify_delete ON cache_entries;
DROP FUNCTION notify_live_cache_deleted();
CREATE TRIGGER cache_entries_notify AFTER DELETE OR TRUNCATE ON cache_entries
    FOR EACH STATEMENT EXECUTE FUNCTION notify_cache_invalidated();
CREATE OR REPLACE FUNCTION invalidate_stock_cache() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cache_epoch SET epoch = epoch + 1;
    DELETE FROM cache_entries WHERE key LIKE 'stock:%';
    RETURN NULL;
END $$;
