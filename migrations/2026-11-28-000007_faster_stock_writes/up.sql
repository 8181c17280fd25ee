-- Nothing left here: fold_text's faster body is defined in backend/sql/01_text.sql (and migration 2026-11-28-000004), applied after the
-- migrations. (diesel refuses an empty migration: hence the statement.)
SELECT 1;
