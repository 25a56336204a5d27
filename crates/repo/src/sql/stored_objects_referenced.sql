SELECT file_path AS path FROM client_files WHERE user_id = $1
UNION SELECT photo_url FROM contacts WHERE user_id = $1 AND photo_url IS NOT NULL
UNION SELECT object_key FROM onboarding_uploads WHERE user_id = $1
UNION SELECT object_key FROM user_exports WHERE user_id = $1 AND $2 AND object_key IS NOT NULL
UNION SELECT details->'voice'->>'objectKey' FROM inbox_items
      WHERE user_id = $1 AND details ? 'voice' AND details->'voice'->>'objectKey' IS NOT NULL
ORDER BY 1
