-- Cached answers and what each process keeps in memory, dropped whoever changes the data:
-- the cache epoch and stock:% entries in PostgreSQL (backend/src/cache/mod.rs), and the
-- notifications every backend process LISTENs to (backend/src/cache/listener.rs) to empty its
-- memory (cached answers, the stock index, session checks) on every replica.
-- Channel names are shared with Rust: 'cache_invalidated' = listener.rs ANSWERS_CHANNEL,
-- 'auth_changed' = listener.rs CALLERS_CHANNEL.
-- Re-applied after the migrations on every run; safe to run again.

-- Bumped by every change a cached answer may depend on. An answer computed before a change
-- is only stored if the epoch it started from is still current (checked under a row lock).
-- The stock list and its facets are no longer stored in cache_entries (each process keeps them
-- in memory, with the stock index), so "cached answers were deleted" no longer means "the
-- stock changed": a change may delete nothing. Every stock, dealer, province or snapshot change
-- therefore notifies by itself.
CREATE OR REPLACE FUNCTION invalidate_stock_cache() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cache_epoch SET epoch = epoch + 1;
    DELETE FROM cache_entries WHERE key LIKE 'stock:%';
    PERFORM pg_notify('cache_invalidated', '');
    RETURN NULL;
END $$;

-- Whatever writes (API, import, CLI, a manual UPDATE), the stock's cached answers go.
CREATE OR REPLACE TRIGGER vehicles_invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON vehicles
    FOR EACH STATEMENT EXECUTE FUNCTION invalidate_stock_cache();
-- Dealer and province names appear in the answers; snapshots feed the trends.
CREATE OR REPLACE TRIGGER dealers_invalidate_cache AFTER INSERT OR UPDATE OR DELETE ON dealers
    FOR EACH STATEMENT EXECUTE FUNCTION invalidate_stock_cache();
CREATE OR REPLACE TRIGGER provinces_invalidate_cache AFTER INSERT OR UPDATE OR DELETE ON provinces
    FOR EACH STATEMENT EXECUTE FUNCTION invalidate_stock_cache();
CREATE OR REPLACE TRIGGER snapshot_runs_invalidate_cache AFTER INSERT OR UPDATE OR DELETE ON snapshot_runs
    FOR EACH STATEMENT EXECUTE FUNCTION invalidate_stock_cache();

-- Each backend process keeps copies of cached answers and of recent session checks in memory
-- (backend/src/cache/memory.rs). These notifications tell every process, on every replica,
-- that its copies are out of date; it empties them when it hears one.
CREATE OR REPLACE FUNCTION notify_cache_invalidated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cache_invalidated', '');
    RETURN NULL;
END $$;

-- Deleting entries notifies only when a live one went, so the periodic purge of expired
-- entries does not empty every process's memory.
CREATE OR REPLACE FUNCTION notify_live_cache_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM gone WHERE expires_at > now()) THEN
        PERFORM pg_notify('cache_invalidated', '');
    END IF;
    RETURN NULL;
END $$;

-- Retired by migration 2026-12-02-000018 (it notified on every DELETE, expired entries
-- included); replaced by the two triggers below. Dropped here too so a database that skips
-- the migration's own DROP cannot keep both.
DROP TRIGGER IF EXISTS cache_entries_notify ON cache_entries;

-- Cached answers are dropped by the stock's triggers, `dealaai cache clear`, the hourly purge
-- or by hand: each of these deletes from cache_entries (or truncates it).
CREATE OR REPLACE TRIGGER cache_entries_notify_delete AFTER DELETE ON cache_entries
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION notify_live_cache_deleted();
CREATE OR REPLACE TRIGGER cache_entries_notify_truncate AFTER TRUNCATE ON cache_entries
    FOR EACH STATEMENT EXECUTE FUNCTION notify_cache_invalidated();

CREATE OR REPLACE FUNCTION notify_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('auth_changed', '');
    RETURN NULL;
END $$;

-- A session ends (logout, revocation, token theft) or a user changes (deactivation, role).
-- Only these columns of auth_sessions: last_used_at is updated on every refresh and must not
-- empty every process's session checks.
CREATE OR REPLACE TRIGGER auth_sessions_notify AFTER UPDATE OF revoked_at, expires_at, user_id OR DELETE OR TRUNCATE
    ON auth_sessions FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
CREATE OR REPLACE TRIGGER users_notify AFTER UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
