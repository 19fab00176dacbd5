-- 0012: the role gridd serves as, which cannot rewrite the audit trail.
--
-- Migrations run as the owner of the schema; `gridd serve` should connect as
-- an account that is a member of gridd_app (for example
-- CREATE ROLE gridd_web LOGIN PASSWORD '...' IN ROLE gridd_app). gridd_app
-- may read and write every table, but on case_events only SELECT and INSERT:
-- no UPDATE, DELETE or TRUNCATE, and as it owns nothing it cannot switch the
-- append-only trigger off either. The trigger stays as the second line for
-- owners and superusers. Roles are cluster-wide: when the migrating account
-- may not create roles, this step is skipped with a notice.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gridd_app') THEN
        IF NOT (SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user) THEN
            RAISE NOTICE 'gridd_app not created: % may not create roles; create it and rerun the grants of migration 0012', current_user;
            RETURN;
        END IF;
        BEGIN
            CREATE ROLE gridd_app NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- another database of this cluster made it just now
        END;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO gridd_app', current_schema());
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO gridd_app', current_schema());
    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO gridd_app', current_schema());
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON case_events FROM gridd_app');
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO gridd_app', current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO gridd_app', current_schema());
END
$$;
