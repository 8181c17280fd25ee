-- The stock's change log: who created, changed or deleted which vehicle (vehicle_changes),
-- every sale price change (vehicle_price_changes) and removals counted per delete statement
-- (vehicle_removals). Re-applied after the migrations on every run; safe to run again.
--
-- Statement-level triggers with transition tables: one set-based INSERT per statement, so a
-- 100,000-row import pays for its history once, not row by row.
-- Readers: the vehicle history endpoint (backend/src/stock/handlers.rs), the dashboard's
-- "sold this month" (`'status' = ANY (fields)`, index vehicle_changes_status_idx), "removed
-- this month" (vehicle_removals) and latest price changes (backend/src/dashboard/queries.rs).

CREATE OR REPLACE FUNCTION vehicles_log_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO vehicle_changes (vin, action, changed_by) SELECT vin, 'create', dealaai_actor() FROM new_rows;
    RETURN NULL;
END $$;

-- `fields` lists the columns whose value changed, by name (to_jsonb's keys are the column
-- names). Derived columns are left out: updated_at/updated_by/previous_price/reserved_at are
-- set by vehicles_before_write, search_text and passage_key are generated from columns the
-- list already names ("The key is derived, like search_text: the change log names the columns
-- it derives from", migration 2026-12-02-000014). A new generated or trigger-kept column of
-- vehicles belongs in this list.
CREATE OR REPLACE FUNCTION vehicles_log_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO vehicle_price_changes (vin, old_price, new_price, changed_by)
    SELECT n.vin, o.sale_price, n.sale_price, dealaai_actor()
    FROM new_rows n JOIN old_rows o USING (vin)
    WHERE n.sale_price IS DISTINCT FROM o.sale_price;

    -- Each row is turned into JSON once (not once per column) and compared key by key.
    INSERT INTO vehicle_changes (vin, action, changed_by, fields)
    SELECT n.vin, 'update', dealaai_actor(), diff.fields
    FROM new_rows n
    JOIN old_rows o USING (vin)
    CROSS JOIN LATERAL (SELECT to_jsonb(n) AS new_json, to_jsonb(o) AS old_json) j
    CROSS JOIN LATERAL (
        SELECT array_agg(e.key ORDER BY e.key) AS fields
        FROM jsonb_each(j.new_json) e
        WHERE e.value IS DISTINCT FROM j.old_json -> e.key
          AND e.key NOT IN ('updated_at', 'updated_by', 'previous_price', 'search_text', 'passage_key', 'reserved_at')
    ) diff
    WHERE diff.fields IS NOT NULL;
    RETURN NULL;
END $$;

-- A deleted vehicle's last state is kept (vehicle_changes.vehicle), so what was deleted is
-- never lost. Removed vehicles are also counted per delete statement and dealer, province and
-- stock type (vehicle_removals), so the dashboard's "removed this month" sums a few narrow
-- rows instead of reading every deleted vehicle's state (a month with 600,000 deletions made
-- the uncached dashboard take 0.5 s for one dealer).
CREATE OR REPLACE FUNCTION vehicles_log_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO vehicle_changes (vin, action, changed_by, vehicle)
    SELECT o.vin, 'delete', dealaai_actor(), to_jsonb(o) - 'search_text' FROM old_rows o;
    INSERT INTO vehicle_removals (removed_at, dealer_id, province_id, stock_type, vehicles)
    SELECT now(), o.dealer_id, o.province_id, o.stock_type, count(*) FROM old_rows o GROUP BY 2, 3, 4;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER vehicles_log_insert AFTER INSERT ON vehicles
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vehicles_log_insert();
CREATE OR REPLACE TRIGGER vehicles_log_update AFTER UPDATE ON vehicles
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vehicles_log_update();
CREATE OR REPLACE TRIGGER vehicles_log_delete AFTER DELETE ON vehicles
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION vehicles_log_delete();
