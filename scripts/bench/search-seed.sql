-- Seed for scripts/bench-search (set-based; run as the owner role with psql variables):
--   :tenant      the measured tenant's user id
--   :backfill    the backfill tenant's user id (notes to embed, no vectors yet)
--   :others      other tenants                                            (200)
--   :measured    embedded items of the measured tenant                    (50000)
--   :other_items embedded items of each other tenant                      (250)
--   :notes       notes of the backfill tenant                             (10000)
-- Items are one tenth contacts, six tenths notes, one tenth tasks, two tenths documents,
-- with texts drawn from a wellness-practice vocabulary (so full-text queries match
-- thousands of them). Their vectors are stored directly (the local model's name and
-- dimension, 384 little-endian f32s): one of 1024 random unit vectors per item. Search
-- latency does not depend on what the vectors mean; embedding them through the model
-- would take hours and is measured separately (throughput, the backfill).
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE bench_tenants ON COMMIT DROP AS
SELECT t AS n,
       CASE WHEN t = 0 THEN :'tenant'::uuid
            ELSE md5('omnicrm-search-bench-tenant-' || t)::uuid END AS user_id,
       CASE WHEN t = 0 THEN :measured ELSE :other_items END AS items
FROM generate_series(0, :others) AS t;
INSERT INTO tenants (user_id) SELECT user_id FROM bench_tenants;
INSERT INTO tenants (user_id) VALUES (:'backfill'::uuid);

CREATE TEMP TABLE bench_words ON COMMIT DROP AS
SELECT array['sleep', 'insomnia', 'anxiety', 'stress', 'breathing', 'meditation', 'posture',
             'shoulder', 'tension', 'migraine', 'nutrition', 'hydration', 'fatigue', 'energy',
             'yoga', 'stretching', 'mobility', 'recovery', 'session', 'progress', 'goals',
             'journal', 'gratitude', 'caffeine', 'screen', 'routine', 'walking', 'strength',
             'balance', 'digestion', 'mood', 'focus', 'burnout', 'rest', 'massage', 'therapy',
             'follow-up', 'referral', 'intake', 'plan', 'review', 'weekly', 'morning', 'evening',
             'pain', 'knee', 'back', 'neck', 'relaxation', 'mindfulness'] AS w;

-- A text of n words for item i (deterministic, varied).
CREATE FUNCTION pg_temp.bench_text(i bigint, n integer) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(w[1 + ((i * 7919 + j * 104729) % 50)::integer], ' ' ORDER BY j)
    FROM bench_words, generate_series(1, n) AS j
$$;

CREATE TEMP TABLE bench_items ON COMMIT DROP AS
SELECT bt.user_id, i,
       CASE WHEN i % 10 = 0 THEN 'contact'
            WHEN i % 10 IN (1, 2, 3, 4, 5, 6) THEN 'note'
            WHEN i % 10 = 7 THEN 'task'
            ELSE 'document' END AS kind,
       gen_random_uuid() AS id
FROM bench_tenants AS bt
CROSS JOIN LATERAL generate_series(1, bt.items) AS i;

-- Notes need a contact: each tenant's notes go to its contacts (and its first item is one).
INSERT INTO contacts (user_id, id, display_name, primary_email, created_at, updated_at)
SELECT user_id, id,
       (ARRAY['Ava', 'Liam', 'Maya', 'Noah', 'Zoe', 'Ethan', 'Lena', 'Omar', 'Priya', 'Mateo'])[1 + i % 10]
           || ' ' || (ARRAY['Smith', 'Garcia', 'Nguyen', 'Patel', 'Kim', 'Okafor', 'Rossi',
                            'Tanaka', 'Silva', 'Cohen'])[1 + (i / 10) % 10] || ' ' || i,
       'client' || i || '@example.com',
       now() - (i % 525600) * interval '1 minute', now() - (i % 525600) * interval '1 minute'
FROM bench_items WHERE kind = 'contact';

WITH first_contact AS (
    SELECT DISTINCT ON (user_id) user_id, id FROM bench_items WHERE kind = 'contact'
    ORDER BY user_id, i
)
INSERT INTO notes (user_id, id, contact_id, content_plain, created_at, updated_at)
SELECT b.user_id, b.id, fc.id,
       'Session ' || b.i || ': ' || pg_temp.bench_text(b.i, 24 + (b.i % 40)::integer),
       now() - (b.i % 525600) * interval '1 minute', now() - (b.i % 525600) * interval '1 minute'
FROM bench_items AS b JOIN first_contact AS fc USING (user_id)
WHERE b.kind = 'note';

INSERT INTO tasks (user_id, id, name, details)
SELECT user_id, id, initcap(pg_temp.bench_text(i, 4)),
       jsonb_build_object('description', pg_temp.bench_text(i + 1, 16))
FROM bench_items WHERE kind = 'task';

INSERT INTO documents (user_id, id, title, text, mime)
SELECT user_id, id, initcap(pg_temp.bench_text(i, 3)), pg_temp.bench_text(i + 2, 60 + (i % 60)::integer),
       'text/plain'
FROM bench_items WHERE kind = 'document';

-- 1024 random unit vectors of 384 little-endian f32s.
CREATE TEMP TABLE bench_vectors ON COMMIT DROP AS
WITH comps AS (
    SELECT v, d, random() - 0.5 AS x
    FROM generate_series(0, 1023) AS v, generate_series(1, 384) AS d
), norms AS (
    SELECT v, sqrt(sum(x * x)) AS norm FROM comps GROUP BY v
)
SELECT c.v,
       string_agg(substr(b.be, 4, 1) || substr(b.be, 3, 1) || substr(b.be, 2, 1) || substr(b.be, 1, 1),
                  ''::bytea ORDER BY c.d) AS vector
FROM comps AS c JOIN norms AS n USING (v)
CROSS JOIN LATERAL (SELECT float4send((c.x / n.norm)::float4) AS be) AS b
GROUP BY c.v;

INSERT INTO embeddings (user_id, id, owner_type, owner_id, model, dimensions, content_hash,
                        chunk_index, chunk_start, vector)
SELECT b.user_id, gen_random_uuid(), b.kind, b.id, 'all-MiniLM-L6-v2', 384,
       md5(b.id::text), 0, 0, v.vector
FROM bench_items AS b JOIN bench_vectors AS v ON v.v = (b.i * 7919) % 1024;

-- The backfill tenant: one contact, and its notes, every text distinct (nothing is reused
-- from the content-hash cache). The notes wait in a holding table until the backfill phase:
-- a server starting with an embedder queues a backfill for every tenant with items and no
-- vectors (ADR 0039), which would embed them during the search phases.
INSERT INTO contacts (user_id, id, display_name)
VALUES (:'backfill'::uuid, md5('omnicrm-search-bench-backfill-contact')::uuid, 'Backfill Client');
CREATE UNLOGGED TABLE bench_backfill_notes AS
SELECT :'backfill'::uuid AS user_id, gen_random_uuid() AS id,
       md5('omnicrm-search-bench-backfill-contact')::uuid AS contact_id,
       'Note ' || i || ': ' || pg_temp.bench_text(i * 31, 30 + (i % 50)::integer) AS content_plain,
       now() - i * interval '1 minute' AS created_at, now() - i * interval '1 minute' AS updated_at
FROM generate_series(1, :notes) AS i;

-- Nothing waits: the seeded vectors are current, and the seeded contacts need no insight
-- refresh (ADR 0046: the server's runner would otherwise run one per contact 3 minutes into
-- the search rounds).
DELETE FROM embedding_pending;
DELETE FROM insights_pending;
INSERT INTO embedding_state (user_id, version)
SELECT user_id, 1 FROM bench_tenants
ON CONFLICT (user_id) DO UPDATE SET version = embedding_state.version + 1;
COMMIT;
ANALYZE;
