-- Foundation: extensions, the application group role, the tenant-context function,
-- the updated_at trigger function and the `tenants` anchor table.
-- See docs/adr/0002-data-model.md.

-- Trigram matching for contact and note search (a trusted extension: a database owner
-- may create it without superuser rights).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The group role every serving login role (server, worker) is a member of. Roles are
-- cluster-wide and shared by per-test databases: created idempotently, never dropped.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'omnicrm_app_group') THEN
        CREATE ROLE omnicrm_app_group NOLOGIN NOSUPERUSER NOBYPASSRLS;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO omnicrm_app_group;
-- Readiness compares the applied migrations with the embedded ones on an app-role connection.
GRANT SELECT ON __diesel_schema_migrations TO omnicrm_app_group;

-- The tenant of the current transaction: `set_config('app.user_id', <uuid>, true)` sets it.
-- Unset (or empty) gives NULL, so `user_id = app_current_user()` matches no row at all.
-- PARALLEL SAFE like current_setting() itself (settings are passed to parallel workers);
-- without it every query on a table with a policy would be planned without parallelism.
CREATE FUNCTION app_current_user() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;

GRANT EXECUTE ON FUNCTION app_current_user() TO omnicrm_app_group;

-- BEFORE UPDATE trigger function for every table with an updated_at column.
CREATE FUNCTION set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

-- One row per user who ever wrote anything. Every other tenant table references it with
-- ON DELETE CASCADE, so deleting a user's `tenants` row erases all of their rows.
CREATE TABLE tenants (
    user_id uuid PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON tenants TO omnicrm_app_group;
