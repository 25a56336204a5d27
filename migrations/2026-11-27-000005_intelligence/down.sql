-- Reverses 2026-11-27-000005_intelligence.
DROP TABLE ignored_identifiers;
DROP TABLE documents;
DROP TABLE embeddings;
DROP TABLE ai_insights;
DROP TABLE interactions;
DROP TABLE raw_events;
