//! Invariants of the migrated schema (docs/adr/0002-data-model.md), checked as SQL over the
//! catalog of a database cloned from the migrated template. Each test collects every
//! violation and fails listing them all.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use omnicrm_testkit::TestDb;
use tokio_postgres::Client;

/// Reference data: global, no `user_id`, no RLS, read-only for the application.
const REFERENCE_TABLES: [&str; 2] = ["tag_templates", "zones"];
/// Infrastructure shared by every tenant and server instance: no `user_id`, no RLS
/// (the public rate limiter's counters: public requests have no tenant; erasure receipts,
/// which must outlive the tenant they describe; an account's current tenant and the
/// retired tenant ids of hide-first erasures, ADR 0033).
const INFRASTRUCTURE_TABLES: [&str; 5] = [
    "rate_limit_counters",
    "heavy_request_leases",
    "erasure_receipts",
    "account_tenants",
    "retired_tenants",
];
const TAG_CATEGORIES: [&str; 6] = [
    "client_demographics",
    "emotional_mental",
    "health_wellness",
    "marketing_engagement",
    "schedule_attendance",
    "services_modalities",
];
const TENANT_PREDICATE: &str = "(user_id = app_current_user())";

async fn owner() -> (TestDb, Client) {
    let db = TestDb::new().await.unwrap();
    let client = db.owner().await.unwrap();
    (db, client)
}

/// `(table, has user_id)` for every ordinary table in `public` but diesel's own and the
/// job engine's (`job_*`: not tenant tables by design, see architecture.md §2).
async fn tables(c: &Client) -> BTreeMap<String, bool> {
    c.query(
        "SELECT c.relname::text,
                EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
           AND c.relname <> '__diesel_schema_migrations'
           AND c.relname NOT LIKE 'job\\_%'",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

async fn tenant_tables(c: &Client) -> Vec<String> {
    let tenant: Vec<String> = tables(c)
        .await
        .into_iter()
        .filter(|(_, t)| *t)
        .map(|(n, _)| n)
        .collect();
    assert!(
        tenant.len() > 1 && tenant.iter().any(|t| t == "contacts"),
        "no tenant tables found: {tenant:?}"
    );
    tenant
}

fn assert_none(violations: &[String], what: &str) {
    assert!(
        violations.is_empty(),
        "{what}: {} violation(s):\n  {}",
        violations.len(),
        violations.join("\n  ")
    );
}

#[tokio::test]
async fn every_table_is_a_tenant_table_or_reference_data() {
    let (_db, c) = owner().await;
    let without_user_id: BTreeSet<String> = tables(&c)
        .await
        .into_iter()
        .filter(|(_, t)| !*t)
        .map(|(n, _)| n)
        .collect();
    let expected: BTreeSet<String> = REFERENCE_TABLES
        .iter()
        .chain(&INFRASTRUCTURE_TABLES)
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(
        without_user_id, expected,
        "tables without user_id must be exactly the reference and infrastructure tables"
    );
}

#[tokio::test]
async fn tenant_tables_force_rls_with_the_tenant_isolation_policy() {
    let (_db, c) = owner().await;
    let mut violations = Vec::new();
    for table in tenant_tables(&c).await {
        let row = c
            .query_one(
                "SELECT c.relrowsecurity, c.relforcerowsecurity
                 FROM pg_class c WHERE c.oid = ('public.' || quote_ident($1))::regclass",
                &[&table],
            )
            .await
            .unwrap();
        if !row.get::<_, bool>(0) {
            violations.push(format!("{table}: row level security is not enabled"));
        }
        if !row.get::<_, bool>(1) {
            violations.push(format!("{table}: row level security is not forced"));
        }
        let policies = c
            .query(
                "SELECT policyname::text, permissive, roles::text[], cmd, qual, with_check
                 FROM pg_policies WHERE schemaname = 'public' AND tablename = $1",
                &[&table],
            )
            .await
            .unwrap();
        if policies.is_empty() {
            violations.push(format!("{table}: has no policy"));
        }
        let mut isolation = false;
        for p in &policies {
            let name: String = p.get(0);
            let permissive: String = p.get(1);
            let roles: Vec<String> = p.get(2);
            let cmd: String = p.get(3);
            let qual: Option<String> = p.get(4);
            let with_check: Option<String> = p.get(5);
            if name == "tenant_isolation" {
                isolation = true;
                let ok = permissive == "PERMISSIVE"
                    && roles == ["public"]
                    && cmd == "ALL"
                    && qual.as_deref() == Some(TENANT_PREDICATE)
                    && with_check.as_deref() == Some(TENANT_PREDICATE);
                if !ok {
                    violations.push(format!(
                        "{table}: tenant_isolation is {permissive} {cmd} TO {roles:?} USING {qual:?} WITH CHECK {with_check:?}, \
                         expected PERMISSIVE ALL TO public USING/WITH CHECK {TENANT_PREDICATE}"
                    ));
                }
            } else if roles
                .iter()
                .any(|r| ["public", "omnicrm_app_group", "omnicrm_app"].contains(&r.as_str()))
            {
                // Permissive policies are OR-ed: any further policy reaching the serving
                // roles would widen what they see.
                violations.push(format!("{table}: policy {name} ({permissive} {cmd}) applies to the serving roles {roles:?}"));
            }
        }
        if !policies.is_empty() && !isolation {
            violations.push(format!("{table}: no tenant_isolation policy"));
        }
    }
    assert_none(&violations, "row level security of tenant tables");
}

#[tokio::test]
async fn tenant_tables_lead_their_primary_key_with_user_id_and_cascade_from_tenants() {
    let (_db, c) = owner().await;
    let mut violations = Vec::new();
    for table in tenant_tables(&c).await {
        let first_pk_col: Option<String> = c
            .query_opt(
                "SELECT a.attname::text FROM pg_index i
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                 WHERE i.indrelid = ('public.' || quote_ident($1))::regclass AND i.indisprimary",
                &[&table],
            )
            .await
            .unwrap()
            .map(|r| r.get(0));
        match first_pk_col.as_deref() {
            None => violations.push(format!("{table}: has no primary key")),
            Some("user_id") => {}
            Some(other) => violations.push(format!(
                "{table}: primary key starts with {other}, not user_id"
            )),
        }
        let not_null: bool = c
            .query_one(
                "SELECT attnotnull FROM pg_attribute
                 WHERE attrelid = ('public.' || quote_ident($1))::regclass AND attname = 'user_id'",
                &[&table],
            )
            .await
            .unwrap()
            .get(0);
        if !not_null {
            violations.push(format!("{table}: user_id is nullable"));
        }
        if table == "tenants" {
            continue;
        }
        // user_id REFERENCES tenants (user_id) ON DELETE CASCADE (the erasure path).
        let cascades: i64 = c
            .query_one(
                "SELECT count(*) FROM pg_constraint con
                 WHERE con.contype = 'f' AND con.conrelid = ('public.' || quote_ident($1))::regclass
                   AND con.confrelid = 'public.tenants'::regclass AND con.confdeltype = 'c'
                   AND con.conkey = ARRAY[(SELECT attnum FROM pg_attribute
                                           WHERE attrelid = con.conrelid AND attname = 'user_id')]",
                &[&table],
            )
            .await
            .unwrap()
            .get(0);
        if cascades != 1 {
            violations.push(format!(
                "{table}: user_id does not reference tenants (user_id) ON DELETE CASCADE"
            ));
        }
    }
    assert_none(&violations, "primary keys and the tenants anchor");
}

#[tokio::test]
async fn foreign_keys_between_tenant_tables_are_composite_on_user_id() {
    let (_db, c) = owner().await;
    let tenant: BTreeSet<String> = tenant_tables(&c).await.into_iter().collect();
    let fks = c
        .query(
            "SELECT con.conname::text, src.relname::text, dst.relname::text,
                    array_agg(sa.attname::text ORDER BY k.ord), array_agg(da.attname::text ORDER BY k.ord),
                    con.confdeltype::text,
                    (SELECT array_agg(a.attname::text) FROM unnest(con.confdelsetcols) AS s(n)
                     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = s.n),
                    -- an index whose leading columns are exactly the foreign key's columns
                    EXISTS (SELECT 1 FROM pg_index i
                            WHERE i.indrelid = con.conrelid
                              AND i.indnkeyatts >= cardinality(con.conkey)
                              AND (SELECT array_agg(x ORDER BY x) FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS u(x, o)
                                   WHERE o <= cardinality(con.conkey))
                                = (SELECT array_agg(x ORDER BY x) FROM unnest(con.conkey) x))
             FROM pg_constraint con
             JOIN pg_class src ON src.oid = con.conrelid
             JOIN pg_class dst ON dst.oid = con.confrelid
             JOIN pg_namespace n ON n.oid = src.relnamespace
             CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(src_att, dst_att, ord)
             JOIN pg_attribute sa ON sa.attrelid = con.conrelid AND sa.attnum = k.src_att
             JOIN pg_attribute da ON da.attrelid = con.confrelid AND da.attnum = k.dst_att
             WHERE con.contype = 'f' AND n.nspname = 'public'
             GROUP BY con.oid, con.conname, con.conrelid, con.conkey, con.confdeltype, con.confdelsetcols,
                      src.relname, dst.relname",
            &[],
        )
        .await
        .unwrap();
    let mut violations = Vec::new();
    let mut between_tenant_rows = 0;
    for fk in &fks {
        let (name, src, dst): (String, String, String) = (fk.get(0), fk.get(1), fk.get(2));
        let (cols, ref_cols): (Vec<String>, Vec<String>) = (fk.get(3), fk.get(4));
        let (on_delete, set_null_cols, indexed): (String, Option<Vec<String>>, bool) =
            (fk.get(5), fk.get(6), fk.get(7));
        if !(tenant.contains(&src) && tenant.contains(&dst)) {
            continue;
        }
        if dst != "tenants" {
            between_tenant_rows += 1;
        }
        let pairs: Vec<(&str, &str)> = cols
            .iter()
            .map(String::as_str)
            .zip(ref_cols.iter().map(String::as_str))
            .collect();
        if !pairs.contains(&("user_id", "user_id")) {
            violations.push(format!(
                "{src}.{name}: {cols:?} → {dst} {ref_cols:?} does not tie user_id to user_id"
            ));
        }
        if on_delete == "n" || on_delete == "d" {
            // SET NULL / SET DEFAULT must name its columns, or it would null user_id.
            match &set_null_cols {
                Some(c) if !c.iter().any(|c| c == "user_id") => {}
                _ => violations.push(format!(
                    "{src}.{name}: ON DELETE SET NULL/DEFAULT touches user_id (columns {set_null_cols:?})"
                )),
            }
        }
        if !indexed {
            violations.push(format!(
                "{src}.{name}: no index leads with exactly the columns {cols:?}"
            ));
        }
    }
    assert!(
        between_tenant_rows > 5,
        "expected foreign keys between tenant tables, found {between_tenant_rows}"
    );
    assert_none(&violations, "foreign keys between tenant tables");
}

#[tokio::test]
async fn reference_tables_are_seeded_global_and_read_only() {
    let db = TestDb::new().await.unwrap();
    let c = db.owner().await.unwrap();
    let mut violations = Vec::new();
    for table in REFERENCE_TABLES {
        let row = c
            .query_one(
                "SELECT c.relrowsecurity,
                        has_table_privilege('omnicrm_app_group', c.oid, 'SELECT'),
                        has_table_privilege('omnicrm_app_group', c.oid, 'INSERT')
                          OR has_table_privilege('omnicrm_app_group', c.oid, 'UPDATE')
                          OR has_table_privilege('omnicrm_app_group', c.oid, 'DELETE')
                          OR has_table_privilege('omnicrm_app_group', c.oid, 'TRUNCATE')
                 FROM pg_class c WHERE c.oid = ('public.' || $1)::regclass",
                &[&table],
            )
            .await
            .unwrap();
        if row.get::<_, bool>(0) {
            violations.push(format!(
                "{table}: has row level security (reference data is global)"
            ));
        }
        if !row.get::<_, bool>(1) {
            violations.push(format!("{table}: the app group cannot read it"));
        }
        if row.get::<_, bool>(2) {
            violations.push(format!("{table}: the app group can write it"));
        }
    }
    assert_none(&violations, "reference tables");

    let zones: i64 = c
        .query_one("SELECT count(DISTINCT name) FROM zones", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(zones, 6, "zones must be seeded with the six zones");
    let categories: BTreeSet<String> = c
        .query("SELECT DISTINCT category FROM tag_templates", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let expected: BTreeSet<String> = TAG_CATEGORIES.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(
        categories, expected,
        "tag templates must cover exactly the six categories"
    );
    let templates: i64 = c
        .query_one("SELECT count(*) FROM tag_templates", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(templates, 67, "the ADR seeds 67 tag templates");
    // Names are unique across categories (a user's tags are unique by lower(name)).
    let clashes: i64 = c
        .query_one(
            "SELECT count(*) - count(DISTINCT lower(name)) FROM tag_templates",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        clashes, 0,
        "tag template names must be unique case-insensitively"
    );

    // The serving role reads them without any tenant context.
    let app = db.app().await.unwrap();
    let seen: i64 = app
        .query_one(
            "SELECT (SELECT count(*) FROM zones) + (SELECT count(*) FROM tag_templates)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        seen,
        zones + templates,
        "the app role must see all reference rows without a tenant"
    );
    let err = app
        .batch_execute("DELETE FROM zones")
        .await
        .expect_err("the app role must not delete zones");
    assert_eq!(
        err.code(),
        Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
        "{err}"
    );
}

/// Tenant tables the app role may only insert into and read.
const APPEND_ONLY: &[&str] = &["photo_access_audit"];

#[tokio::test]
async fn tenant_tables_are_granted_to_the_app_group() {
    let (_db, c) = owner().await;
    let mut violations = Vec::new();
    for table in tenant_tables(&c).await {
        for privilege in ["SELECT", "INSERT", "UPDATE", "DELETE"] {
            // Append-only tables: recorded and read, never rewritten (ADR 0011).
            let expected = !(APPEND_ONLY.contains(&table.as_str())
                && matches!(privilege, "UPDATE" | "DELETE"));
            let granted: bool = c
                .query_one(
                    "SELECT has_table_privilege('omnicrm_app_group', ('public.' || quote_ident($1))::regclass, $2)",
                    &[&table, &privilege],
                )
                .await
                .unwrap()
                .get(0);
            if granted != expected {
                violations.push(format!(
                    "{table}: omnicrm_app_group {} {privilege}",
                    if granted { "has" } else { "lacks" }
                ));
            }
        }
    }
    assert_none(&violations, "grants on tenant tables");
}

#[tokio::test]
async fn tables_with_updated_at_have_the_before_update_trigger() {
    let (_db, c) = owner().await;
    let rows = c
        .query(
            "SELECT c.relname::text,
                    EXISTS (SELECT 1 FROM pg_trigger t
                            WHERE t.tgrelid = c.oid AND NOT t.tgisinternal AND t.tgenabled <> 'D'
                              AND t.tgfoid = 'public.set_updated_at()'::regprocedure
                              AND (t.tgtype & 1) = 1     -- FOR EACH ROW
                              AND (t.tgtype & 2) = 2     -- BEFORE
                              AND (t.tgtype & 16) = 16)  -- UPDATE
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'updated_at' AND NOT a.attisdropped
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')",
            &[],
        )
        .await
        .unwrap();
    assert!(
        rows.len() > 5,
        "expected tables with updated_at, found {}",
        rows.len()
    );
    let violations: Vec<String> = rows
        .iter()
        .filter(|r| !r.get::<_, bool>(1))
        .map(|r| {
            format!(
                "{}: no enabled BEFORE UPDATE FOR EACH ROW trigger calling set_updated_at()",
                r.get::<_, String>(0)
            )
        })
        .collect();
    assert_none(&violations, "updated_at triggers");
}

#[tokio::test]
async fn the_app_role_cannot_bypass_row_level_security() {
    let (_db, c) = owner().await;
    let mut violations = Vec::new();
    for role in ["omnicrm_app", "omnicrm_app_group"] {
        let row = c
            .query_opt(
                "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1",
                &[&role],
            )
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("role {role} does not exist"));
        if row.get::<_, bool>(0) {
            violations.push(format!("{role} is a superuser"));
        }
        if row.get::<_, bool>(1) {
            violations.push(format!("{role} has BYPASSRLS"));
        }
    }
    let member: bool = c
        .query_one(
            "SELECT pg_has_role('omnicrm_app', 'omnicrm_app_group', 'MEMBER')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    if !member {
        violations.push("omnicrm_app is not a member of omnicrm_app_group".to_owned());
    }
    // An owner could ALTER TABLE .. DISABLE ROW LEVEL SECURITY: the serving roles own nothing.
    for row in c
        .query(
            "SELECT c.relname::text, pg_get_userbyid(c.relowner)::text
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public'
               AND pg_has_role('omnicrm_app', c.relowner, 'MEMBER')",
            &[],
        )
        .await
        .unwrap()
    {
        violations.push(format!(
            "{} is owned by {}",
            row.get::<_, String>(0),
            row.get::<_, String>(1)
        ));
    }
    assert_none(&violations, "the serving role");
}

#[tokio::test]
async fn functions_are_safe_to_expose() {
    let (_db, c) = owner().await;
    let mut violations = Vec::new();
    // app_current_user(): STABLE and PARALLEL SAFE (it sits in every tenant query's plan).
    let row = c
        .query_one(
            "SELECT provolatile::text, proparallel::text FROM pg_proc WHERE oid = 'public.app_current_user()'::regprocedure",
            &[],
        )
        .await
        .unwrap();
    if row.get::<_, String>(0) != "s" || row.get::<_, String>(1) != "s" {
        violations.push(format!(
            "app_current_user(): volatility {} / parallel {} (expected STABLE / PARALLEL SAFE)",
            row.get::<_, String>(0),
            row.get::<_, String>(1)
        ));
    }
    // SECURITY DEFINER functions pin search_path and are not executable by PUBLIC.
    let definers = c
        .query(
            "SELECT p.oid::regprocedure::text,
                    EXISTS (SELECT 1 FROM unnest(p.proconfig) s WHERE s LIKE 'search\\_path=%'),
                    has_function_privilege('public', p.oid, 'EXECUTE')
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND p.prosecdef",
            &[],
        )
        .await
        .unwrap();
    if !definers
        .iter()
        .any(|r| r.get::<_, String>(0).starts_with("onboarding_token_lookup"))
    {
        violations.push("onboarding_token_lookup is missing or not SECURITY DEFINER".to_owned());
    }
    for r in &definers {
        let name: String = r.get(0);
        if !r.get::<_, bool>(1) {
            violations.push(format!("{name}: SECURITY DEFINER without SET search_path"));
        }
        if r.get::<_, bool>(2) {
            violations.push(format!("{name}: SECURITY DEFINER and executable by PUBLIC"));
        }
    }
    assert_none(&violations, "functions");
}
