-- Suspected duplicate contacts as an insight (ADR 0039): for a batch of the session
-- tenant's contacts, the earlier contacts of the same tenant sharing an email or a phone
-- with one, or with a very similar display name. A definer function, as
-- `tenant_contact_candidates` (ADR 0005, ADR 0011): under row-level security neither
-- `lower(...) = ...`, LIKE nor the trigram operators are index conditions (not
-- LEAKPROOF), so each contact's comparison would read every contact of the tenant; run as
-- the owner, through owner-only policies, they use `contacts_user_email_dedup_idx`,
-- `contact_identities_user_kind_value_provider_key` and `contacts_search_idx`. The body
-- is fixed and filters on the session's tenant in every branch; it answers only the
-- tenant's own contacts.
DO $$
BEGIN
    EXECUTE format('CREATE POLICY owner_duplicates ON contact_identities FOR SELECT TO %I USING (true)',
                   current_user);
END
$$;

-- For each contact of `p_ids` (the session tenant's only), up to `p_per_contact` contacts
-- created before it (by `created_at`, then id) that share with it an email (primary
-- emails and email identities, case-insensitively), a phone (phone identities, or primary
-- phones whose last 7 to 10 digits agree) or a name of trigram similarity >= 0.6 (names
-- of at least 4 characters), strongest reason first; `reasons` lists every reason found.
CREATE FUNCTION tenant_duplicate_contacts(p_ids uuid[], p_per_contact integer)
    RETURNS TABLE (contact_id uuid, other_id uuid, other_name text, reasons text[])
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        WITH batch AS (
            SELECT c.user_id, c.id, c.created_at, lower(c.display_name) AS name,
                   lower(c.primary_email) AS email,
                   regexp_replace(coalesce(c.primary_phone, ''), '[^0-9]+', '', 'g') AS digits
            FROM contacts AS c
            WHERE c.user_id = app_current_user() AND c.id = ANY (p_ids)
        ),
        keys AS (
            SELECT b.user_id, b.id, 'email'::text AS kind, b.email AS value
            FROM batch AS b WHERE b.email IS NOT NULL AND b.email <> ''
            UNION
            SELECT i.user_id, i.contact_id, i.kind, i.value
            FROM batch AS b
            JOIN contact_identities AS i ON i.user_id = b.user_id AND i.contact_id = b.id
            WHERE i.kind IN ('email', 'phone')
        ),
        matches AS (
            SELECT k.id, o.id AS other_id, 'email'::text AS reason
            FROM keys AS k
            JOIN contacts AS o ON o.user_id = k.user_id AND lower(o.primary_email) = k.value
            WHERE k.kind = 'email'
            UNION ALL
            SELECT k.id, i.contact_id, k.kind
            FROM keys AS k
            JOIN contact_identities AS i
              ON i.user_id = k.user_id AND i.kind = k.kind AND i.value = k.value
            UNION ALL
            SELECT b.id, o.id, 'phone'
            FROM batch AS b
            JOIN contacts AS o
              ON o.user_id = b.user_id AND o.search_document LIKE '%' || right(b.digits, 7) || '%'
            CROSS JOIN LATERAL (
                SELECT regexp_replace(coalesce(o.primary_phone, ''), '[^0-9]+', '', 'g') AS digits
            ) AS od
            WHERE length(b.digits) >= 7 AND length(od.digits) >= 7
              AND right(od.digits, least(10, length(b.digits), length(od.digits)))
                  = right(b.digits, least(10, length(b.digits), length(od.digits)))
            UNION ALL
            SELECT b.id, o.id, 'name'
            FROM batch AS b
            JOIN contacts AS o ON o.user_id = b.user_id AND b.name <% o.search_document
            WHERE char_length(b.name) >= 4
              AND similarity(lower(o.display_name), b.name) >= 0.6
        ),
        pairs AS (
            SELECT m.id, m.other_id, o.display_name AS other_name,
                   array_agg(DISTINCT m.reason ORDER BY m.reason) AS reasons,
                   min(CASE m.reason WHEN 'email' THEN 1 WHEN 'phone' THEN 2 ELSE 3 END) AS strength
            FROM matches AS m
            JOIN batch AS b ON b.id = m.id
            JOIN contacts AS o ON o.user_id = b.user_id AND o.id = m.other_id
            WHERE (o.created_at, o.id) < (b.created_at, b.id)
            GROUP BY m.id, m.other_id, o.display_name
        )
        SELECT r.id, r.other_id, r.other_name, r.reasons
        FROM (SELECT p.*, row_number() OVER (PARTITION BY p.id ORDER BY p.strength, p.other_id) AS n
              FROM pairs AS p) AS r
        WHERE r.n <= greatest(p_per_contact, 0)
        ORDER BY r.id, r.n
    $$;
REVOKE ALL ON FUNCTION tenant_duplicate_contacts(uuid[], integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_duplicate_contacts(uuid[], integer) TO omnicrm_app_group;
