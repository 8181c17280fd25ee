-- Semantic search (backend/src/search/): every vehicle is described by one text (its
-- "passage"), each distinct passage is embedded once, and the vectors live in one table whose
-- single model is recorded. A background worker embeds what the queue holds.

-- What a customer would say about a vehicle, in Spanish (the model is multilingual, so English
-- queries match it too). Mileage, price and year are left out: filters answer those exactly,
-- and leaving them out lets identical cars share one embedding.
-- Needed here by the generated column passage_key; the definition in force is
-- backend/sql/01_text.sql (applied after the migrations), which must give the same results.
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

-- The key is derived, like search_text: the change log (vehicles_log_update,
-- backend/sql/03_change_log.sql) leaves it out of the changed fields.

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

-- Filled by the triggers vehicles_queue_passages_* (backend/sql/06_semantic_search.sql). The
-- ALTER TABLE above holds vehicles locked until they exist (same transaction).

-- The stock already there.
INSERT INTO embedding_queue (passage_key) SELECT DISTINCT passage_key FROM vehicles;
