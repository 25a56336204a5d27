SELECT ((SELECT coalesce(sum(file_size), 0) FROM client_files WHERE user_id = $1)
      + (SELECT coalesce(sum(file_size), 0) FROM onboarding_uploads WHERE user_id = $1)
      + (SELECT coalesce(sum((details->'voice'->>'sizeBytes')::int8), 0) FROM inbox_items
         WHERE user_id = $1 AND details ? 'voice')
       )::int8 AS bytes
