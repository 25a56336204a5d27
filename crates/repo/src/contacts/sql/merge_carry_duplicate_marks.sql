INSERT INTO contact_duplicates (user_id, contact_id, existing_id, matched, created_at)
SELECT user_id,
       CASE WHEN contact_id = $2 THEN $3 ELSE contact_id END,
       CASE WHEN existing_id = $2 THEN $3 ELSE existing_id END,
       matched, created_at
FROM contact_duplicates
WHERE user_id = $1 AND (contact_id = $2 OR existing_id = $2)
  AND contact_id <> $3 AND existing_id <> $3
ON CONFLICT DO NOTHING
