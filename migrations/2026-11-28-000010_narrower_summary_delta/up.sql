-- Nothing left here: stock_summary_statement's narrower delta is defined in backend/sql/04_dashboard_summary.sql, applied after the
-- migrations. (diesel refuses an empty migration: hence the statement.)
SELECT 1;
