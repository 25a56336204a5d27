SELECT t.id AS tag_id, t.name,
       coalesce(c.n, 0) AS contact, coalesce(k.n, 0) AS task,
       coalesce(n.n, 0) AS note, coalesce(g.n, 0) AS goal
FROM tags t
LEFT JOIN (SELECT tag_id, count(*) AS n FROM contact_tags
           WHERE user_id = $1 GROUP BY tag_id) c ON c.tag_id = t.id
LEFT JOIN (SELECT tag_id, count(*) AS n FROM task_tags
           WHERE user_id = $1 GROUP BY tag_id) k ON k.tag_id = t.id
LEFT JOIN (SELECT tag_id, count(*) AS n FROM note_tags
           WHERE user_id = $1 GROUP BY tag_id) n ON n.tag_id = t.id
LEFT JOIN (SELECT tag_id, count(*) AS n FROM goal_tags
           WHERE user_id = $1 GROUP BY tag_id) g ON g.tag_id = t.id
WHERE t.user_id = $1
ORDER BY coalesce(c.n, 0) + coalesce(k.n, 0) + coalesce(n.n, 0) + coalesce(g.n, 0) DESC,
         lower(t.name), t.id
