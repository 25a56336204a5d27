SELECT o.id AS other_id, o.display_name, d.matched, d.created_at
FROM contact_duplicates d
JOIN contacts o ON o.user_id = d.user_id
 AND o.id = CASE WHEN d.contact_id = $2 THEN d.existing_id ELSE d.contact_id END
WHERE d.user_id = $1 AND (d.contact_id = $2 OR d.existing_id = $2)
ORDER BY d.created_at DESC, o.id
