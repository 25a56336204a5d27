DROP INDEX onboarding_uploads_user_token_visitor_idx;
ALTER TABLE onboarding_uploads DROP COLUMN visitor;
DROP TABLE contact_history;
DROP TABLE contact_duplicates;
