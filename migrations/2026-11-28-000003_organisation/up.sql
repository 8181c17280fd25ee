-- The organisation: provinces, dealerships and job profiles, and the people in it.

CREATE TABLE provinces (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 10),
    name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100)
);

-- The 52 Spanish provinces and autonomous cities, with their INE codes.
INSERT INTO provinces (code, name) VALUES
    ('01', 'Álava'), ('02', 'Albacete'), ('03', 'Alicante'), ('04', 'Almería'), ('05', 'Ávila'),
    ('06', 'Badajoz'), ('07', 'Illes Balears'), ('08', 'Barcelona'), ('09', 'Burgos'), ('10', 'Cáceres'),
    ('11', 'Cádiz'), ('12', 'Castellón'), ('13', 'Ciudad Real'), ('14', 'Córdoba'), ('15', 'A Coruña'),
    ('16', 'Cuenca'), ('17', 'Girona'), ('18', 'Granada'), ('19', 'Guadalajara'), ('20', 'Gipuzkoa'),
    ('21', 'Huelva'), ('22', 'Huesca'), ('23', 'Jaén'), ('24', 'León'), ('25', 'Lleida'),
    ('26', 'La Rioja'), ('27', 'Lugo'), ('28', 'Madrid'), ('29', 'Málaga'), ('30', 'Murcia'),
    ('31', 'Navarra'), ('32', 'Ourense'), ('33', 'Asturias'), ('34', 'Palencia'), ('35', 'Las Palmas'),
    ('36', 'Pontevedra'), ('37', 'Salamanca'), ('38', 'Santa Cruz de Tenerife'), ('39', 'Cantabria'),
    ('40', 'Segovia'), ('41', 'Sevilla'), ('42', 'Soria'), ('43', 'Tarragona'), ('44', 'Teruel'),
    ('45', 'Toledo'), ('46', 'Valencia'), ('47', 'Valladolid'), ('48', 'Bizkaia'), ('49', 'Zamora'),
    ('50', 'Zaragoza'), ('51', 'Ceuta'), ('52', 'Melilla');

CREATE TABLE dealers (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    address     TEXT        NOT NULL DEFAULT '',
    phone       TEXT        NOT NULL DEFAULT '',
    email       TEXT        NOT NULL DEFAULT '',
    province_id BIGINT      REFERENCES provinces (id) ON DELETE RESTRICT,
    is_active   BOOLEAN     NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX dealers_name_key ON dealers (lower(name));
CREATE INDEX dealers_province_idx ON dealers (province_id);
-- Its set_updated_at trigger: backend/sql/02_bookkeeping.sql.

CREATE TABLE job_profiles (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 20),
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description TEXT    NOT NULL DEFAULT '',
    is_active   BOOLEAN NOT NULL DEFAULT TRUE
);

-- The profiles the earlier system used.
INSERT INTO job_profiles (code, name, description) VALUES
    ('CEO', 'Consejero delegado', 'Dirección general del grupo'),
    ('DC',  'Director comercial', 'Dirige la actividad comercial del grupo'),
    ('GC',  'Gerente comercial', 'Gestiona la venta de uno o varios concesionarios'),
    ('AC',  'Asesor comercial', 'Atiende a clientes y vende vehículos'),
    ('TAS', 'Técnico asesor de servicio', 'Atiende la posventa y el taller');

ALTER TABLE users
    ADD COLUMN job_profile_id BIGINT REFERENCES job_profiles (id) ON DELETE SET NULL,
    ADD COLUMN boss_id        BIGINT REFERENCES users (id) ON DELETE SET NULL CHECK (boss_id <> id),
    ADD COLUMN dealer_id      BIGINT REFERENCES dealers (id) ON DELETE SET NULL,
    ADD COLUMN province_id    BIGINT REFERENCES provinces (id) ON DELETE SET NULL,
    ADD COLUMN mobile         TEXT NOT NULL DEFAULT '',
    ADD COLUMN birth_date     DATE,
    ADD COLUMN joining_date   DATE,
    ADD COLUMN leaving_date   DATE;
CREATE INDEX users_boss_idx ON users (boss_id);
CREATE INDEX users_dealer_idx ON users (dealer_id);
CREATE INDEX users_province_idx ON users (province_id);
CREATE INDEX users_job_profile_idx ON users (job_profile_id);

-- Failed logins, for throttling that holds across replicas. Old rows are purged on insert.
CREATE TABLE login_failures (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username     TEXT        NOT NULL,
    ip           TEXT,
    attempted_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_username_idx ON login_failures (username, attempted_at);
CREATE INDEX login_failures_ip_idx ON login_failures (ip, attempted_at);
