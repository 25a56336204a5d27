-- The contact list and its search without per-request scans (ADR 0005).
--
-- 1. Search through an index the serving role can use.
--
-- Under FORCE ROW LEVEL SECURITY the planner may only use a condition as an index condition
-- when its operator is LEAKPROOF; LIKE and the trigram operators are not, so the serving
-- role's searches used to evaluate every contact of the tenant. `tenant_contacts` is a view
-- (owned by the migrating role, not a security barrier) that filters on the session's user
-- explicitly: queries through it are planned as one query over `contacts`, so their search
-- conditions become index conditions of `contacts_search_idx`. It shows exactly the rows
-- the tenant_isolation policy shows; the serving role may only read it.
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- Everything a search matches on, lower-cased, one field per unit separator (U+001F) so a
-- substring cannot span two fields: name, email, phone, and the phone's digits alone.
CREATE FUNCTION contact_search_document(p_name text, p_email text, p_phone text)
    RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT lower(coalesce(p_name, '') || chr(31) || coalesce(p_email, '') || chr(31)
                     || coalesce(p_phone, '') || chr(31)
                     || coalesce(regexp_replace(p_phone, '[^0-9]+', '', 'g'), ''))
    $$;

-- The words of the name and of the email's local part, lower-cased, split at ASCII
-- characters other than letters and digits (pg_trgm's word boundaries whatever the locale).
-- A one-word term equal to one of them has word similarity 1 with its field, so ranking
-- skips the trigram comparison for the commonest search: a whole name.
CREATE FUNCTION contact_search_words(p_name text, p_email text)
    RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT regexp_split_to_array(
            lower(coalesce(p_name, '') || ' ' || coalesce(split_part(p_email, '@', 1), '')),
            '[\x01-\x2f\x3a-\x60\x7b-\x7f]+')
    $$;

ALTER TABLE contacts
    ADD COLUMN search_document text NOT NULL
        GENERATED ALWAYS AS (contact_search_document(display_name, primary_email, primary_phone)) STORED,
    ADD COLUMN search_words text[] NOT NULL
        GENERATED ALWAYS AS (contact_search_words(display_name, primary_email)) STORED;

-- (user_id, trigrams): one tenant's matches without touching other tenants' entries.
CREATE INDEX contacts_search_idx ON contacts
    USING gin (user_id, search_document gin_trgm_ops);

-- The per-column trigram indexes served nobody: the serving role could not use them.
DROP INDEX contacts_display_name_trgm_idx;
DROP INDEX contacts_primary_email_trgm_idx;
DROP INDEX contacts_primary_phone_trgm_idx;

-- FORCE ROW LEVEL SECURITY binds the table owner too: without a policy of its own, the
-- owner's view would still filter behind the security barrier (correct, but unindexed).
-- The policy is granted to the migrating role (the owner) only; the serving roles are not
-- that role. (A superuser owner bypasses RLS anyway; the policy is then unused.)
DO $$
BEGIN
    EXECUTE format('CREATE POLICY owner_search ON contacts FOR SELECT TO %I USING (true)',
                   current_user);
END
$$;

-- Recreate this view in any migration that adds columns to contacts (SELECT * is expanded
-- when the view is created).
CREATE VIEW tenant_contacts AS
    SELECT * FROM contacts WHERE user_id = app_current_user();

GRANT SELECT ON tenant_contacts TO omnicrm_app_group;

-- 2. The unfiltered total without counting.
--
-- Statement-level triggers keep tenants.contact_count exact: every contact INSERT and DELETE
-- (cascades included) adjusts it once per statement and tenant, under the tenant row's lock.
ALTER TABLE tenants ADD COLUMN contact_count bigint NOT NULL DEFAULT 0
    CONSTRAINT tenants_contact_count_check CHECK (contact_count >= 0);

UPDATE tenants AS t
SET contact_count = c.n
FROM (SELECT user_id, count(*) AS n FROM contacts GROUP BY user_id) AS c
WHERE c.user_id = t.user_id;

CREATE FUNCTION contacts_adjust_tenant_count() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE tenants AS t SET contact_count = t.contact_count + d.n
            FROM (SELECT user_id, count(*) AS n FROM new_contacts GROUP BY user_id) AS d
            WHERE t.user_id = d.user_id;
        ELSE
            -- A tenant being erased is already gone: nothing to update then.
            UPDATE tenants AS t SET contact_count = t.contact_count - d.n
            FROM (SELECT user_id, count(*) AS n FROM old_contacts GROUP BY user_id) AS d
            WHERE t.user_id = d.user_id;
        END IF;
        RETURN NULL;
    END
    $$;

CREATE TRIGGER contacts_count_inserted AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_contacts
    FOR EACH STATEMENT EXECUTE FUNCTION contacts_adjust_tenant_count();
CREATE TRIGGER contacts_count_deleted AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_contacts
    FOR EACH STATEMENT EXECUTE FUNCTION contacts_adjust_tenant_count();

-- 3. lastNote: the newest note of a contact is the first entry of this index, so the
-- list's per-row lookup reads one entry instead of sorting all of the contact's notes.
CREATE INDEX notes_user_contact_latest_idx ON notes (user_id, contact_id, created_at DESC, id DESC);
DROP INDEX notes_user_contact_created_idx;

-- 4. The photo access log is written on every list page that shows photos and read per
-- contact only (photo_access_audit_user_contact_accessed_idx; the export reads by the
-- primary key): its (user_id, accessed_at) index only cost writes.
DROP INDEX photo_access_audit_user_accessed_idx;
