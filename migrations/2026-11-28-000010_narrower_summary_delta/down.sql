-- Nothing to undo here (backend/sql/04_dashboard_summary.sql owns stock_summary_statement).
SELECT 1;
