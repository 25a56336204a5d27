-- ---------------------------------------------------------------------------------------
-- Hide-first erasure (issue 16, ADR 0033). A signed-in account (the token's `sub`) owns
-- one tenant at a time. Until its first large erasure the tenant id is the account id
-- itself (no row here); a large erasure points the account at a fresh, empty tenant in one
-- statement (that is the instant the old data disappears for the user) and retires the
-- old tenant id, whose rows a job then deletes in batches.
--
-- Neither table is a tenant table (no user_id column: the catalog-driven erasure and
-- export never see them), and neither holds any of the user's data, only identifiers:
-- the account's current tenant, and the tenant ids nothing may ever be written under
-- again.
-- ---------------------------------------------------------------------------------------
CREATE TABLE account_tenants (
    -- the access token's `sub`
    subject uuid PRIMARY KEY,
    tenant_id uuid NOT NULL UNIQUE,
    since timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE retired_tenants (
    tenant_id uuid PRIMARY KEY,
    -- the erasure receipt whose job deletes the tenant's rows
    receipt_id uuid NOT NULL UNIQUE REFERENCES erasure_receipts (id),
    retired_at timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, UPDATE ON account_tenants TO omnicrm_app_group;
GRANT SELECT, INSERT ON retired_tenants TO omnicrm_app_group;

-- The job deleting an erased tenant in batches (NULL: erased in one transaction).
ALTER TABLE erasure_receipts ADD COLUMN job_id uuid;
