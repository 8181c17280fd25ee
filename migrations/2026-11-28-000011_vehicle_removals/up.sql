-- Removed vehicles counted per delete statement and dealer, province and stock type, so the
-- dashboard's "removed this month" sums a few narrow rows. Before, it read every deleted
-- vehicle's state from the change log: a month with 600,000 deletions (mass re-imports) made
-- the uncached dashboard take 0.5 s for one dealer.
CREATE TABLE vehicle_removals (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    removed_at  TIMESTAMPTZ NOT NULL,
    dealer_id   BIGINT,
    province_id BIGINT,
    -- NULL for deletions logged before the change log kept the vehicle's state.
    stock_type  TEXT,
    vehicles    BIGINT      NOT NULL
);
CREATE INDEX vehicle_removals_at_idx ON vehicle_removals (removed_at);

INSERT INTO vehicle_removals (removed_at, dealer_id, province_id, stock_type, vehicles)
SELECT changed_at, (vehicle ->> 'dealer_id')::bigint, (vehicle ->> 'province_id')::bigint, vehicle ->> 'stock_type',
    count(*)
FROM vehicle_changes WHERE action = 'delete'
GROUP BY 1, 2, 3, 4;

CREATE OR REPLACE FUNCTION vehicles_log_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO vehicle_changes (vin, action, changed_by, vehicle)
    SELECT o.vin, 'delete', dealaai_actor(), to_jsonb(o) - 'search_text' FROM old_rows o;
    INSERT INTO vehicle_removals (removed_at, dealer_id, province_id, stock_type, vehicles)
    SELECT now(), o.dealer_id, o.province_id, o.stock_type, count(*) FROM old_rows o GROUP BY 2, 3, 4;
    RETURN NULL;
END $$;

-- Only "removed this month" read it.
DROP INDEX vehicle_changes_deleted_idx;
