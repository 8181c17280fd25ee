CREATE OR REPLACE FUNCTION vehicles_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.created_by := coalesce(NEW.created_by, dealaai_actor());
        NEW.created_at := now();
    ELSE
        NEW.created_by := OLD.created_by;
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
