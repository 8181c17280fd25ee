-- Sorts whose key has many ties end with the VIN as tie-break. At 1,000,000 vehicles a single
-- reception date (an import day) holds ~75,000 vehicles and a registration year ~100,000: with
-- only the key indexed, PostgreSQL read and sorted every tied row for the first page (240 ms
-- cold for the dashboard's latest arrivals). With the VIN in the index, the order comes from
-- the index alone (same direction for both columns, as the list and the dashboard ask).
DROP INDEX vehicles_reception_idx;
CREATE INDEX vehicles_reception_idx ON vehicles (reception_date, vin);
DROP INDEX vehicles_year_idx;
CREATE INDEX vehicles_year_idx ON vehicles (registration_year, vin);
DROP INDEX vehicles_reserved_idx;
CREATE INDEX vehicles_reserved_idx ON vehicles (reserved_at, vin) WHERE reserved;
