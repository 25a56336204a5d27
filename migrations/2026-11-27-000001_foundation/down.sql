-- Reverses 2026-11-27-000001_foundation. The group role is cluster-wide and is never dropped.
DROP TABLE tenants;
DROP FUNCTION set_updated_at();
DROP FUNCTION app_current_user();
REVOKE USAGE ON SCHEMA public FROM omnicrm_app_group;
REVOKE SELECT ON __diesel_schema_migrations FROM omnicrm_app_group;
DROP EXTENSION IF EXISTS pg_trgm;
