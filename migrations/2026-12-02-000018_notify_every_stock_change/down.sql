-- Created by backend/sql/05_cache_and_notifications.sql (absent if it never ran here). The
-- notifications' definitions are not restored: `dealaai migrate` re-applies backend/sql/.
DROP TRIGGER IF EXISTS cache_entries_notify_truncate ON cache_entries;
DROP TRIGGER IF EXISTS cache_entries_notify_delete ON cache_entries;
DROP FUNCTION IF EXISTS notify_live_cache_deleted();
