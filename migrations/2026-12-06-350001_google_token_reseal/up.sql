-- Re-sealing Google tokens after a key rotation (ADR 0037): the re-seal job must find,
-- across tenants, the integrations whose tokens are not sealed under the current key id.
-- The definer function answers ids only (user and service), never a token; the job then
-- re-seals each row in that user's tenant transaction, under RLS like any other write.
-- FORCE binds the owner too: the function reads through an owner-only policy (as
-- `owner_dispatch`, ADR 0031).
DO $$
BEGIN
    EXECUTE format('CREATE POLICY owner_reseal ON user_integrations FOR SELECT TO %I USING (true)',
                   current_user);
END
$$;

-- Integrations of provider 'google' whose access or refresh token is not in the form
-- `v2:<p_current>:…`, after `(p_after_user, p_after_service)` in key order (keyset pages:
-- a run walks the table once, so a token nobody can open is reported once per run).
CREATE FUNCTION google_tokens_to_reseal(p_current text, p_after_user uuid,
                                        p_after_service text, p_limit integer)
    RETURNS TABLE (user_id uuid, service text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT i.user_id, i.service
        FROM user_integrations AS i
        WHERE i.provider = 'google'
          AND (NOT starts_with(i.access_token, 'v2:' || p_current || ':')
               OR (i.refresh_token IS NOT NULL
                   AND NOT starts_with(i.refresh_token, 'v2:' || p_current || ':')))
          AND (p_after_user IS NULL OR (i.user_id, i.service) > (p_after_user, p_after_service))
        ORDER BY i.user_id, i.service
        LIMIT greatest(p_limit, 0)
    $$;
REVOKE ALL ON FUNCTION google_tokens_to_reseal(text, uuid, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION google_tokens_to_reseal(text, uuid, text, integer) TO omnicrm_app_group;
