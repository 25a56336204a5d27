INSERT INTO tags (user_id, id, name, category, color, is_system, template_id)
SELECT $1, gen_random_uuid(), t.name, t.category, t.color, true, t.id
FROM tag_templates t
WHERE NOT EXISTS (SELECT 1 FROM tags x WHERE x.user_id = $1 AND x.template_id = t.id)
ORDER BY t.id
ON CONFLICT DO NOTHING
