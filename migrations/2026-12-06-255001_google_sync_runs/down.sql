-- Reverses 2026-12-06-255001_google_sync_runs.
DROP TABLE google_sync_runs;
