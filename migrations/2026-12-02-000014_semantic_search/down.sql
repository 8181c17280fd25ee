DROP TRIGGER vehicles_queue_passages_update ON vehicles;
DROP TRIGGER vehicles_queue_passages_insert ON vehicles;
DROP FUNCTION queue_passages();
DROP TABLE embedding_queue;
DROP TABLE passage_embeddings;
DROP TABLE embedding_model;
ALTER TABLE vehicles DROP COLUMN passage_key;
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
          AND e.key NOT IN ('updated_at', 'updated_by', 'previous_price', 'search_text', 'reserved_at')
    ) diff
    WHERE diff.fields IS NOT NULL;
    RETURN NULL;
END $$;
DROP FUNCTION vehicle_passage(TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT);
