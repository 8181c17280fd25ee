-- Created by backend/sql/05_cache_and_notifications.sql (absent if it never ran here).
DROP TRIGGER IF EXISTS users_notify ON users;
DROP TRIGGER IF EXISTS auth_sessions_notify ON auth_sessions;
DROP FUNCTION IF EXISTS notify_auth_changed();
DROP TRIGGER IF EXISTS cache_entries_notify ON cache_entries;
DROP TRIGGER IF EXISTS cache_entries_notify_truncate ON cache_entries;
DROP FUNCTION IF EXISTS notify_cache_invalidated();
