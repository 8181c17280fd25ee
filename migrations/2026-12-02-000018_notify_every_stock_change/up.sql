-- The stock list and its facets are no longer stored in cache_entries (each process keeps them
-- in memory, with the stock index). Every stock change now notifies by itself, and deleting
-- entries notifies only when a live one went: see backend/sql/05_cache_and_notifications.sql
-- (invalidate_stock_cache, notify_live_cache_deleted, cache_entries_notify_delete/_truncate;
-- the former cache_entries_notify is dropped there).

-- Entries from before, which nobody will read again.
DELETE FROM cache_entries WHERE key LIKE 'stock:list:%' OR key LIKE 'stock:facets:%';
