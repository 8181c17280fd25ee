DROP INDEX vehicle_changes_status_idx;
DROP INDEX vehicle_changes_deleted_idx;
CREATE OR REPLACE FUNCTION vehicles_log_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO vehicle_changes (vin, action, changed_by) SELECT vin, 'delete', dealaai_actor() FROM old_rows;
    RETURN NULL;
END $$;
ALTER TABLE vehicle_changes DROP COLUMN vehicle;
DROP TABLE stock_daily;
DROP TRIGGER vehicles_summarise_truncate ON vehicles;
DROP TRIGGER vehicles_summarise_delete ON vehicles;
DROP TRIGGER vehicles_summarise_update ON vehicles;
DROP TRIGGER vehicles_summarise_insert ON vehicles;
DROP FUNCTION vehicles_summary_truncate();
DROP FUNCTION vehicles_summarise();
DROP TABLE stock_summary;
DROP FUNCTION stock_summary_statement(TEXT);
DROP FUNCTION price_band(BIGINT);
