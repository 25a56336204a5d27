-- Seed for scripts/bench-tasks (set-based; run as the owner role with psql variables):
--   :tenant     the measured tenant's user id
--   :tenants    number of tenants, the measured one included   (501: the measured + 500)
--   :measured   tasks of the measured tenant                    (10000)
--   :others     tasks of every other tenant                     (200)
-- Every tenant has 10 tags of its own and 5 contacts. One task in five carries 3 subtasks
-- and 2 of the tags; one in ten is linked to a contact. Statuses, priorities and due dates
-- (from 30 days ago to 60 days ahead) are spread evenly.
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE bench_tenants ON COMMIT DROP AS
SELECT t AS n,
       CASE WHEN t = 1 THEN :'tenant'::uuid
            ELSE md5('omnicrm-bench-tenant-' || t)::uuid END AS user_id,
       CASE WHEN t = 1 THEN :measured ELSE :others END AS tasks
FROM generate_series(1, :tenants) AS t;

INSERT INTO tenants (user_id) SELECT user_id FROM bench_tenants;

CREATE TEMP TABLE bench_tags ON COMMIT DROP AS
SELECT bt.user_id, k, md5(bt.user_id::text || '-tag-' || k)::uuid AS id
FROM bench_tenants AS bt CROSS JOIN generate_series(0, 9) AS k;
INSERT INTO tags (user_id, id, name)
SELECT user_id, id, 'Bench tag ' || k FROM bench_tags;

CREATE TEMP TABLE bench_contacts ON COMMIT DROP AS
SELECT bt.user_id, k, md5(bt.user_id::text || '-contact-' || k)::uuid AS id
FROM bench_tenants AS bt CROSS JOIN generate_series(0, 4) AS k;
INSERT INTO contacts (user_id, id, display_name)
SELECT user_id, id, 'Bench contact ' || k FROM bench_contacts;

CREATE TEMP TABLE bench_tasks ON COMMIT DROP AS
SELECT bt.user_id, g, md5(bt.user_id::text || '-task-' || g)::uuid AS id
FROM bench_tenants AS bt CROSS JOIN LATERAL generate_series(1, bt.tasks) AS g;

INSERT INTO tasks (user_id, id, name, status, priority, due_date, details, zone_id,
                   created_at, updated_at)
SELECT s.user_id, s.id,
       'Task ' || s.g,
       (ARRAY['todo', 'todo', 'in_progress', 'done', 'canceled'])[1 + (s.g / 7) % 5],
       (ARRAY['low', 'medium', 'high'])[1 + s.g % 3],
       current_date + (s.g % 90) - 30,
       CASE WHEN s.g % 5 = 0 THEN jsonb_build_object(
                'description', 'Bench task ' || s.g,
                'subtasks', (SELECT jsonb_agg(jsonb_build_object(
                    'id', md5(s.id::text || '-' || st)::uuid, 'title', 'Step ' || st,
                    'completed', st = 1)) FROM generate_series(1, 3) AS st))
            ELSE jsonb_build_object('description', 'Bench task ' || s.g) END,
       (SELECT id FROM zones ORDER BY name OFFSET s.g % 6 LIMIT 1),
       now() - (s.g * 17 % 525600) * interval '1 minute',
       now() - (s.g * 11 % 525600) * interval '1 minute'
FROM bench_tasks AS s;

INSERT INTO task_tags (user_id, task_id, tag_id)
SELECT s.user_id, s.id, tg.id
FROM bench_tasks AS s
JOIN bench_tags AS tg ON tg.user_id = s.user_id
    AND (tg.k = (s.g / 5) % 10 OR tg.k = (s.g / 5 + 3) % 10)
WHERE s.g % 5 = 0;

INSERT INTO task_contacts (user_id, task_id, contact_id)
SELECT s.user_id, s.id, c.id
FROM bench_tasks AS s
JOIN bench_contacts AS c ON c.user_id = s.user_id AND c.k = (s.g / 10) % 5
WHERE s.g % 10 = 0;
COMMIT;
VACUUM ANALYZE tasks;
VACUUM ANALYZE task_tags;
VACUUM ANALYZE task_contacts;
VACUUM ANALYZE tags;
