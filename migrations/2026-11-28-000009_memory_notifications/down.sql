DROP TRIGGER users_notify ON users;
DROP TRIGGER auth_sessions_notify ON auth_sessions;
DROP FUNCTION notify_auth_changed();
DROP TRIGGER cache_entries_notify ON cache_entries;
DROP FUNCTION notify_cache_invalidated();
