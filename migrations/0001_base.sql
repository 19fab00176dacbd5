-- 0001: the base every later migration builds on.
-- PostGIS holds the grid cells (geometry(MultiPolygon, 4326)) and the report
-- locations; pgcrypto gives gen_random_uuid()/digest() to SQL-side code.
-- schema_migrations itself is created by `gridd migrate` before this file runs.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- Instance facts that operators may want to see next to the schema version.
CREATE TABLE gridd_settings (
    key        text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_.]{0,62}$'),
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE gridd_settings IS 'instance-wide settings (city time zone, statistics rules, …), edited by admins';

INSERT INTO gridd_settings (key, value) VALUES ('city.time_zone', '"Asia/Shanghai"');
