-- AI insights get a lifecycle (status, updated_at), the prompt version that produced
-- them, a kind for consent gaps, and disappear with the contact they are about.

ALTER TABLE ai_insights
    ADD COLUMN status text NOT NULL DEFAULT 'new'
        CONSTRAINT ai_insights_status_check
        CHECK (status IN ('new', 'viewed', 'dismissed', 'applied')),
    ADD COLUMN prompt_version text,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- Status moves out of content (the original kept it in content.status).
UPDATE ai_insights SET status = content->>'status'
    WHERE jsonb_typeof(content) = 'object'
      AND content->>'status' IN ('new', 'viewed', 'dismissed', 'applied');

ALTER TABLE ai_insights DROP CONSTRAINT ai_insights_kind_check;
ALTER TABLE ai_insights ADD CONSTRAINT ai_insights_kind_check
    CHECK (kind IN ('summary', 'next_step', 'risk', 'persona', 'thread_summary',
                    'next_best_action', 'weekly_digest', 'lead_score',
                    'duplicate_contact_suspected', 'consent_gap'));

CREATE TRIGGER set_updated_at BEFORE UPDATE ON ai_insights
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- A contact's page of insights, newest first (GET /contacts/{id}/insights).
CREATE INDEX ai_insights_user_subject_created_idx
    ON ai_insights (user_id, subject_id, created_at DESC, id DESC);

-- subject_id is polymorphic (no foreign key): every writer that deletes a contact (the
-- route, bulk delete, merge, erasure) takes its insights with it through this trigger.
CREATE FUNCTION ai_insights_forget_contact() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        DELETE FROM ai_insights
            WHERE user_id = OLD.user_id AND subject_type = 'contact' AND subject_id = OLD.id;
        RETURN NULL;
    END
    $$;

CREATE TRIGGER ai_insights_forget_contact AFTER DELETE ON contacts
    FOR EACH ROW EXECUTE FUNCTION ai_insights_forget_contact();
