-- Bookkeeping columns kept right whoever writes: who is writing (dealaai_actor), updated_at of
-- users and dealers (diesel's helper), and the created/updated/previous-price/reserved-at
-- columns of vehicles. Re-applied after the migrations on every run; safe to run again.

-- Who is writing: each write transaction runs `set_config('dealaai.user_id', id, true)`
-- (backend/src/stock/mod.rs `set_actor`). NULL when nobody said (a manual UPDATE, a seed).
CREATE OR REPLACE FUNCTION dealaai_actor() RETURNS BIGINT
    LANGUAGE sql STABLE
    RETURN nullif(current_setting('dealaai.user_id', true), '')::bigint;

-- diesel's helper: keeps updated_at current when a row changes and the UPDATE did not set it.
-- Also defined by migration 00000000000000_diesel_initial_setup (diesel's own file, kept as is:
-- its `diesel_manage_updated_at('t')` runs in migrations 2026-11-28-000002 and -000003 and
-- creates the triggers below, which needs this function to exist at that point).
CREATE OR REPLACE FUNCTION diesel_set_updated_at() RETURNS trigger AS $$
BEGIN
    IF (
        NEW IS DISTINCT FROM OLD AND
        NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at
    ) THEN
        NEW.updated_at := current_timestamp;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER set_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION diesel_set_updated_at();
CREATE OR REPLACE TRIGGER set_updated_at BEFORE UPDATE ON dealers
    FOR EACH ROW EXECUTE FUNCTION diesel_set_updated_at();

-- Every path that writes (API, import, CLI) keeps the bookkeeping columns right.
CREATE OR REPLACE FUNCTION vehicles_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.created_by := coalesce(NEW.created_by, dealaai_actor());
        NEW.created_at := now();
    ELSE
        -- Who created a vehicle never changes, but it may be cleared: that is how the
        -- foreign key's ON DELETE SET NULL reaches this row when the user is deleted.
        IF NEW.created_by IS NOT NULL THEN
            NEW.created_by := OLD.created_by;
        END IF;
        NEW.created_at := OLD.created_at;
        IF NEW.sale_price IS DISTINCT FROM OLD.sale_price THEN
            NEW.previous_price := OLD.sale_price;
        END IF;
    END IF;
    IF NEW.reserved AND (TG_OP = 'INSERT' OR NOT OLD.reserved) THEN
        NEW.reserved_at := coalesce(NEW.reserved_at, now());
    ELSIF NOT NEW.reserved THEN
        NEW.reserved_at := NULL;
    END IF;
    NEW.updated_by := coalesce(dealaai_actor(), NEW.updated_by);
    NEW.updated_at := now();
    RETURN NEW;
END $$;

-- Row-level (it edits NEW): the only row trigger on vehicles (950 ms per 100,000 inserted
-- rows, docs/BENCHMARKS.md). Deleting a user clears vehicles.created_by through the foreign key's
-- ON DELETE SET NULL, which fires this trigger as an UPDATE: hence the NULL exception above
-- (migration 2026-11-28-000013).
CREATE OR REPLACE TRIGGER vehicles_before_write BEFORE INSERT OR UPDATE ON vehicles
    FOR EACH ROW EXECUTE FUNCTION vehicles_before_write();
