-- An UNLOGGED table is emptied after a crash or an immediate shutdown: the cache entries may
-- go, but the epoch's single row must not, or no answer could be cached again. One small row
-- updated per stock write is cheap to log.
ALTER TABLE cache_epoch SET LOGGED;
INSERT INTO cache_epoch (epoch) VALUES (0) ON CONFLICT DO NOTHING;
