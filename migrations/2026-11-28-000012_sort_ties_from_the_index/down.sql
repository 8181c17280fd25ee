DROP INDEX vehicles_reserved_idx;
CREATE INDEX vehicles_reserved_idx ON vehicles (reserved_at) WHERE reserved;
DROP INDEX vehicles_year_idx;
CREATE INDEX vehicles_year_idx ON vehicles (registration_year);
DROP INDEX vehicles_reception_idx;
CREATE INDEX vehicles_reception_idx ON vehicles (reception_date);
