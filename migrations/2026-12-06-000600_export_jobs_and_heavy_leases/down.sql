-- Reverses 2026-12-06-000600_export_jobs_and_heavy_leases.
DROP TABLE heavy_request_leases;
DROP TABLE user_exports;
