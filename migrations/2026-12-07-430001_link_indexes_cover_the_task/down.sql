-- Back to the indexes without the task id.
CREATE INDEX task_contacts_user_contact_idx ON task_contacts (user_id, contact_id);
DROP INDEX task_contacts_user_contact_task_idx;

CREATE INDEX task_tags_user_tag_idx ON task_tags (user_id, tag_id);
DROP INDEX task_tags_user_tag_task_idx;
