DROP TABLE task_contacts;

DROP INDEX tasks_user_status_due_idx;

ALTER TABLE tasks
    DROP COLUMN rejected_at,
    DROP COLUMN rejection_reason,
    DROP COLUMN recurrence_next_id,
    DROP COLUMN recurrence;

-- A suggestion still waiting has no place in the older state machine: it becomes a todo.
UPDATE tasks SET status = 'todo' WHERE status = 'pending_approval';
ALTER TABLE tasks DROP CONSTRAINT tasks_status_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_status_check
    CHECK (status IN ('todo', 'in_progress', 'done', 'canceled'));
