SELECT c.id AS c_id, c.display_name AS c_name, c.primary_email AS c_email,
       c.primary_phone AS c_phone, c.created_at AS c_created,
       e.id AS e_id, e.display_name AS e_name, e.primary_email AS e_email,
       e.primary_phone AS e_phone, e.created_at AS e_created,
       d.matched, d.created_at
FROM contact_duplicates d
JOIN contacts c ON c.user_id = d.user_id AND c.id = d.contact_id
JOIN contacts e ON e.user_id = d.user_id AND e.id = d.existing_id
WHERE d.user_id = $1
ORDER BY d.created_at DESC, d.contact_id, d.existing_id
LIMIT $2 OFFSET $3
