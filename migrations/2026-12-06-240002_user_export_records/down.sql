DROP TABLE user_export_records;
