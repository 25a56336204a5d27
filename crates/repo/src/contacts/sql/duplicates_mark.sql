INSERT INTO contact_duplicates (user_id, contact_id, existing_id, matched)
SELECT $1, $2, e.id, e.matched FROM unnest($3::uuid[], $4::text[]) AS e (id, matched)
WHERE e.id <> $2
ON CONFLICT DO NOTHING
