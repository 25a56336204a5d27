-- Productivity ("OmniMomentum"): zones (reference data), projects, tasks, inbox items,
-- goals, note_goals, daily pulse logs, habits and habit completions.
-- See docs/adr/0002-data-model.md.

-- ---------------------------------------------------------------------------------------
-- zones: global reference data (no user_id, no RLS), read-only for the application.
-- Fixed ids: UUIDv5 of 'zone:<name>' in the namespace
-- uuid5(NAMESPACE_URL, 'https://omnicrm.invalid/reference-data')
-- = 00c5f4fa-4ac8-5363-ba0d-ce97d5d76e34.
-- ---------------------------------------------------------------------------------------
CREATE TABLE zones (
    id uuid PRIMARY KEY,
    name text NOT NULL CONSTRAINT zones_name_key UNIQUE,
    color text,
    icon_name text
);

INSERT INTO zones (id, name, color, icon_name) VALUES
    ('bb65bc60-35dc-5b53-ade3-d934f22c8056', 'Personal Wellness', '#10B981', 'heart'),
    ('499b44eb-399c-5f11-9240-bd942102ab2c', 'Self Care', '#F59E0B', 'spa'),
    ('1f3044f1-a6e2-5f13-babe-d15049b12a19', 'Admin & Finances', '#6366F1', 'calculator'),
    ('b267b3e8-5cab-54b2-88ed-879f23b2c632', 'Business Development', '#8B5CF6', 'trending-up'),
    ('d0bbf89f-6bd9-5b67-b744-d70fc1eb7693', 'Social Media & Marketing', '#EC4899', 'megaphone'),
    ('c24e3925-258c-5d5b-86e6-9df1478feae3', 'Client Care', '#06B6D4', 'users');

GRANT SELECT ON zones TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- projects
-- ---------------------------------------------------------------------------------------
CREATE TABLE projects (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    name text NOT NULL,
    status text NOT NULL DEFAULT 'active'
        CONSTRAINT projects_status_check
        CHECK (status IN ('active', 'on_hold', 'completed', 'archived')),
    due_date date,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    zone_id uuid REFERENCES zones (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id)
);

CREATE INDEX projects_user_created_idx ON projects (user_id, created_at DESC, id DESC);
CREATE INDEX projects_user_status_idx ON projects (user_id, status);
CREATE INDEX projects_user_due_date_idx ON projects (user_id, due_date);
CREATE INDEX projects_user_zone_idx ON projects (user_id, zone_id);

CREATE TRIGGER set_updated_at BEFORE UPDATE ON projects
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON projects
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON projects TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- tasks (subtasks live in details.subtasks)
-- ---------------------------------------------------------------------------------------
CREATE TABLE tasks (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    project_id uuid,
    zone_id uuid REFERENCES zones (id) ON DELETE SET NULL,
    name text NOT NULL,
    status text NOT NULL DEFAULT 'todo'
        CONSTRAINT tasks_status_check
        CHECK (status IN ('todo', 'in_progress', 'done', 'canceled')),
    priority text NOT NULL DEFAULT 'medium'
        CONSTRAINT tasks_priority_check
        CHECK (priority IN ('low', 'medium', 'high')),
    due_date date,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- maintained by the tasks_completed_at trigger
    completed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    FOREIGN KEY (user_id, project_id) REFERENCES projects (user_id, id) ON DELETE CASCADE,
    CONSTRAINT tasks_completed_at_check CHECK ((status = 'done') = (completed_at IS NOT NULL))
);

CREATE INDEX tasks_user_project_idx ON tasks (user_id, project_id);
CREATE INDEX tasks_user_created_idx ON tasks (user_id, created_at DESC, id DESC);
CREATE INDEX tasks_user_status_idx ON tasks (user_id, status);
CREATE INDEX tasks_user_priority_idx ON tasks (user_id, priority);
CREATE INDEX tasks_user_due_date_idx ON tasks (user_id, due_date);
CREATE INDEX tasks_user_completed_at_idx ON tasks (user_id, completed_at);
CREATE INDEX tasks_user_zone_idx ON tasks (user_id, zone_id);

-- completed_at follows status: set (now(), unless the statement supplies a value) when a
-- task is inserted as or moves to 'done', kept while it stays 'done', cleared otherwise.
CREATE FUNCTION tasks_set_completed_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.status <> 'done' THEN
        NEW.completed_at := NULL;
    ELSIF TG_OP = 'UPDATE' AND OLD.status = 'done' THEN
        NEW.completed_at := coalesce(NEW.completed_at, OLD.completed_at);
    ELSE
        NEW.completed_at := coalesce(NEW.completed_at, now());
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER tasks_completed_at BEFORE INSERT OR UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_set_completed_at();
CREATE TRIGGER set_updated_at BEFORE UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tasks
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON tasks TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- inbox_items (quick captures; details holds queue / AI processing state)
-- ---------------------------------------------------------------------------------------
CREATE TABLE inbox_items (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    raw_text text NOT NULL,
    status text NOT NULL DEFAULT 'unprocessed'
        CONSTRAINT inbox_items_status_check
        CHECK (status IN ('unprocessed', 'processed', 'archived')),
    processed_at timestamptz,
    created_task_id uuid,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    FOREIGN KEY (user_id, created_task_id) REFERENCES tasks (user_id, id)
        ON DELETE SET NULL (created_task_id)
);

CREATE INDEX inbox_items_user_created_idx ON inbox_items (user_id, created_at DESC, id DESC);
CREATE INDEX inbox_items_user_status_created_idx ON inbox_items (user_id, status, created_at DESC);
CREATE INDEX inbox_items_user_created_task_idx ON inbox_items (user_id, created_task_id)
    WHERE created_task_id IS NOT NULL;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON inbox_items
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE inbox_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE inbox_items FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON inbox_items
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON inbox_items TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- goals (contact_id NULL = a practitioner goal; a client's goals go with the client)
-- ---------------------------------------------------------------------------------------
CREATE TABLE goals (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    contact_id uuid,
    name text NOT NULL,
    goal_type text NOT NULL
        CONSTRAINT goals_goal_type_check
        CHECK (goal_type IN ('practitioner_business', 'practitioner_personal', 'client_wellness')),
    status text NOT NULL DEFAULT 'on_track'
        CONSTRAINT goals_status_check
        CHECK (status IN ('on_track', 'at_risk', 'achieved', 'abandoned')),
    target_date date,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE
);

CREATE INDEX goals_user_contact_idx ON goals (user_id, contact_id);
CREATE INDEX goals_user_created_idx ON goals (user_id, created_at DESC, id DESC);
CREATE INDEX goals_user_goal_type_idx ON goals (user_id, goal_type);
CREATE INDEX goals_user_status_idx ON goals (user_id, status);
CREATE INDEX goals_user_target_date_idx ON goals (user_id, target_date);

CREATE TRIGGER set_updated_at BEFORE UPDATE ON goals
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE goals ENABLE ROW LEVEL SECURITY;
ALTER TABLE goals FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON goals
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON goals TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- note_goals (M:N notes <-> goals)
-- ---------------------------------------------------------------------------------------
CREATE TABLE note_goals (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    note_id uuid NOT NULL,
    goal_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, note_id, goal_id),
    FOREIGN KEY (user_id, note_id) REFERENCES notes (user_id, id) ON DELETE CASCADE,
    FOREIGN KEY (user_id, goal_id) REFERENCES goals (user_id, id) ON DELETE CASCADE
);

CREATE INDEX note_goals_user_goal_idx ON note_goals (user_id, goal_id);

ALTER TABLE note_goals ENABLE ROW LEVEL SECURITY;
ALTER TABLE note_goals FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON note_goals
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON note_goals TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- daily_pulse_logs (one per user and day)
-- ---------------------------------------------------------------------------------------
CREATE TABLE daily_pulse_logs (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    log_date date NOT NULL,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    CONSTRAINT daily_pulse_logs_user_log_date_key UNIQUE (user_id, log_date)
);

CREATE INDEX daily_pulse_logs_user_created_idx ON daily_pulse_logs (user_id, created_at DESC);

ALTER TABLE daily_pulse_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE daily_pulse_logs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON daily_pulse_logs
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON daily_pulse_logs TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- habits
-- ---------------------------------------------------------------------------------------
CREATE TABLE habits (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    name text NOT NULL,
    description text,
    habit_type text NOT NULL DEFAULT 'boolean'
        CONSTRAINT habits_habit_type_check
        CHECK (habit_type IN ('boolean', 'count', 'minutes', 'hours')),
    target_value integer
        CONSTRAINT habits_target_value_check CHECK (target_value > 0),
    target_unit text,
    target_frequency text NOT NULL DEFAULT 'daily'
        CONSTRAINT habits_target_frequency_check
        CHECK (target_frequency IN ('daily', 'weekly', 'monthly')),
    color text DEFAULT '#10B981',
    icon_name text DEFAULT 'check-circle',
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id)
);

CREATE INDEX habits_user_active_idx ON habits (user_id, is_active);
CREATE INDEX habits_user_updated_idx ON habits (user_id, updated_at DESC);

CREATE TRIGGER set_updated_at BEFORE UPDATE ON habits
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE habits ENABLE ROW LEVEL SECURITY;
ALTER TABLE habits FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON habits
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON habits TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- habit_completions (one per habit and day)
-- ---------------------------------------------------------------------------------------
CREATE TABLE habit_completions (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    habit_id uuid NOT NULL,
    completed_date date NOT NULL,
    value_completed integer
        CONSTRAINT habit_completions_value_completed_check CHECK (value_completed >= 0),
    notes text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    FOREIGN KEY (user_id, habit_id) REFERENCES habits (user_id, id) ON DELETE CASCADE,
    CONSTRAINT habit_completions_user_habit_date_key UNIQUE (user_id, habit_id, completed_date)
);

CREATE INDEX habit_completions_user_date_idx ON habit_completions (user_id, completed_date DESC);

ALTER TABLE habit_completions ENABLE ROW LEVEL SECURITY;
ALTER TABLE habit_completions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON habit_completions
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON habit_completions TO omnicrm_app_group;
