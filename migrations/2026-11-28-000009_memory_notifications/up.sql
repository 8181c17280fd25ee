-- Each backend process keeps copies of cached answers and of recent session checks in memory
-- (backend/src/cache/memory.rs). These notifications tell every process, on every replica,
-- that its copies are out of date; it empties them when it hears one.

CREATE FUNCTION notify_cache_invalidated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cache_invalidated', '');
    RETURN NULL;
END $$;

-- Cached answers are dropped by the stock's triggers, `dealaai cache clear`, the hourly purge
-- or by hand: each of these deletes from cache_entries.
CREATE TRIGGER cache_entries_notify AFTER DELETE OR TRUNCATE ON cache_entries
    FOR EACH STATEMENT EXECUTE FUNCTION notify_cache_invalidated();

CREATE FUNCTION notify_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('auth_changed', '');
    RETURN NULL;
END $$;

-- A session ends (logout, revocation, token theft) or a user changes (deactivation, role).
CREATE TRIGGER auth_sessions_notify AFTER UPDATE OF revoked_at, expires_at, user_id OR DELETE OR TRUNCATE
    ON auth_sessions FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER users_notify AFTER UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
