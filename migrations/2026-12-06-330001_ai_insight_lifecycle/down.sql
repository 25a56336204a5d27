DROP TRIGGER ai_insights_forget_contact ON contacts;
DROP FUNCTION ai_insights_forget_contact();
DROP INDEX ai_insights_user_subject_created_idx;
DROP TRIGGER set_updated_at ON ai_insights;
DELETE FROM ai_insights WHERE kind = 'consent_gap';
ALTER TABLE ai_insights DROP CONSTRAINT ai_insights_kind_check;
ALTER TABLE ai_insights ADD CONSTRAINT ai_insights_kind_check
    CHECK (kind IN ('summary', 'next_step', 'risk', 'persona', 'thread_summary',
                    'next_best_action', 'weekly_digest', 'lead_score',
                    'duplicate_contact_suspected'));
UPDATE ai_insights SET content = jsonb_set(content, '{status}', to_jsonb(status))
    WHERE jsonb_typeof(content) = 'object' AND status <> 'new';
ALTER TABLE ai_insights
    DROP COLUMN updated_at,
    DROP COLUMN prompt_version,
    DROP COLUMN status;
