DROP INDEX vehicles_brand_price_idx;
