-- Seed for benches/contact-search/bench.py: 5 tenants x 20,000 contacts, notes on half of
-- them (3 each), 20 tags per tenant on ~10% of contacts each. Run as the owner on a migrated
-- database; takes minutes (every trigram index is maintained).
\set ON_ERROR_STOP 1
BEGIN;
CREATE TEMP TABLE firsts(n text, i int); 
INSERT INTO firsts SELECT n, row_number() over () FROM unnest(string_to_array('James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Nancy Daniel Lisa Matthew Betty Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Dorothy Kevin Carol Brian Amanda George Melissa Edward Deborah Ronald Stephanie Timothy Rebecca Jason Sharon Jeffrey Laura Ryan Cynthia Jacob Kathleen Gary Amy Nicholas Shirley Eric Angela Jonathan Helen Stephen Anna Larry Brenda Justin Pamela Scott Nicole Brandon Emma Benjamin Samantha Samuel Katherine Gregory Christine Frank Debra Alexander Rachel Raymond Catherine Patrick Carolyn Jack Janet Dennis Ruth Jerry Maria', ' ')) n;
CREATE TEMP TABLE lasts(n text, i int);
INSERT INTO lasts SELECT n, row_number() over () FROM unnest(string_to_array('Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez', ' ')) n;
INSERT INTO tenants SELECT ('00000000-0000-0000-0000-00000000000' || t)::uuid FROM generate_series(1,5) t;
INSERT INTO contacts (user_id, id, display_name, primary_email, primary_phone, source, lifecycle_stage, created_at, updated_at)
SELECT ('00000000-0000-0000-0000-00000000000' || t)::uuid, gen_random_uuid(),
  f.n || ' ' || l.n,
  CASE WHEN g % 10 <> 0 THEN lower(f.n) || '.' || lower(l.n) || g || '@' || (ARRAY['gmail.com','example.com','yahoo.com','wellness.io'])[1 + g % 4] END,
  CASE WHEN g % 3 <> 0 THEN '(' || (200 + g % 700) || ') ' || lpad((g * 7 % 1000)::text, 3, '0') || '-' || lpad((g * 13 % 10000)::text, 4, '0') END,
  (ARRAY['manual','onboarding','calendar_attendee'])[1 + g % 3],
  (ARRAY['Prospect','New Client','Core Client', NULL])[1 + g % 4],
  now() - (g || ' minutes')::interval, now() - (g || ' minutes')::interval
FROM generate_series(1,5) t, generate_series(1,20000) g
JOIN firsts f ON f.i = 1 + (g * 31) % 100
JOIN lasts l ON l.i = 1 + (g * 17 / 3) % 100;
INSERT INTO notes (user_id, id, contact_id, content_plain, created_at)
SELECT c.user_id, gen_random_uuid(), c.id, repeat('Session notes about progress and goals. ', 1 + k * 10), c.created_at + (k || ' hours')::interval
FROM contacts c, generate_series(1,3) k WHERE (hashtext(c.id::text) % 2) = 0;
INSERT INTO tags (user_id, id, name, color) SELECT ('00000000-0000-0000-0000-00000000000' || t)::uuid, gen_random_uuid(), 'tag' || k, '#a78bfa' FROM generate_series(1,5) t, generate_series(1,20) k;
INSERT INTO contact_tags (user_id, contact_id, tag_id, created_by)
SELECT c.user_id, c.id, tg.id, c.user_id FROM contacts c JOIN tags tg ON tg.user_id = c.user_id AND (abs(hashtext(c.id::text || tg.name)) % 10) = 0;
COMMIT;
ANALYZE;
