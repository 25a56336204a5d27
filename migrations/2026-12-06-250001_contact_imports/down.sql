-- Reverses 2026-12-06-250001_contact_imports.
DROP TABLE contact_imports;
