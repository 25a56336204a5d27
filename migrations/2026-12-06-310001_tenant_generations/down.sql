ALTER TABLE erasure_receipts DROP COLUMN job_id;
DROP TABLE retired_tenants;
DROP TABLE account_tenants;
