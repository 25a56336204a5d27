-- Global search (docs/crm/search-and-ai.md, ADR 0024): a weighted full-text vector on every
-- searchable table, in the language of its owner's locale, behind one definer function
-- whose conditions are index conditions of per-tenant GIN indexes.

-- 1. The practitioner's locale (BCP 47 language tag, `en`, `de-CH`), which picks the
-- stemming of their search vectors.
ALTER TABLE user_profiles ADD COLUMN locale text
    CONSTRAINT user_profiles_locale_check
        CHECK (length(locale) <= 35 AND locale ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$');

-- The text search configuration of a locale's language; `simple` (no stemming, no stop
-- words) for a language PostgreSQL has no stemmer for, and for no locale at all.
CREATE FUNCTION search_language_for_locale(p_locale text)
    RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT CASE lower(substring(p_locale FROM '^[A-Za-z]+'))
            WHEN 'ar' THEN 'arabic' WHEN 'hy' THEN 'armenian' WHEN 'eu' THEN 'basque'
            WHEN 'ca' THEN 'catalan' WHEN 'da' THEN 'danish' WHEN 'nl' THEN 'dutch'
            WHEN 'en' THEN 'english' WHEN 'fi' THEN 'finnish' WHEN 'fr' THEN 'french'
            WHEN 'de' THEN 'german' WHEN 'el' THEN 'greek' WHEN 'hi' THEN 'hindi'
            WHEN 'hu' THEN 'hungarian' WHEN 'id' THEN 'indonesian' WHEN 'ga' THEN 'irish'
            WHEN 'it' THEN 'italian' WHEN 'lt' THEN 'lithuanian' WHEN 'ne' THEN 'nepali'
            WHEN 'no' THEN 'norwegian' WHEN 'nb' THEN 'norwegian' WHEN 'nn' THEN 'norwegian'
            WHEN 'pt' THEN 'portuguese' WHEN 'ro' THEN 'romanian' WHEN 'ru' THEN 'russian'
            WHEN 'sr' THEN 'serbian' WHEN 'es' THEN 'spanish' WHEN 'sv' THEN 'swedish'
            WHEN 'ta' THEN 'tamil' WHEN 'tr' THEN 'turkish' WHEN 'yi' THEN 'yiddish'
            ELSE 'simple'
        END
    $$;

-- The configuration of a language name above. A CASE over schema-qualified constants rather
-- than a cast of the text, which would look the name up in the catalog (not immutable) and
-- would accept any configuration a user could name.
CREATE FUNCTION search_config(p_language text)
    RETURNS regconfig LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT CASE p_language
            WHEN 'arabic' THEN 'pg_catalog.arabic'::regconfig
            WHEN 'armenian' THEN 'pg_catalog.armenian'::regconfig
            WHEN 'basque' THEN 'pg_catalog.basque'::regconfig
            WHEN 'catalan' THEN 'pg_catalog.catalan'::regconfig
            WHEN 'danish' THEN 'pg_catalog.danish'::regconfig
            WHEN 'dutch' THEN 'pg_catalog.dutch'::regconfig
            WHEN 'english' THEN 'pg_catalog.english'::regconfig
            WHEN 'finnish' THEN 'pg_catalog.finnish'::regconfig
            WHEN 'french' THEN 'pg_catalog.french'::regconfig
            WHEN 'german' THEN 'pg_catalog.german'::regconfig
            WHEN 'greek' THEN 'pg_catalog.greek'::regconfig
            WHEN 'hindi' THEN 'pg_catalog.hindi'::regconfig
            WHEN 'hungarian' THEN 'pg_catalog.hungarian'::regconfig
            WHEN 'indonesian' THEN 'pg_catalog.indonesian'::regconfig
            WHEN 'irish' THEN 'pg_catalog.irish'::regconfig
            WHEN 'italian' THEN 'pg_catalog.italian'::regconfig
            WHEN 'lithuanian' THEN 'pg_catalog.lithuanian'::regconfig
            WHEN 'nepali' THEN 'pg_catalog.nepali'::regconfig
            WHEN 'norwegian' THEN 'pg_catalog.norwegian'::regconfig
            WHEN 'portuguese' THEN 'pg_catalog.portuguese'::regconfig
            WHEN 'romanian' THEN 'pg_catalog.romanian'::regconfig
            WHEN 'russian' THEN 'pg_catalog.russian'::regconfig
            WHEN 'serbian' THEN 'pg_catalog.serbian'::regconfig
            WHEN 'spanish' THEN 'pg_catalog.spanish'::regconfig
            WHEN 'swedish' THEN 'pg_catalog.swedish'::regconfig
            WHEN 'tamil' THEN 'pg_catalog.tamil'::regconfig
            WHEN 'turkish' THEN 'pg_catalog.turkish'::regconfig
            WHEN 'yiddish' THEN 'pg_catalog.yiddish'::regconfig
            ELSE 'pg_catalog.simple'::regconfig
        END
    $$;

-- The language of a tenant's vectors: their profile's locale, read under the caller's
-- row-level security (a tenant transaction sees its own profile).
CREATE FUNCTION tenant_search_language(p_user uuid)
    RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        SELECT coalesce((SELECT search_language_for_locale(p.locale)
                         FROM user_profiles AS p WHERE p.user_id = p_user), 'simple')
    $$;

-- A weighted vector: A the title or name, B the body, C secondary text. Bodies are cut at
-- 100,000 characters (a tsvector holds at most 1 MB; a long document is still found by its
-- beginning and its title).
CREATE FUNCTION search_vector(p_language text, p_a text, p_b text, p_c text)
    RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT setweight(to_tsvector(search_config(p_language), coalesce(left(p_a, 1000), '')), 'A')
            || setweight(to_tsvector(search_config(p_language), coalesce(left(p_b, 100000), '')), 'B')
            || setweight(to_tsvector(search_config(p_language), coalesce(left(p_c, 100000), '')), 'C')
    $$;

-- 2. The vectors. `search_language` is set on INSERT from the owner's locale (trigger
-- below) and rewritten when the locale changes; the vector is generated from it, so an
-- edit of the text re-indexes without any application code.
ALTER TABLE contacts ADD COLUMN search_language text NOT NULL DEFAULT 'simple';
ALTER TABLE contacts ADD COLUMN search_vector tsvector NOT NULL
    GENERATED ALWAYS AS (search_vector(search_language, display_name, primary_email, NULL)) STORED;
ALTER TABLE notes ADD COLUMN search_language text NOT NULL DEFAULT 'simple';
ALTER TABLE notes ADD COLUMN search_vector tsvector NOT NULL
    GENERATED ALWAYS AS (search_vector(search_language, NULL, content_plain, NULL)) STORED;
ALTER TABLE interactions ADD COLUMN search_language text NOT NULL DEFAULT 'simple';
ALTER TABLE interactions ADD COLUMN search_vector tsvector NOT NULL
    GENERATED ALWAYS AS (search_vector(search_language, subject, body_text, NULL)) STORED;
ALTER TABLE tasks ADD COLUMN search_language text NOT NULL DEFAULT 'simple';
ALTER TABLE tasks ADD COLUMN search_vector tsvector NOT NULL
    GENERATED ALWAYS AS (search_vector(search_language, name, details ->> 'description',
                                       details ->> 'notes')) STORED;
ALTER TABLE goals ADD COLUMN search_language text NOT NULL DEFAULT 'simple';
ALTER TABLE goals ADD COLUMN search_vector tsvector NOT NULL
    GENERATED ALWAYS AS (search_vector(search_language, name, details ->> 'description',
                                       details ->> 'notes')) STORED;
ALTER TABLE documents ADD COLUMN search_language text NOT NULL DEFAULT 'simple';
ALTER TABLE documents ADD COLUMN search_vector tsvector NOT NULL
    GENERATED ALWAYS AS (search_vector(search_language, title, text, NULL)) STORED;

-- (user_id, lexemes): a tenant's matches without reading other tenants' entries.
CREATE INDEX contacts_search_vector_idx ON contacts USING gin (user_id, search_vector);
CREATE INDEX notes_search_vector_idx ON notes USING gin (user_id, search_vector);
CREATE INDEX interactions_search_vector_idx ON interactions USING gin (user_id, search_vector);
CREATE INDEX tasks_search_vector_idx ON tasks USING gin (user_id, search_vector);
CREATE INDEX goals_search_vector_idx ON goals USING gin (user_id, search_vector);
CREATE INDEX documents_search_vector_idx ON documents USING gin (user_id, search_vector);

-- New rows take their owner's language (generated columns are computed after BEFORE
-- triggers, so the vector is built in it).
CREATE FUNCTION set_search_language() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        NEW.search_language := tenant_search_language(NEW.user_id);
        RETURN NEW;
    END
    $$;

CREATE TRIGGER set_search_language BEFORE INSERT ON contacts
    FOR EACH ROW EXECUTE FUNCTION set_search_language();
CREATE TRIGGER set_search_language BEFORE INSERT ON notes
    FOR EACH ROW EXECUTE FUNCTION set_search_language();
CREATE TRIGGER set_search_language BEFORE INSERT ON interactions
    FOR EACH ROW EXECUTE FUNCTION set_search_language();
CREATE TRIGGER set_search_language BEFORE INSERT ON tasks
    FOR EACH ROW EXECUTE FUNCTION set_search_language();
CREATE TRIGGER set_search_language BEFORE INSERT ON goals
    FOR EACH ROW EXECUTE FUNCTION set_search_language();
CREATE TRIGGER set_search_language BEFORE INSERT ON documents
    FOR EACH ROW EXECUTE FUNCTION set_search_language();

-- A changed locale re-indexes the tenant's rows in the new language (in the same
-- transaction as the profile change; rare, and proportional to the tenant's size).
CREATE FUNCTION user_profiles_reindex_search() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    DECLARE
        v_language text := search_language_for_locale(NEW.locale);
    BEGIN
        IF TG_OP = 'UPDATE' AND search_language_for_locale(OLD.locale) = v_language THEN
            RETURN NULL;
        END IF;
        UPDATE contacts SET search_language = v_language
            WHERE user_id = NEW.user_id AND search_language <> v_language;
        UPDATE notes SET search_language = v_language
            WHERE user_id = NEW.user_id AND search_language <> v_language;
        UPDATE interactions SET search_language = v_language
            WHERE user_id = NEW.user_id AND search_language <> v_language;
        UPDATE tasks SET search_language = v_language
            WHERE user_id = NEW.user_id AND search_language <> v_language;
        UPDATE goals SET search_language = v_language
            WHERE user_id = NEW.user_id AND search_language <> v_language;
        UPDATE documents SET search_language = v_language
            WHERE user_id = NEW.user_id AND search_language <> v_language;
        RETURN NULL;
    END
    $$;

CREATE TRIGGER reindex_search AFTER INSERT OR UPDATE OF locale ON user_profiles
    FOR EACH ROW EXECUTE FUNCTION user_profiles_reindex_search();

-- 3. Owner read policies, as `owner_search` on contacts (migration 000160): FORCE binds the
-- owner too, and behind the tenant policy's barrier `@@` (not LEAKPROOF) could not be an
-- index condition inside the definer function below. Granted to the migrating role only.
DO $$
BEGIN
    EXECUTE format('CREATE POLICY owner_search ON notes FOR SELECT TO %I USING (true)', current_user);
    EXECUTE format('CREATE POLICY owner_search ON interactions FOR SELECT TO %I USING (true)', current_user);
    EXECUTE format('CREATE POLICY owner_search ON tasks FOR SELECT TO %I USING (true)', current_user);
    EXECUTE format('CREATE POLICY owner_search ON goals FOR SELECT TO %I USING (true)', current_user);
    EXECUTE format('CREATE POLICY owner_search ON documents FOR SELECT TO %I USING (true)', current_user);
END
$$;

-- 4. The search. Its body is fixed and filters on the session's tenant itself, so the
-- owner policies above show nothing else (ADR 0011). Each kind named in `p_kinds` gives
-- its best `p_limit` matches by score (0..1): the full-text rank of the weighted vector
-- (normalised r / (r + 1)), and for contacts at least the trigram word similarity of
-- `p_near` with the name (a typo-tolerant match, NULL: none). Snippets are headlines of
-- the best rows only, terms between U+0002 and U+0003 (removed from the text beforehand),
-- which the application turns into escaped HTML with <mark>.
CREATE FUNCTION tenant_search(p_query text, p_near text, p_kinds text[], p_limit integer)
    RETURNS TABLE (kind text, id uuid, title text, snippet text, score real,
                   created_at timestamptz)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET plan_cache_mode = force_custom_plan
    SET search_path = public, pg_temp
    AS $$
    DECLARE
        v_user uuid := app_current_user();
        v_config regconfig := search_config(tenant_search_language(app_current_user()));
        v_query tsquery := websearch_to_tsquery(search_config(tenant_search_language(app_current_user())), p_query);
        v_options text := format('StartSel=%s, StopSel=%s, MaxWords=30, MinWords=12, '
                                 'MaxFragments=2, FragmentDelimiter=" … "', chr(2), chr(3));
    BEGIN
        IF v_user IS NULL OR p_limit < 1 THEN
            RETURN;
        END IF;
        IF p_near IS NOT NULL THEN
            PERFORM set_config('pg_trgm.word_similarity_threshold', '0.5', true);
        END IF;
        IF 'contact' = ANY (p_kinds) THEN
            RETURN QUERY
                SELECT 'contact'::text, b.id, b.display_name,
                       ts_headline(v_config, translate(b.display_name, chr(2) || chr(3), '  '),
                                   v_query, v_options),
                       b.s, b.created_at
                FROM (SELECT c.id, c.display_name, c.created_at,
                             greatest(ts_rank(c.search_vector, v_query, 32),
                                      CASE WHEN p_near IS NULL THEN 0
                                           ELSE word_similarity(p_near, c.display_name) END)::real AS s
                      FROM contacts AS c
                      WHERE c.user_id = v_user
                        AND (c.search_vector @@ v_query OR p_near <% c.search_document)
                      ORDER BY s DESC, c.id LIMIT p_limit) AS b;
        END IF;
        IF 'note' = ANY (p_kinds) THEN
            RETURN QUERY
                SELECT 'note'::text, b.id, left(split_part(b.content_plain, E'\n', 1), 80),
                       ts_headline(v_config, translate(left(b.content_plain, 100000), chr(2) || chr(3), '  '),
                                   v_query, v_options),
                       b.s, b.created_at
                FROM (SELECT n.id, n.content_plain, n.created_at,
                             ts_rank(n.search_vector, v_query, 32)::real AS s
                      FROM notes AS n
                      WHERE n.user_id = v_user AND n.search_vector @@ v_query
                      ORDER BY s DESC, n.id LIMIT p_limit) AS b;
        END IF;
        IF 'interaction' = ANY (p_kinds) THEN
            RETURN QUERY
                SELECT 'interaction'::text, b.id, coalesce(b.subject, b.type_),
                       ts_headline(v_config,
                                   translate(left(concat_ws(E'\n', b.subject, b.body_text), 100000),
                                             chr(2) || chr(3), '  '),
                                   v_query, v_options),
                       b.s, b.created_at
                FROM (SELECT i.id, i.subject, i.body_text, i.type AS type_, i.created_at,
                             ts_rank(i.search_vector, v_query, 32)::real AS s
                      FROM interactions AS i
                      WHERE i.user_id = v_user AND i.search_vector @@ v_query
                      ORDER BY s DESC, i.id LIMIT p_limit) AS b;
        END IF;
        IF 'task' = ANY (p_kinds) THEN
            RETURN QUERY
                SELECT 'task'::text, b.id, b.name,
                       ts_headline(v_config,
                                   translate(left(concat_ws(E'\n', b.name, b.details ->> 'description',
                                                            b.details ->> 'notes'), 100000),
                                             chr(2) || chr(3), '  '),
                                   v_query, v_options),
                       b.s, b.created_at
                FROM (SELECT t.id, t.name, t.details, t.created_at,
                             ts_rank(t.search_vector, v_query, 32)::real AS s
                      FROM tasks AS t
                      WHERE t.user_id = v_user AND t.search_vector @@ v_query
                      ORDER BY s DESC, t.id LIMIT p_limit) AS b;
        END IF;
        IF 'goal' = ANY (p_kinds) THEN
            RETURN QUERY
                SELECT 'goal'::text, b.id, b.name,
                       ts_headline(v_config,
                                   translate(left(concat_ws(E'\n', b.name, b.details ->> 'description',
                                                            b.details ->> 'notes'), 100000),
                                             chr(2) || chr(3), '  '),
                                   v_query, v_options),
                       b.s, b.created_at
                FROM (SELECT g.id, g.name, g.details, g.created_at,
                             ts_rank(g.search_vector, v_query, 32)::real AS s
                      FROM goals AS g
                      WHERE g.user_id = v_user AND g.search_vector @@ v_query
                      ORDER BY s DESC, g.id LIMIT p_limit) AS b;
        END IF;
        IF 'document' = ANY (p_kinds) THEN
            RETURN QUERY
                SELECT 'document'::text, b.id, coalesce(b.title, ''),
                       ts_headline(v_config,
                                   translate(left(concat_ws(E'\n', b.title, b.text), 100000),
                                             chr(2) || chr(3), '  '),
                                   v_query, v_options),
                       b.s, b.created_at
                FROM (SELECT d.id, d.title, d.text, d.created_at,
                             ts_rank(d.search_vector, v_query, 32)::real AS s
                      FROM documents AS d
                      WHERE d.user_id = v_user AND d.search_vector @@ v_query
                      ORDER BY s DESC, d.id LIMIT p_limit) AS b;
        END IF;
    END
    $$;

REVOKE ALL ON FUNCTION tenant_search(text, text, text[], integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_search(text, text, text[], integer) TO omnicrm_app_group;
