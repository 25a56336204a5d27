-- Seed for scripts/bench-crm (set-based; run as the owner role with psql variables):
--   :tenant     the measured tenant's user id
--   :tenants    number of tenants, the measured one included          (500)
--   :total      contacts over all tenants                              (1000000)
--   :measured   contacts of the measured tenant                        (20000)
--   :notes      notes of the measured tenant                           (100000)
--   :photos     share of the measured tenant's contacts with a photo   (0.25)
-- Other tenants get one note per four contacts.
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE bench_tenants ON COMMIT DROP AS
SELECT t AS n,
       CASE WHEN t = 1 THEN :'tenant'::uuid
            ELSE md5('omnicrm-bench-tenant-' || t)::uuid END AS user_id,
       CASE WHEN t = 1 THEN :measured
            ELSE (:total - :measured) / (:tenants - 1) END AS contacts
FROM generate_series(1, :tenants) AS t;

INSERT INTO tenants (user_id) SELECT user_id FROM bench_tenants;

INSERT INTO contacts (user_id, id, display_name, primary_email, primary_phone, source,
                      lifecycle_stage, client_status, referral_source, address, preferences,
                      created_at, updated_at)
SELECT bt.user_id,
       gen_random_uuid(),
       f.name || ' ' || l.name,
       lower(f.name || '.' || l.name || i || '@example.com'),
       '+1' || (200 + i % 700)::text || lpad(((i * 7919) % 10000000)::text, 7, '0'),
       (ARRAY['manual', 'onboarding', 'calendar_attendee', 'gmail_import'])[1 + i % 4],
       (ARRAY['Prospect', 'New Client', 'Core Client', 'Referral Champion', 'Lost'])[1 + i % 5],
       (ARRAY['active', 'active', 'inactive', 'at_risk', 'churned'])[1 + (i / 3) % 5],
       CASE WHEN i % 6 = 0 THEN 'Instagram' END,
       jsonb_build_object('city', (ARRAY['Portland', 'Austin', 'Denver', 'Boulder'])[1 + i % 4],
                          'country', 'US'),
       jsonb_build_object('communicationMethod', (ARRAY['email', 'sms', 'phone'])[1 + i % 3]),
       now() - (i * 17 % 525600) * interval '1 minute',
       now() - (i * 11 % 525600) * interval '1 minute'
FROM bench_tenants AS bt
CROSS JOIN LATERAL generate_series(1, bt.contacts) AS i
CROSS JOIN LATERAL (SELECT (ARRAY['Ava', 'Liam', 'Maya', 'Noah', 'Zoe', 'Ethan', 'Lena', 'Omar',
        'Priya', 'Mateo', 'Sofia', 'Kai', 'Hana', 'Lucas', 'Nora', 'Amir', 'Ines', 'Theo',
        'Yara', 'Jonah'])[1 + i % 20] AS name) AS f
CROSS JOIN LATERAL (SELECT (ARRAY['Smith', 'Johnson', 'Garcia', 'Nguyen', 'Patel', 'Kim',
        'Okafor', 'Rossi', 'Schmidt', 'Tanaka', 'Silva', 'Cohen', 'Larsen', 'Dubois', 'Novak',
        'Haddad', 'Moreau', 'Ivanova', 'Walsh', 'Fischer', 'Costa', 'Mendes', 'Byrne',
        'Jensen', 'Alvarez'])[1 + (i / 20) % 25] AS name) AS l;

-- The measured tenant's notes, spread over its contacts and the last year.
WITH ids AS (
    SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n
    FROM contacts WHERE user_id = :'tenant'::uuid
)
INSERT INTO notes (user_id, id, contact_id, content_rich, content_plain, source_type,
                   created_at, updated_at)
SELECT :'tenant'::uuid,
       gen_random_uuid(),
       ids.ids[1 + (i * 7919) % ids.n],
       jsonb_build_object('type', 'doc'),
       'Session ' || i || ': ' || repeat('Client reported better sleep and less tension in the '
           || 'shoulders; continue the breathing practice and review progress next week. ',
           1 + i % 4),
       'typed',
       now() - (i * 37 % 525600) * interval '1 minute',
       now() - (i * 37 % 525600) * interval '1 minute'
FROM ids, generate_series(1, :notes) AS i;

-- Other tenants: one note for every fourth contact.
INSERT INTO notes (user_id, id, contact_id, content_plain, created_at, updated_at)
SELECT c.user_id, gen_random_uuid(), c.id, 'Intake call, wants to start in spring.',
       c.created_at, c.created_at
FROM contacts AS c
WHERE c.user_id <> :'tenant'::uuid AND get_byte(uuid_send(c.id), 15) % 4 = 0;

-- Photos on a share of the measured tenant's contacts, each its own stored object (the
-- bytes are one tiny JPEG, written by the script: the list signs keys, it never reads bytes).
UPDATE contacts AS c
SET photo_url = :'tenant' || '/photos/' || gen_random_uuid() || '.jpg'
WHERE c.user_id = :'tenant'::uuid
  AND (get_byte(uuid_send(c.id), 15) / 256.0) < :photos;

INSERT INTO client_files (user_id, id, contact_id, file_type, file_path, mime_type, file_size)
SELECT c.user_id, gen_random_uuid(), c.id, 'photo', c.photo_url, 'image/jpeg', 20480
FROM contacts AS c
WHERE c.user_id = :'tenant'::uuid AND c.photo_url IS NOT NULL;

-- The photo keys, for the script to store bytes under.
SELECT photo_url FROM contacts WHERE user_id = :'tenant'::uuid AND photo_url IS NOT NULL
\g (format=unaligned tuples_only) :photo_keys_file
COMMIT;

-- INDEX_CLEANUP ON: the photo UPDATE above left dead items on under 2% of the pages, which a
-- plain VACUUM skips (the "index scan bypassed" optimisation), leaving exactly the measured
-- tenant's pages not all-visible and every count an index scan with heap fetches.
VACUUM (ANALYZE, INDEX_CLEANUP ON) tenants, contacts, notes, client_files;
CHECKPOINT;
