ALTER TABLE interactions DROP COLUMN contact_linked_by;
