-- Tagging: the global starter set (tag_templates), per-user tags and the four junctions
-- contact_tags, task_tags, note_tags and goal_tags. See docs/adr/0002-data-model.md.

-- ---------------------------------------------------------------------------------------
-- tag_templates: global reference data (no user_id, no RLS), read-only for the application.
-- A user's system tags are copied from here (tags.is_system = true, tags.template_id) the
-- first time the user touches tags:
--   INSERT INTO tags (user_id, id, name, category, color, is_system, template_id)
--   SELECT .., true, t.id FROM tag_templates t .. ON CONFLICT DO NOTHING
-- Fixed ids: UUIDv5 of 'tag-template:<category>:<name>' in the namespace
-- 00c5f4fa-4ac8-5363-ba0d-ce97d5d76e34 (see the zones seed).
-- ---------------------------------------------------------------------------------------
CREATE TABLE tag_templates (
    id uuid PRIMARY KEY,
    name text NOT NULL
        CONSTRAINT tag_templates_name_check CHECK (char_length(name) BETWEEN 1 AND 100),
    category text NOT NULL
        CONSTRAINT tag_templates_category_check
        CHECK (category IN ('services_modalities', 'client_demographics', 'schedule_attendance',
                            'health_wellness', 'marketing_engagement', 'emotional_mental')),
    color text NOT NULL
        CONSTRAINT tag_templates_color_check CHECK (color ~ '^#[0-9A-Fa-f]{6}$')
);

CREATE UNIQUE INDEX tag_templates_category_name_key ON tag_templates (category, lower(name));

INSERT INTO tag_templates (id, name, category, color) VALUES
    ('6aab1aef-99ed-5ce6-aecd-c32c6b08e935', 'Yoga', 'services_modalities', '#6366F1'),
    ('7a50ccbb-9343-57c8-88aa-1ca3a5666b69', 'Pilates', 'services_modalities', '#6366F1'),
    ('4218115a-f11a-5aee-98a2-f0e9dc739448', 'Meditation', 'services_modalities', '#6366F1'),
    ('bf28b684-dc35-5e0d-880b-dda5f5e8e50a', 'Breathwork', 'services_modalities', '#6366F1'),
    ('5d5153fb-ff73-5d7d-9960-3a6d066be22d', 'Massage Therapy', 'services_modalities', '#6366F1'),
    ('303468cf-a55a-5476-9797-95ef22135bd2', 'Reiki', 'services_modalities', '#6366F1'),
    ('f10ecf9c-d11f-5b42-a127-611cc692463a', 'Acupuncture', 'services_modalities', '#6366F1'),
    ('b9859136-a5d1-5319-90dc-4b81aa3e9084', 'Nutrition Coaching', 'services_modalities', '#6366F1'),
    ('4b4db216-1785-5408-af98-0ea4f5405ce1', 'Life Coaching', 'services_modalities', '#6366F1'),
    ('804eeb55-0f32-5399-8a05-5885adf05c76', 'Personal Training', 'services_modalities', '#6366F1'),
    ('a570c707-cd8e-512e-9db9-f7004f31239a', 'Sound Healing', 'services_modalities', '#6366F1'),
    ('ed417d0d-7bbb-5264-99c5-3cea2112675a', 'Reflexology', 'services_modalities', '#6366F1'),
    ('dc548b3a-a185-5dba-ae89-2401c3c279ab', 'New Client', 'client_demographics', '#0EA5E9'),
    ('39bee82f-4b99-56cb-b1a3-38236caf1264', 'Returning Client', 'client_demographics', '#0EA5E9'),
    ('83cd1f9f-a1b5-52e6-a808-a1ec421c38c4', 'VIP Client', 'client_demographics', '#0EA5E9'),
    ('692445f7-ed24-5197-94cd-fad9dee85e1e', 'Senior', 'client_demographics', '#0EA5E9'),
    ('543ed959-81a5-5fec-83ce-f69386b37fef', 'Young Adult', 'client_demographics', '#0EA5E9'),
    ('4bf30db3-1a0d-5c05-8737-5da59671d5c8', 'Parent', 'client_demographics', '#0EA5E9'),
    ('8f3d240d-b4c5-55ab-af32-72750b61d93d', 'Prenatal', 'client_demographics', '#0EA5E9'),
    ('f37ebb7c-8623-59c4-8194-dc1cbbb9119c', 'Postnatal', 'client_demographics', '#0EA5E9'),
    ('69573a1f-530e-5b2a-8be3-9a87b5cd84d4', 'Athlete', 'client_demographics', '#0EA5E9'),
    ('7688bc23-4f33-5132-b041-e4ea643843de', 'Corporate Client', 'client_demographics', '#0EA5E9'),
    ('e6d8a426-4f6f-54e2-9f77-0ee6b7277cb6', 'Student', 'client_demographics', '#0EA5E9'),
    ('f2c38f78-5caa-5246-870f-9f5ced201282', 'Morning Sessions', 'schedule_attendance', '#F59E0B'),
    ('c664a4f5-0ef8-5884-974e-5be8b16511fc', 'Evening Sessions', 'schedule_attendance', '#F59E0B'),
    ('eda38bf0-7e27-5a25-b8fc-bf77579aa794', 'Weekend Sessions', 'schedule_attendance', '#F59E0B'),
    ('213290bf-a0df-5eac-83c6-e8b05824e244', 'Weekly Regular', 'schedule_attendance', '#F59E0B'),
    ('885a9176-d369-542b-a97a-3e40e1062c10', 'Monthly Regular', 'schedule_attendance', '#F59E0B'),
    ('c2935235-1602-5a0f-aef1-976f05346b83', 'Irregular Attendance', 'schedule_attendance', '#F59E0B'),
    ('acd78c21-b63c-5c45-a175-84a6bf8b6395', 'Frequent No-Show', 'schedule_attendance', '#F59E0B'),
    ('8deccb27-f675-5d29-83a2-18fceb693443', 'Late Canceller', 'schedule_attendance', '#F59E0B'),
    ('47f7ea93-d89e-577d-83e8-017951225aa4', 'Package Holder', 'schedule_attendance', '#F59E0B'),
    ('ff2ec9ce-f03a-5ec3-9b33-9e5ad1e1abb4', 'Drop-In', 'schedule_attendance', '#F59E0B'),
    ('5863f69f-70ed-5dd0-925b-02bbe074c4f2', 'Waitlist', 'schedule_attendance', '#F59E0B'),
    ('bb1c31d4-fc7c-50bd-8140-f1d405521b33', 'Chronic Pain', 'health_wellness', '#10B981'),
    ('234a41db-b24f-52d0-af63-21965a868e28', 'Stress Management', 'health_wellness', '#10B981'),
    ('d1a54c6c-0c93-588b-b433-396c10198b6a', 'Anxiety Support', 'health_wellness', '#10B981'),
    ('02b9111c-a94d-510f-8c2e-718a3cbcea5a', 'Sleep Issues', 'health_wellness', '#10B981'),
    ('11c3de32-6f13-5d48-a7b1-92201bfc7f47', 'Injury Recovery', 'health_wellness', '#10B981'),
    ('b77edc4f-245d-5691-ad45-fac90055bcd9', 'Weight Management', 'health_wellness', '#10B981'),
    ('4a13fc8a-2047-5b48-b7f3-a23644adc7e2', 'Mobility & Flexibility', 'health_wellness', '#10B981'),
    ('ed910d2a-7103-54a8-af2b-85ec1172e50e', 'Digestive Health', 'health_wellness', '#10B981'),
    ('fe86b7db-dc29-5a2d-8879-7357c721781f', 'Hormonal Health', 'health_wellness', '#10B981'),
    ('52b21095-1d2c-552a-8ee4-30892686b8e4', 'Low Energy', 'health_wellness', '#10B981'),
    ('6993aad9-6279-51c3-8bd3-d96977d91e4f', 'Medical Clearance Needed', 'health_wellness', '#10B981'),
    ('2e0e36f5-8116-5745-a967-713cc196992f', 'Newsletter Subscriber', 'marketing_engagement', '#EC4899'),
    ('af808a64-ab60-5fa5-8e70-06c097c8e98f', 'Referred a Client', 'marketing_engagement', '#EC4899'),
    ('dd1d1ae5-6c44-5956-a72e-54a932106f25', 'Social Media Follower', 'marketing_engagement', '#EC4899'),
    ('d36dbf76-a44b-5ea2-8e87-36758e966579', 'Gave Testimonial', 'marketing_engagement', '#EC4899'),
    ('9870971a-b6c2-58d4-a09d-7b70efe8cef6', 'Review Requested', 'marketing_engagement', '#EC4899'),
    ('ddee0db4-de8c-5036-9d53-edac89f099dd', 'Event Attendee', 'marketing_engagement', '#EC4899'),
    ('0fa0f54c-8914-52c3-96fe-24c066442211', 'Workshop Interest', 'marketing_engagement', '#EC4899'),
    ('0c3d026b-a0bb-5837-8180-d519c155c313', 'Retreat Interest', 'marketing_engagement', '#EC4899'),
    ('fc5b6bb6-fbeb-5c74-8ca7-55001d5c9beb', 'Win-Back Candidate', 'marketing_engagement', '#EC4899'),
    ('9b03d1f8-ea04-535b-9e03-1f51e0ebd011', 'Brand Ambassador', 'marketing_engagement', '#EC4899'),
    ('93bd3295-cde5-5bc8-997b-594869b825bc', 'Lead', 'marketing_engagement', '#EC4899'),
    ('29db27c4-a101-51b7-8b24-c840ef338aa6', 'Grief Support', 'emotional_mental', '#8B5CF6'),
    ('6a760f75-494a-582f-a508-1560780ce513', 'Burnout', 'emotional_mental', '#8B5CF6'),
    ('5f8c9805-cb48-5510-9176-dca79b1c2474', 'Life Transition', 'emotional_mental', '#8B5CF6'),
    ('3d353d37-63e7-5cc7-9c58-81a1c6f2a607', 'Self-Esteem', 'emotional_mental', '#8B5CF6'),
    ('5c7b3ead-8e8c-51e3-ada7-ba1c858cb535', 'Relationship Stress', 'emotional_mental', '#8B5CF6'),
    ('54fc5c43-0c5a-5dc1-96cd-b2dbf0229c48', 'Mindfulness Practice', 'emotional_mental', '#8B5CF6'),
    ('0fc78350-16e3-53ec-af0e-f23adaaa948b', 'Emotional Regulation', 'emotional_mental', '#8B5CF6'),
    ('880ecac8-09c0-5be6-b32d-b75a45918e52', 'Needs Motivation', 'emotional_mental', '#8B5CF6'),
    ('26ff3033-3b68-5eb0-abd1-0e257f3a0adc', 'Seeking Clarity', 'emotional_mental', '#8B5CF6'),
    ('3b33d0eb-6a89-50b1-868a-b632ed8fec45', 'Resilience Building', 'emotional_mental', '#8B5CF6'),
    ('6615b4c9-ca4a-58b1-b9a6-76e44f07210d', 'Trauma-Informed Care', 'emotional_mental', '#8B5CF6');

GRANT SELECT ON tag_templates TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- tags: purely per user. System tags (is_system) are instances of a template: the
-- application lets their colour change, not their name or category, and never deletes
-- them (erasing the tenant does). usage_count is maintained by triggers on the junctions.
-- ---------------------------------------------------------------------------------------
CREATE TABLE tags (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    name text NOT NULL
        CONSTRAINT tags_name_check CHECK (char_length(name) BETWEEN 1 AND 100),
    category text NOT NULL DEFAULT 'services_modalities'
        CONSTRAINT tags_category_check
        CHECK (category IN ('services_modalities', 'client_demographics', 'schedule_attendance',
                            'health_wellness', 'marketing_engagement', 'emotional_mental')),
    color text NOT NULL DEFAULT '#a78bfa'
        CONSTRAINT tags_color_check CHECK (color ~ '^#[0-9A-Fa-f]{6}$'),
    is_system boolean NOT NULL DEFAULT false,
    template_id uuid REFERENCES tag_templates (id),
    usage_count integer NOT NULL DEFAULT 0
        CONSTRAINT tags_usage_count_check CHECK (usage_count >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    CONSTRAINT tags_system_template_check CHECK (is_system = (template_id IS NOT NULL))
);

CREATE UNIQUE INDEX tags_user_name_key ON tags (user_id, lower(name));
CREATE UNIQUE INDEX tags_user_template_key ON tags (user_id, template_id)
    WHERE template_id IS NOT NULL;
CREATE INDEX tags_user_category_idx ON tags (user_id, category);
CREATE INDEX tags_user_usage_count_idx ON tags (user_id, usage_count DESC);

-- A usage_count change made by the junction triggers is not an edit of the tag.
CREATE TRIGGER set_updated_at BEFORE UPDATE ON tags
    FOR EACH ROW WHEN (OLD.usage_count IS NOT DISTINCT FROM NEW.usage_count)
    EXECUTE FUNCTION set_updated_at();

ALTER TABLE tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE tags FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tags
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON tags TO omnicrm_app_group;

-- AFTER INSERT / DELETE (and UPDATE OF tag_id, for completeness) row trigger of every
-- *_tags junction. Each change is one UPDATE of the tag row, which takes the row lock, so
-- concurrent applications and removals serialise on the tag and the count stays exact.
CREATE FUNCTION tags_adjust_usage_count() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE tags SET usage_count = usage_count - 1
        WHERE user_id = OLD.user_id AND id = OLD.tag_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE tags SET usage_count = usage_count + 1
        WHERE user_id = NEW.user_id AND id = NEW.tag_id;
    END IF;
    RETURN NULL;
END
$$;

-- ---------------------------------------------------------------------------------------
-- contact_tags
-- ---------------------------------------------------------------------------------------
CREATE TABLE contact_tags (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    contact_id uuid NOT NULL,
    tag_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid NOT NULL,
    PRIMARY KEY (user_id, contact_id, tag_id),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE,
    FOREIGN KEY (user_id, tag_id) REFERENCES tags (user_id, id) ON DELETE CASCADE
);

CREATE INDEX contact_tags_user_tag_idx ON contact_tags (user_id, tag_id);

CREATE TRIGGER tags_usage_count AFTER INSERT OR DELETE OR UPDATE OF tag_id ON contact_tags
    FOR EACH ROW EXECUTE FUNCTION tags_adjust_usage_count();

ALTER TABLE contact_tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE contact_tags FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON contact_tags
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON contact_tags TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- task_tags
-- ---------------------------------------------------------------------------------------
CREATE TABLE task_tags (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    task_id uuid NOT NULL,
    tag_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, task_id, tag_id),
    FOREIGN KEY (user_id, task_id) REFERENCES tasks (user_id, id) ON DELETE CASCADE,
    FOREIGN KEY (user_id, tag_id) REFERENCES tags (user_id, id) ON DELETE CASCADE
);

CREATE INDEX task_tags_user_tag_idx ON task_tags (user_id, tag_id);

CREATE TRIGGER tags_usage_count AFTER INSERT OR DELETE OR UPDATE OF tag_id ON task_tags
    FOR EACH ROW EXECUTE FUNCTION tags_adjust_usage_count();

ALTER TABLE task_tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE task_tags FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON task_tags
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON task_tags TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- note_tags
-- ---------------------------------------------------------------------------------------
CREATE TABLE note_tags (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    note_id uuid NOT NULL,
    tag_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, note_id, tag_id),
    FOREIGN KEY (user_id, note_id) REFERENCES notes (user_id, id) ON DELETE CASCADE,
    FOREIGN KEY (user_id, tag_id) REFERENCES tags (user_id, id) ON DELETE CASCADE
);

CREATE INDEX note_tags_user_tag_idx ON note_tags (user_id, tag_id);

CREATE TRIGGER tags_usage_count AFTER INSERT OR DELETE OR UPDATE OF tag_id ON note_tags
    FOR EACH ROW EXECUTE FUNCTION tags_adjust_usage_count();

ALTER TABLE note_tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE note_tags FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON note_tags
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON note_tags TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- goal_tags
-- ---------------------------------------------------------------------------------------
CREATE TABLE goal_tags (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    goal_id uuid NOT NULL,
    tag_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, goal_id, tag_id),
    FOREIGN KEY (user_id, goal_id) REFERENCES goals (user_id, id) ON DELETE CASCADE,
    FOREIGN KEY (user_id, tag_id) REFERENCES tags (user_id, id) ON DELETE CASCADE
);

CREATE INDEX goal_tags_user_tag_idx ON goal_tags (user_id, tag_id);

CREATE TRIGGER tags_usage_count AFTER INSERT OR DELETE OR UPDATE OF tag_id ON goal_tags
    FOR EACH ROW EXECUTE FUNCTION tags_adjust_usage_count();

ALTER TABLE goal_tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE goal_tags FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON goal_tags
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON goal_tags TO omnicrm_app_group;
