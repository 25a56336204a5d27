UPDATE contact_tags AS t SET contact_id = $3
WHERE t.user_id = $1 AND t.contact_id = $2 AND NOT EXISTS (
    SELECT 1 FROM contact_tags s
    WHERE s.user_id = $1 AND s.contact_id = $3 AND s.tag_id = t.tag_id)
