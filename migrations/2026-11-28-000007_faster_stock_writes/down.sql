-- Nothing to undo here (backend/sql/01_text.sql owns fold_text).
SELECT 1;
