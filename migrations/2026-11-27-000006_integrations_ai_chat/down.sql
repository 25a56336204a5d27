-- Reverses 2026-11-27-000006_integrations_ai_chat.
DROP TABLE tool_invocations;
DROP TABLE messages;
DROP TABLE threads;
DROP TABLE ai_usage;
DROP TABLE ai_quotas;
DROP TABLE user_profiles;
DROP TABLE user_integrations;
