-- A list filtered by a tag or a contact starts from the links (ADR 0052): the task id joins
-- the link tables' secondary indexes, so reading a tag's or a contact's tasks is an
-- index-only scan over that tag's or contact's entries, never over all of the user's links.
CREATE INDEX task_tags_user_tag_task_idx ON task_tags (user_id, tag_id, task_id);
DROP INDEX task_tags_user_tag_idx;

CREATE INDEX task_contacts_user_contact_task_idx ON task_contacts (user_id, contact_id, task_id);
DROP INDEX task_contacts_user_contact_idx;
