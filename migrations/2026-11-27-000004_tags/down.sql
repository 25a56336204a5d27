-- Reverses 2026-11-27-000004_tags.
DROP TABLE goal_tags;
DROP TABLE note_tags;
DROP TABLE task_tags;
DROP TABLE contact_tags;
DROP FUNCTION tags_adjust_usage_count();
DROP TABLE tags;
DROP TABLE tag_templates;
