-- The text of each wanted item as semantic search embeds it, with its title and creation
-- time (parameters: the tenant, then parallel arrays of kinds and ids). Bodies are cut at 100,000
-- characters, as the full-text vectors are (ADR 0024).
WITH wanted AS (SELECT * FROM unnest($2::text[], $3::uuid[]) AS w (kind, id))
SELECT 'contact'::text AS kind, c.id, c.display_name AS title,
       c.display_name AS body, c.created_at
FROM wanted AS w JOIN contacts AS c ON c.user_id = $1 AND c.id = w.id
WHERE w.kind = 'contact'
UNION ALL
SELECT 'note', n.id, left(split_part(n.content_plain, E'\n', 1), 80),
       left(n.content_plain, 100000), n.created_at
FROM wanted AS w JOIN notes AS n ON n.user_id = $1 AND n.id = w.id
WHERE w.kind = 'note'
UNION ALL
SELECT 'interaction', i.id, coalesce(i.subject, i.type),
       left(concat_ws(E'\n', i.subject, i.body_text), 100000), i.created_at
FROM wanted AS w JOIN interactions AS i ON i.user_id = $1 AND i.id = w.id
WHERE w.kind = 'interaction'
UNION ALL
SELECT 'task', t.id, t.name,
       left(concat_ws(E'\n', t.name, t.details ->> 'description', t.details ->> 'notes'), 100000),
       t.created_at
FROM wanted AS w JOIN tasks AS t ON t.user_id = $1 AND t.id = w.id
WHERE w.kind = 'task'
UNION ALL
SELECT 'goal', g.id, g.name,
       left(concat_ws(E'\n', g.name, g.details ->> 'description', g.details ->> 'notes'), 100000),
       g.created_at
FROM wanted AS w JOIN goals AS g ON g.user_id = $1 AND g.id = w.id
WHERE w.kind = 'goal'
UNION ALL
SELECT 'document', d.id, coalesce(d.title, ''),
       left(concat_ws(E'\n', d.title, d.text), 100000), d.created_at
FROM wanted AS w JOIN documents AS d ON d.user_id = $1 AND d.id = w.id
WHERE w.kind = 'document'
