SELECT file_path AS path FROM client_files WHERE user_id = $1 AND contact_id = ANY($2)
UNION SELECT photo_url FROM contacts
      WHERE user_id = $1 AND id = ANY($2) AND photo_url IS NOT NULL
