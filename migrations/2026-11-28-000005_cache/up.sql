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

-- Kept by the triggers of backend/sql/05_cache_and_notifications.sql (invalidate_stock_cache on
-- vehicles, dealers, provinces and snapshot_runs).
