DROP FUNCTION google_tokens_to_reseal(text, uuid, text, integer);
DROP POLICY owner_reseal ON user_integrations;
