CREATE INDEX vehicle_changes_deleted_idx ON vehicle_changes (changed_at) WHERE action = 'delete';

CREATE OR REPLACE FUNCTION vehicles_log_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO vehicle_changes (vin, action, changed_by, vehicle)
    SELECT o.vin, 'delete', dealaai_actor(), to_jsonb(o) - 'search_text' FROM old_rows o;
    RETURN NULL;
END $$;

DROP TABLE vehicle_removals;
