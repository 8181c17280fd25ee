DROP INDEX vehicle_changes_status_idx;
DROP INDEX vehicle_changes_deleted_idx;
-- backend/sql/03_change_log.sql's vehicles_log_delete writes the column dropped below: run
-- `dealaai migrate` (this migration again, then backend/sql/) before deleting vehicles.
ALTER TABLE vehicle_changes DROP COLUMN vehicle;
DROP TABLE stock_daily;
DROP TRIGGER IF EXISTS vehicles_summarise_truncate ON vehicles;
DROP TRIGGER IF EXISTS vehicles_summarise_delete ON vehicles;
DROP TRIGGER IF EXISTS vehicles_summarise_update ON vehicles;
DROP TRIGGER IF EXISTS vehicles_summarise_insert ON vehicles;
DROP FUNCTION IF EXISTS vehicles_summary_truncate();
DROP FUNCTION IF EXISTS vehicles_summarise();
DROP TABLE stock_summary;
DROP FUNCTION stock_summary_statement(TEXT);
DROP FUNCTION price_band(BIGINT);
