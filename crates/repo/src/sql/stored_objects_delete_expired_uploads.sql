DELETE FROM onboarding_uploads u USING onboarding_tokens t
WHERE u.user_id = $1 AND t.user_id = $1 AND t.id = u.token_id
  AND t.expires_at < now()
RETURNING u.object_key AS path
