-- Nothing left here: the notifications (notify_cache_invalidated, notify_auth_changed and their
-- triggers) is defined in backend/sql/05_cache_and_notifications.sql, applied after the
-- migrations. (diesel refuses an empty migration: hence the statement.)
SELECT 1;
