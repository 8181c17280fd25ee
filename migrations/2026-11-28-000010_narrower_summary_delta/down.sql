CREATE OR REPLACE FUNCTION stock_summary_statement(source TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE
    RETURN format($sql$
        INSERT INTO stock_summary AS s (dealer_id, province_id, stock_type, dimension, key, vehicles, available,
            reserved, published, sale_value, costed, costed_sale_value, cost_value, below_cost)
        SELECT * FROM (
            SELECT v.dealer_id, v.province_id, v.stock_type, d.dimension, d.key,
                sum(v.sign) AS vehicles,
                sum(v.sign * (v.status = 'available' AND NOT v.reserved)::int) AS available,
                sum(v.sign * v.reserved::int) AS reserved,
                sum(v.sign * v.published::int) AS published,
                sum(v.sign * v.sale_price) AS sale_value,
                sum(v.sign * (v.cost IS NOT NULL)::int) AS costed,
                sum(v.sign * CASE WHEN v.cost IS NOT NULL THEN v.sale_price ELSE 0 END) AS costed_sale_value,
                sum(v.sign * coalesce(v.cost, 0)) AS cost_value,
                sum(v.sign * coalesce(v.sale_price < v.cost, false)::int) AS below_cost
            FROM (SELECT c.*, coalesce(c.total_cost, c.purchase_price) AS cost FROM (%s) c) v
            CROSS JOIN LATERAL (VALUES
                ('brand', v.brand),
                ('fuel', coalesce(v.fuel, '')),
                ('price_band', price_band(v.sale_price)),
                ('year', coalesce(v.registration_year::text, '')),
                ('received', v.reception_date::text)
            ) AS d (dimension, key)
            GROUP BY 1, 2, 3, 4, 5
        ) delta
        WHERE (vehicles, available, reserved, published, sale_value, costed, costed_sale_value, cost_value,
            below_cost) <> (0, 0, 0, 0, 0, 0, 0, 0, 0)
        ORDER BY dimension, key, stock_type, dealer_id, province_id
        ON CONFLICT (dimension, key, stock_type, dealer_id, province_id) DO UPDATE SET
            vehicles = s.vehicles + excluded.vehicles,
            available = s.available + excluded.available,
            reserved = s.reserved + excluded.reserved,
            published = s.published + excluded.published,
            sale_value = s.sale_value + excluded.sale_value,
            costed = s.costed + excluded.costed,
            costed_sale_value = s.costed_sale_value + excluded.costed_sale_value,
            cost_value = s.cost_value + excluded.cost_value,
            below_cost = s.below_cost + excluded.below_cost
    $sql$, source);
