DROP TABLE snapshot_runs;
DROP TABLE vehicle_snapshots;
DROP TABLE vehicle_changes;
DROP TABLE vehicle_price_changes;
DROP TABLE vehicles;
-- Created by backend/sql/ (absent if it never ran on this database).
DROP FUNCTION IF EXISTS vehicles_log_insert();
DROP FUNCTION IF EXISTS vehicles_log_update();
DROP FUNCTION IF EXISTS vehicles_log_delete();
DROP FUNCTION IF EXISTS vehicles_before_write();
DROP FUNCTION IF EXISTS dealaai_actor();
DROP FUNCTION fold_text(text);
