-- Searches without a view other tenants' rows flow through (ADR 0011).
--
-- `tenant_contacts` was a plain view owned by the migrating role, whose owner-only policy
-- `owner_search` lets it read every tenant. The view's `user_id = app_current_user()` and
-- a caller's own conditions were planned as one scan, in an order of the planner's
-- choosing, so a caller's condition (a cheap temporary function, say) could run on other
-- tenants' rows before the tenant filter and report them. A security barrier would keep
-- such conditions above the filter, and with them the search's trigram conditions, which
-- are not LEAKPROOF: no index condition, every tenant contact tested (ADR 0005).
--
-- This function keeps the index: its body is fixed, it filters on the session's tenant
-- and the search's own candidates conditions together, as one index condition of
-- `contacts_search_idx`, and returns only the tenant's rows. The caller's conditions
-- (the exact match, the list's filters) run on its result. The candidates are: the
-- document contains `p_like`, or contains `p_digits`, or `p_near` is a near miss of one
-- of its words (pg_trgm's `<%`); a NULL argument matches nothing.
CREATE FUNCTION tenant_contact_candidates(p_like text, p_digits text, p_near text)
    RETURNS SETOF contacts
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    -- The arguments decide the plan (which index branches can match at all); a generic
    -- plan would not know that a NULL argument matches nothing.
    SET plan_cache_mode = force_custom_plan
    SET search_path = public, pg_temp
    AS $$
    BEGIN
        -- LIKE raises on a pattern ending in a lone escape character only when a row's
        -- text gets that far, which would tell about rows the error was raised on.
        IF right(regexp_replace(p_like, '\\.', '', 'g'), 1) = '\'
           OR right(regexp_replace(p_digits, '\\.', '', 'g'), 1) = '\' THEN
            RAISE EXCEPTION 'a search pattern may not end with an escape character'
                USING ERRCODE = 'invalid_escape_sequence';
        END IF;
        RETURN QUERY
            SELECT c.* FROM contacts AS c
            WHERE c.user_id = app_current_user()
              AND (c.search_document LIKE p_like
                   OR c.search_document LIKE p_digits
                   OR p_near <% c.search_document);
    END
    $$;

REVOKE ALL ON FUNCTION tenant_contact_candidates(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_contact_candidates(text, text, text) TO omnicrm_app_group;

DROP VIEW tenant_contacts;
