DROP FUNCTION embedding_stale_users(text, integer, uuid, integer);
DROP POLICY owner_reembed ON embeddings;
DROP POLICY owner_reembed ON tenants;
DROP INDEX embeddings_user_model_idx;
