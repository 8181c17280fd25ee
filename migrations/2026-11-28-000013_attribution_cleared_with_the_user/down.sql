-- Nothing to undo here (backend/sql/02_bookkeeping.sql owns vehicles_before_write).
SELECT 1;
