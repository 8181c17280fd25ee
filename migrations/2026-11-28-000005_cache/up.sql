-- The cache the architecture promised instead of Redis: costly reads (the stock list and its
-- facets, the dashboard) stored as their JSON answer, with an expiry as the safety net.
-- UNLOGGED: no WAL, emptied after a crash, which a cache can afford.
CREATE UNLOGGED TABLE cache_entries (
    key        TEXT PRIMARY KEY,
    value      TEXT        NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX cache_entries_expiry_idx ON cache_entries (expires_at);

-- Bumped by every change a cached answer may depend on. An answer computed before a change
-- is only stored if the epoch it started from is still current (checked under a row lock).
CREATE UNLOGGED TABLE cache_epoch (
    id    BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    epoch BIGINT  NOT NULL
);
INSERT INTO cache_epoch (epoch) VALUES (0);

CREATE FUNCTION invalidate_stock_cache() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cache_epoch SET epoch = epoch + 1;
    DELETE FROM cache_entries WHERE key LIKE 'stock:%';
    RETURN NULL;
END $$;

-- Whatever writes (API, import, CLI, a manual UPDATE), the stock's cached answers go.
CREATE TRIGGER vehicles_invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON vehicles
    FOR EACH STATEMENT EXECUTE FUNCTION invalidate_stock_cache();
-- Dealer and province names appear in the answers; snapshots feed the trends.
CREATE TRIGGER dealers_invalidate_cache AFTER INSERT OR UPDATE OR DELETE ON dealers
    FOR EACH STATEMENT EXECUTE FUNCTION invalidate_stock_cache();
CREATE TRIGGER provinces_invalidate_cache AFTER INSERT OR UPDATE OR DELETE ON provinces
    FOR EACH STATEMENT EXECUTE FUNCTION invalidate_stock_cache();
CREATE TRIGGER snapshot_runs_invalidate_cache AFTER INSERT OR UPDATE OR DELETE ON snapshot_runs
    FOR EACH STATEMENT EXECUTE FUNCTION invalidate_stock_cache();
