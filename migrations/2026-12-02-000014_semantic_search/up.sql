-- Semantic search (backend/src/search/): every vehicle is described by one text (its
-- "passage"), each distinct passage is embedded once, and the vectors live in one table whose
-- single model is recorded. A background worker embeds what the queue holds.

-- What a customer would say about a vehicle, in Spanish (the model is multilingual, so English
-- queries match it too). Mileage, price and year are left out: filters answer those exactly,
-- and leaving them out lets identical cars share one embedding.
CREATE FUNCTION vehicle_passage(
    brand TEXT, model TEXT, version TEXT, vehicle_type TEXT, fuel TEXT, transmission TEXT,
    colour TEXT, stock_type TEXT, description TEXT
) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN concat_ws('. ',
    concat_ws(' ', brand, model, version),
    vehicle_type,
    CASE fuel
        WHEN 'petrol' THEN 'gasolina' WHEN 'diesel' THEN 'diésel' WHEN 'hybrid' THEN 'híbrido'
        WHEN 'plugin_hybrid' THEN 'híbrido enchufable' WHEN 'electric' THEN 'eléctrico'
        WHEN 'lpg' THEN 'GLP' WHEN 'cng' THEN 'gas natural' END,
    CASE transmission WHEN 'manual' THEN 'cambio manual' WHEN 'automatic' THEN 'cambio automático' END,
    'color ' || colour,
    CASE stock_type
        WHEN 'VO' THEN 'de ocasión' WHEN 'VN' THEN 'nuevo' WHEN 'KM0' THEN 'kilómetro cero'
        WHEN 'DEMO' THEN 'de demostración' END,
    description);

-- The passage's identity: vehicles with the same passage share one embedding.
ALTER TABLE vehicles ADD COLUMN passage_key UUID GENERATED ALWAYS AS (md5(vehicle_passage(
    brand, model, version, vehicle_type, fuel, transmission, colour, stock_type, description))::uuid) STORED;
CREATE INDEX vehicles_passage_key_idx ON vehicles (passage_key);

-- The key is derived, like search_text: the change log names the columns it derives from.
CREATE OR REPLACE FUNCTION vehicles_log_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO vehicle_price_changes (vin, old_price, new_price, changed_by)
    SELECT n.vin, o.sale_price, n.sale_price, dealaai_actor()
    FROM new_rows n JOIN old_rows o USING (vin)
    WHERE n.sale_price IS DISTINCT FROM o.sale_price;

    -- Each row is turned into JSON once (not once per column) and compared key by key.
    INSERT INTO vehicle_changes (vin, action, changed_by, fields)
    SELECT n.vin, 'update', dealaai_actor(), diff.fields
    FROM new_rows n
    JOIN old_rows o USING (vin)
    CROSS JOIN LATERAL (SELECT to_jsonb(n) AS new_json, to_jsonb(o) AS old_json) j
    CROSS JOIN LATERAL (
        SELECT array_agg(e.key ORDER BY e.key) AS fields
        FROM jsonb_each(j.new_json) e
        WHERE e.value IS DISTINCT FROM j.old_json -> e.key
          AND e.key NOT IN ('updated_at', 'updated_by', 'previous_price', 'search_text', 'passage_key', 'reserved_at')
    ) diff
    WHERE diff.fields IS NOT NULL;
    RETURN NULL;
END $$;

-- The one model whose vectors `passage_embeddings` holds. A different configured model empties
-- the table and queues everything again (search::store::adopt_model), so vectors of two models
-- are never compared.
CREATE TABLE embedding_model (
    singleton  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    model      TEXT NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
    dimensions INTEGER NOT NULL CHECK (dimensions BETWEEN 1 AND 4000),
    adopted_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- halfvec halves the size of vectors and of the HNSW index at no measurable loss of recall.
-- The dimension is fixed by the adopted model; 384 is the embedded multilingual-e5-small's.
CREATE TABLE passage_embeddings (
    passage_key UUID PRIMARY KEY,
    embedding   halfvec(384) NOT NULL,
    embedded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX passage_embeddings_hnsw_idx ON passage_embeddings
    USING hnsw (embedding halfvec_cosine_ops) WITH (m = 16, ef_construction = 64);

-- Passages waiting for the worker. Workers claim rows with FOR UPDATE SKIP LOCKED, so with
-- several replicas each passage is embedded by one of them.
CREATE TABLE embedding_queue (
    passage_key UUID PRIMARY KEY,
    queued_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX embedding_queue_order_idx ON embedding_queue (queued_at);

-- Queues the new passages of a statement's rows (unchanged or already embedded ones cost one
-- index probe each). Workers poll the queue: a notification would save them nothing.
CREATE FUNCTION queue_passages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO embedding_queue (passage_key)
    SELECT DISTINCT n.passage_key FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM passage_embeddings e WHERE e.passage_key = n.passage_key)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER vehicles_queue_passages_insert AFTER INSERT ON vehicles
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION queue_passages();
CREATE TRIGGER vehicles_queue_passages_update AFTER UPDATE ON vehicles
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION queue_passages();

-- The stock already there.
INSERT INTO embedding_queue (passage_key) SELECT DISTINCT passage_key FROM vehicles;
