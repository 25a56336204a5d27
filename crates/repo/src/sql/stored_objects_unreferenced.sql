SELECT p AS path FROM unnest($2::text[]) AS p
WHERE NOT EXISTS (SELECT 1 FROM client_files f WHERE f.user_id = $1 AND f.file_path = p)
  AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.user_id = $1 AND c.photo_url = p)
  AND NOT EXISTS (SELECT 1 FROM onboarding_uploads o
                  WHERE o.user_id = $1 AND o.object_key = p)
  AND NOT EXISTS (SELECT 1 FROM user_exports e WHERE e.user_id = $1 AND e.object_key = p)
  AND NOT EXISTS (SELECT 1 FROM inbox_items i
                  WHERE i.user_id = $1 AND i.details ? 'voice'
                    AND i.details->'voice'->>'objectKey' = p)
