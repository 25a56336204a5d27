DROP TABLE google_sync_cursors;
