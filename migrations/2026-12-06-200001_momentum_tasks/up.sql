-- Tasks for OmniMomentum (issue 13, ADR 0020): the approval state, recurrence, the kept
-- rejection reason, and links from tasks to contacts.

-- Suggested tasks wait in 'pending_approval' until the practitioner approves or rejects them.
ALTER TABLE tasks DROP CONSTRAINT tasks_status_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_status_check
    CHECK (status IN ('todo', 'in_progress', 'done', 'canceled', 'pending_approval'));

ALTER TABLE tasks
    -- RRULE subset (FREQ=DAILY|WEEKLY|MONTHLY, INTERVAL, BYDAY, BYMONTHDAY), checked by the API.
    ADD COLUMN recurrence text
        CONSTRAINT tasks_recurrence_check CHECK (char_length(recurrence) BETWEEN 1 AND 200),
    -- The occurrence created when this one was completed (at most one per task).
    ADD COLUMN recurrence_next_id uuid,
    -- Why a suggested task was rejected: kept to learn which suggestions fail.
    ADD COLUMN rejection_reason text
        CONSTRAINT tasks_rejection_reason_check CHECK (char_length(rejection_reason) <= 2000),
    ADD COLUMN rejected_at timestamptz;

-- The default task list reads status and due date together.
CREATE INDEX tasks_user_status_due_idx ON tasks (user_id, status, due_date);

-- ---------------------------------------------------------------------------------------
-- task_contacts (M:N tasks <-> contacts)
-- ---------------------------------------------------------------------------------------
CREATE TABLE task_contacts (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    task_id uuid NOT NULL,
    contact_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, task_id, contact_id),
    FOREIGN KEY (user_id, task_id) REFERENCES tasks (user_id, id) ON DELETE CASCADE,
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE
);

CREATE INDEX task_contacts_user_contact_idx ON task_contacts (user_id, contact_id);

ALTER TABLE task_contacts ENABLE ROW LEVEL SECURITY;
ALTER TABLE task_contacts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON task_contacts
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON task_contacts TO omnicrm_app_group;
