-- Semantic search (backend/src/search/): every vehicle is described by one text (its
-- "passage", vehicle_passage() in 01_text.sql), each distinct passage is embedded once, and a
-- background worker embeds what embedding_queue holds.
-- Re-applied after the migrations on every run; safe to run again.

-- Queues the new passages of a statement's rows (unchanged or already embedded ones cost one
-- index probe each). Workers poll the queue: a notification would save them nothing.
-- Same rule over the whole stock in Rust-issued SQL: backend/src/search/store.rs
-- `queue_missing` (after a model change, `dealaai embeddings ...`).
CREATE OR REPLACE FUNCTION queue_passages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO embedding_queue (passage_key)
    SELECT DISTINCT n.passage_key FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM passage_embeddings e WHERE e.passage_key = n.passage_key)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

-- Writes of any kind (API, import, SQL) queue new passages. No DELETE trigger: vectors no
-- vehicle uses any more are dropped by the worker (search/worker.rs -> store::purge_orphans).
CREATE OR REPLACE TRIGGER vehicles_queue_passages_insert AFTER INSERT ON vehicles
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION queue_passages();
CREATE OR REPLACE TRIGGER vehicles_queue_passages_update AFTER UPDATE ON vehicles
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION queue_passages();
