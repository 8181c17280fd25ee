CREATE INDEX vehicle_changes_deleted_idx ON vehicle_changes (changed_at) WHERE action = 'delete';

-- backend/sql/03_change_log.sql's vehicles_log_delete writes this table: run `dealaai migrate`
-- (this migration again, then backend/sql/) before deleting vehicles.
DROP TABLE vehicle_removals;
