-- The stock list and its facets are no longer stored in cache_entries (each process keeps them
-- in memory, with the stock index), so "cached answers were deleted" no longer means "the
-- stock changed": a change may delete nothing. Every stock, dealer, province or snapshot change
-- now notifies by itself, and deleting entries notifies only when a live one went, so the
-- periodic purge of expired entries does not empty every process's memory.
CREATE OR REPLACE FUNCTION invalidate_stock_cache() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cache_epoch SET epoch = epoch + 1;
    DELETE FROM cache_entries WHERE key LIKE 'stock:%';
    PERFORM pg_notify('cache_invalidated', '');
    RETURN NULL;
END $$;

CREATE FUNCTION notify_live_cache_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM gone WHERE expires_at > now()) THEN
        PERFORM pg_notify('cache_invalidated', '');
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER cache_entries_notify ON cache_entries;
CREATE TRIGGER cache_entries_notify_delete AFTER DELETE ON cache_entries
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION notify_live_cache_deleted();
CREATE TRIGGER cache_entries_notify_truncate AFTER TRUNCATE ON cache_entries
    FOR EACH STATEMENT EXECUTE FUNCTION notify_cache_invalidated();

-- Entries from before, which nobody will read again.
DELETE FROM cache_entries WHERE key LIKE 'stock:list:%' OR key LIKE 'stock:facets:%';
