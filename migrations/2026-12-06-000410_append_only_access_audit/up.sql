-- The photo access audit is append-only for the serving role (ADR 0011): it may record
-- and read its tenant's accesses, never rewrite or remove them. Erasure of a tenant
-- removes them with the `tenants` row (ON DELETE CASCADE, run as the owner) or, for the
-- erasure's sweep, through the definer function below, which removes only the session
-- tenant's rows.
REVOKE UPDATE, DELETE, TRUNCATE ON photo_access_audit FROM omnicrm_app_group;

CREATE FUNCTION erase_photo_access_audit()
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    DECLARE
        erased bigint;
    BEGIN
        -- FORCE ROW LEVEL SECURITY binds the owner too: tenant_isolation confines this
        -- DELETE to the session's tenant even without the WHERE.
        DELETE FROM photo_access_audit WHERE user_id = app_current_user();
        GET DIAGNOSTICS erased = ROW_COUNT;
        RETURN erased;
    END
    $$;

REVOKE ALL ON FUNCTION erase_photo_access_audit() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erase_photo_access_audit() TO omnicrm_app_group;
