//! Tenant isolation as the database enforces it (docs/adr/0002-data-model.md §2): RLS for
//! the serving role `omnicrm_app`, composite foreign keys, and erasure by deleting the
//! `tenants` row. Two tenants get a row in every tenant table (inserted by the owner).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use omnicrm_testkit::TestDb;
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;
use uuid::Uuid;

/// The ids a seeded tenant's rows can be found by.
#[derive(Debug, Clone, Copy)]
struct Seeded {
    user: Uuid,
    /// Has a note, consent, file, identity, goal, tags, interaction, ..
    contact: Uuid,
    /// Has nothing hanging off it.
    bare_contact: Uuid,
}

/// Inserts, as `owner` (superuser: RLS does not apply), the `tenants` row of a new user and
/// at least one row in every tenant table.
async fn seed_tenant(owner: &Client) -> Seeded {
    let u = Uuid::now_v7();
    let [
        contact,
        bare_contact,
        note,
        project,
        task,
        goal,
        habit,
        tag,
        own_tag,
        thread,
        message,
    ] = std::array::from_fn(|_| Uuid::now_v7());
    let zone = "(SELECT id FROM zones ORDER BY name LIMIT 1)";
    owner
        .batch_execute(&format!(
            "BEGIN;
             INSERT INTO tenants (user_id) VALUES ('{u}');
             INSERT INTO contacts (user_id, id, display_name) VALUES ('{u}', '{contact}', 'Ada'), ('{u}', '{bare_contact}', 'Grace');
             INSERT INTO notes (user_id, id, contact_id, content_plain) VALUES ('{u}', '{note}', '{contact}', 'first session');
             INSERT INTO client_consents (user_id, id, contact_id, consent_type, consent_text_version)
                 VALUES ('{u}', gen_random_uuid(), '{contact}', 'hipaa', 'v1');
             INSERT INTO client_files (user_id, id, contact_id, file_path) VALUES ('{u}', gen_random_uuid(), '{contact}', 'photos/ada.jpg');
             INSERT INTO contact_identities (user_id, id, contact_id, kind, value)
                 VALUES ('{u}', gen_random_uuid(), '{contact}', 'email', 'ada@example.com');
             INSERT INTO photo_access_audit (user_id, id, contact_id, photo_path)
                 VALUES ('{u}', gen_random_uuid(), '{contact}', 'photos/ada.jpg');
             INSERT INTO contact_duplicates (user_id, contact_id, existing_id, matched)
                 VALUES ('{u}', '{bare_contact}', '{contact}', 'email');
             INSERT INTO contact_history (user_id, id, contact_id, kind)
                 VALUES ('{u}', gen_random_uuid(), '{contact}', 'onboarding_submission');
             INSERT INTO user_exports (user_id, id) VALUES ('{u}', gen_random_uuid());
             INSERT INTO user_export_records (user_id, id, kind, exported_at, size_bytes) VALUES ('{u}', gen_random_uuid(), 'download', now(), 1);
             INSERT INTO contact_imports (user_id, id, duplicates, rows_total) VALUES ('{u}', gen_random_uuid(), 'skip', 0);
             INSERT INTO google_sync_runs (user_id, id, service, mode, trigger) VALUES ('{u}', gen_random_uuid(), 'gmail', 'full', 'manual');
             INSERT INTO google_sync_cursors (user_id, service, cursor) VALUES ('{u}', 'gmail', '1');
             INSERT INTO idempotency_keys (user_id, idempotency_key, fingerprint)
                 VALUES ('{u}', 'create-ada', sha256('x'));
             INSERT INTO onboarding_tokens (user_id, id, token_hash, expires_at, created_by)
                 VALUES ('{u}', gen_random_uuid(), sha256(convert_to('{u}', 'UTF8')), now() + interval '1 day', '{u}');
             INSERT INTO onboarding_uploads (user_id, id, token_id, object_key, mime_type, file_size, original_size)
                 SELECT user_id, gen_random_uuid(), id, user_id || '/onboarding/' || gen_random_uuid() || '.jpg', 'image/jpeg', 1, 1
                 FROM onboarding_tokens WHERE user_id = '{u}';
             INSERT INTO projects (user_id, id, name, zone_id) VALUES ('{u}', '{project}', 'Launch', {zone});
             INSERT INTO tasks (user_id, id, project_id, zone_id, name, status) VALUES ('{u}', '{task}', '{project}', {zone}, 'Call', 'done');
             INSERT INTO inbox_items (user_id, id, raw_text, created_task_id) VALUES ('{u}', gen_random_uuid(), 'call Ada', '{task}');
             INSERT INTO goals (user_id, id, contact_id, name, goal_type) VALUES ('{u}', '{goal}', '{contact}', 'Sleep', 'client_wellness');
             INSERT INTO note_goals (user_id, note_id, goal_id) VALUES ('{u}', '{note}', '{goal}');
             INSERT INTO daily_pulse_logs (user_id, id, log_date) VALUES ('{u}', gen_random_uuid(), current_date);
             INSERT INTO habits (user_id, id, name) VALUES ('{u}', '{habit}', 'Walk');
             INSERT INTO habit_completions (user_id, id, habit_id, completed_date) VALUES ('{u}', gen_random_uuid(), '{habit}', current_date);
             INSERT INTO tags (user_id, id, name, category, color, is_system, template_id)
                 SELECT '{u}', '{tag}', t.name, t.category, t.color, true, t.id FROM tag_templates t ORDER BY t.id LIMIT 1;
             INSERT INTO tags (user_id, id, name) VALUES ('{u}', '{own_tag}', 'my own tag');
             INSERT INTO contact_tags (user_id, contact_id, tag_id, created_by) VALUES ('{u}', '{contact}', '{tag}', '{u}');
             INSERT INTO task_tags (user_id, task_id, tag_id) VALUES ('{u}', '{task}', '{tag}');
             INSERT INTO note_tags (user_id, note_id, tag_id) VALUES ('{u}', '{note}', '{own_tag}');
             INSERT INTO task_contacts (user_id, task_id, contact_id) VALUES ('{u}', '{task}', '{contact}');
             INSERT INTO goal_tags (user_id, goal_id, tag_id) VALUES ('{u}', '{goal}', '{tag}');
             INSERT INTO raw_events (user_id, id, provider, payload, occurred_at, source_id)
                 VALUES ('{u}', gen_random_uuid(), 'gmail', '{{}}', now(), 'msg-1');
             INSERT INTO interactions (user_id, id, contact_id, type, occurred_at, source, source_id)
                 VALUES ('{u}', gen_random_uuid(), '{contact}', 'email', now(), 'gmail', 'msg-1');
             INSERT INTO ai_insights (user_id, id, subject_type, subject_id, kind, content)
                 VALUES ('{u}', gen_random_uuid(), 'contact', '{contact}', 'summary', '{{}}');
             INSERT INTO embeddings (user_id, id, owner_type, owner_id, model, dimensions, vector)
                 VALUES ('{u}', gen_random_uuid(), 'contact', '{contact}', 'test-model', 2, '\\x0000003f0000803e');
             INSERT INTO embedding_state (user_id, version) VALUES ('{u}', 1);
             INSERT INTO documents (user_id, id, owner_contact_id, title) VALUES ('{u}', gen_random_uuid(), '{contact}', 'intake');
             INSERT INTO ignored_identifiers (user_id, id, kind, value) VALUES ('{u}', gen_random_uuid(), 'email', 'noreply@example.com');
             INSERT INTO user_integrations (user_id, provider, service, access_token) VALUES ('{u}', 'google', 'gmail', 'encrypted');
             INSERT INTO google_oauth_states (user_id, id, service, code_verifier, expires_at) VALUES ('{u}', gen_random_uuid(), 'gmail', 'sealed', now() + interval '10 minutes');
             INSERT INTO user_profiles (user_id) VALUES ('{u}');
             INSERT INTO ai_quotas (user_id, credits_left, period_start) VALUES ('{u}', 10, date_trunc('month', now())::date);
             INSERT INTO ai_usage (user_id, id, model) VALUES ('{u}', gen_random_uuid(), 'test-model');
             INSERT INTO threads (user_id, id) VALUES ('{u}', '{thread}');
             INSERT INTO messages (user_id, id, thread_id, role, content) VALUES ('{u}', '{message}', '{thread}', 'user', '{{}}');
             INSERT INTO tool_invocations (user_id, id, message_id, tool, args) VALUES ('{u}', gen_random_uuid(), '{message}', 'search', '{{}}');
             COMMIT;"
        ))
        .await
        .unwrap();
    Seeded {
        user: u,
        contact,
        bare_contact,
    }
}

/// Every base table in `public` with a `user_id` column (walked, not listed).
async fn tenant_tables(owner: &Client) -> Vec<String> {
    let tables: Vec<String> = owner
        .query(
            "SELECT c.table_name::text FROM information_schema.columns c
             JOIN information_schema.tables t USING (table_schema, table_name)
             WHERE c.table_schema = 'public' AND c.column_name = 'user_id' AND t.table_type = 'BASE TABLE'
               AND c.table_name NOT LIKE 'job\\_%'
             ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        tables.iter().any(|t| t == "contacts") && tables.iter().any(|t| t == "tenants"),
        "{tables:?}"
    );
    tables
}

/// Rows per tenant table visible to `client` whose user_id is `user` (or all rows: `None`).
async fn counts(
    client: &impl tokio_postgres::GenericClient,
    tables: &[String],
    user: Option<Uuid>,
) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for table in tables {
        let sql = match user {
            Some(u) => format!("SELECT count(*) FROM {table} WHERE user_id = '{u}'"),
            None => format!("SELECT count(*) FROM {table}"),
        };
        out.insert(
            table.clone(),
            client.query_one(&sql, &[]).await.unwrap().get(0),
        );
    }
    out
}

fn nonzero(counts: &BTreeMap<String, i64>) -> BTreeMap<&str, i64> {
    counts
        .iter()
        .filter(|(_, n)| **n != 0)
        .map(|(t, n)| (t.as_str(), *n))
        .collect()
}

struct World {
    db: TestDb,
    owner: Client,
    tables: Vec<String>,
    a: Seeded,
    b: Seeded,
}

async fn world() -> World {
    let db = TestDb::new().await.unwrap();
    let owner = db.owner().await.unwrap();
    let a = seed_tenant(&owner).await;
    let b = seed_tenant(&owner).await;
    let tables = tenant_tables(&owner).await;
    World {
        db,
        owner,
        tables,
        a,
        b,
    }
}

async fn scope(tx: &tokio_postgres::Transaction<'_>, user: Uuid) {
    tx.query_one(
        "SELECT set_config('app.user_id', $1, true)",
        &[&user.to_string()],
    )
    .await
    .unwrap();
}

async fn contact_rows(client: &impl tokio_postgres::GenericClient) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = client
        .query("SELECT user_id::text, id::text FROM contacts", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    rows.sort();
    rows
}

/// (a) A fresh app-role connection without `app.user_id` (and with it empty) sees nothing.
#[tokio::test]
async fn a_fresh_app_connection_without_a_tenant_sees_no_rows() {
    let w = world().await;
    let owner_sees = counts(&w.owner, &w.tables, None).await;
    let empty_tables: Vec<&String> = owner_sees
        .iter()
        .filter(|(_, n)| **n < 2)
        .map(|(t, _)| t)
        .collect();
    assert!(
        empty_tables.is_empty(),
        "the seed must give both tenants rows in every tenant table; missing: {empty_tables:?}"
    );

    let app = w.db.app().await.unwrap();
    let contacts: i64 = app
        .query_one("SELECT count(*) FROM contacts", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        contacts, 0,
        "an unscoped app connection must see no contacts"
    );
    assert_eq!(
        nonzero(&counts(&app, &w.tables, None).await),
        BTreeMap::new(),
        "an unscoped app connection sees rows"
    );

    app.batch_execute("SET app.user_id = ''").await.unwrap();
    assert_eq!(
        nonzero(&counts(&app, &w.tables, None).await),
        BTreeMap::new(),
        "an empty app.user_id must match no row"
    );
}

/// (b) Inside a transaction scoped with `set_config(.., true)` an unscoped SELECT returns
/// exactly that tenant's rows, in every tenant table.
#[tokio::test]
async fn a_scoped_transaction_sees_only_its_tenant() {
    let w = world().await;
    let expected = contact_rows(&w.owner)
        .await
        .into_iter()
        .filter(|(u, _)| *u == w.a.user.to_string())
        .collect::<Vec<_>>();
    assert_eq!(expected.len(), 2);

    let mut app = w.db.app().await.unwrap();
    let tx = app.transaction().await.unwrap();
    scope(&tx, w.a.user).await;
    assert_eq!(
        contact_rows(&tx).await,
        expected,
        "SELECT * FROM contacts must return exactly A's contacts"
    );
    assert_eq!(
        counts(&tx, &w.tables, None).await,
        counts(&w.owner, &w.tables, Some(w.a.user)).await,
        "in every tenant table the scoped transaction must see exactly A's rows"
    );
    tx.commit().await.unwrap();
}

/// (c) The setting is transaction-local: the same (pooled) connection sees nothing again
/// once the scoped transaction has committed.
#[tokio::test]
async fn the_scope_ends_with_the_transaction_on_a_reused_connection() {
    let w = world().await;
    let mut app = w.db.app().await.unwrap();
    let tx = app.transaction().await.unwrap();
    scope(&tx, w.a.user).await;
    let inside: i64 = tx
        .query_one("SELECT count(*) FROM contacts", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(inside, 2);
    tx.commit().await.unwrap();

    let current: Option<Uuid> = app
        .query_one("SELECT app_current_user()::text", &[])
        .await
        .unwrap()
        .get::<_, Option<String>>(0)
        .map(|s| s.parse().unwrap());
    assert_eq!(
        current, None,
        "app_current_user() must be NULL after the scoped transaction"
    );
    let after: i64 = app
        .query_one("SELECT count(*) FROM contacts", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        after, 0,
        "the reused connection must see no contacts after the commit"
    );
    assert_eq!(
        nonzero(&counts(&app, &w.tables, None).await),
        BTreeMap::new()
    );
}

/// (d) A row of tenant B cannot reference tenant A's row: the composite foreign key refuses
/// it even for the owner, whom RLS does not restrict.
#[tokio::test]
async fn composite_foreign_keys_refuse_cross_tenant_references() {
    let w = world().await;
    let insert = |user: Uuid, contact: Uuid| {
        format!(
            "INSERT INTO notes (user_id, id, contact_id) VALUES ('{user}', '{}', '{contact}')",
            Uuid::now_v7()
        )
    };
    // Control: the same statement for A's own contact is fine.
    w.owner
        .batch_execute(&insert(w.a.user, w.a.contact))
        .await
        .unwrap();

    let err = w
        .owner
        .batch_execute(&insert(w.b.user, w.a.contact))
        .await
        .expect_err("B's note must not point at A's contact");
    assert_eq!(
        err.code(),
        Some(&SqlState::FOREIGN_KEY_VIOLATION),
        "{err:?}"
    );
    let constraint = err
        .as_db_error()
        .and_then(|e| e.constraint())
        .unwrap()
        .to_owned();
    let columns: Vec<String> = w
        .owner
        .query_one(
            "SELECT array_agg(a.attname::text ORDER BY k.ord) FROM pg_constraint con
             CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(n, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n
             WHERE con.conrelid = 'notes'::regclass AND con.conname = $1",
            &[&constraint],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        columns,
        ["user_id", "contact_id"],
        "refused by {constraint}, not the composite contact key"
    );
}

/// (e) Scoped to A, the app role cannot write rows of B: inserts and re-owning updates fail
/// the policy's WITH CHECK; updates and deletes of B's rows touch nothing.
#[tokio::test]
async fn rls_refuses_writes_for_another_tenant() {
    let w = world().await;
    let mut app = w.db.app().await.unwrap();
    let insert = |user: Uuid| {
        format!(
            "INSERT INTO contacts (user_id, id, display_name) VALUES ('{user}', '{}', 'Eve')",
            Uuid::now_v7()
        )
    };

    let tx = app.transaction().await.unwrap();
    scope(&tx, w.a.user).await;
    tx.batch_execute(&insert(w.a.user)).await.unwrap(); // control: A may write A's rows
    let err = tx
        .batch_execute(&insert(w.b.user))
        .await
        .expect_err("A must not insert a row of B");
    assert_eq!(
        err.code(),
        Some(&SqlState::INSUFFICIENT_PRIVILEGE),
        "{err:?}"
    );
    let message = err
        .as_db_error()
        .map(|e| e.message().to_owned())
        .unwrap_or_default();
    assert!(
        message.contains("row-level security"),
        "refused, but not by the policy: {err:?}"
    );
    tx.rollback().await.unwrap();

    let tx = app.transaction().await.unwrap();
    scope(&tx, w.a.user).await;
    let err = tx
        .batch_execute(&format!(
            "UPDATE contacts SET user_id = '{}' WHERE user_id = '{}' AND id = '{}'",
            w.b.user, w.a.user, w.a.bare_contact
        ))
        .await
        .expect_err("A must not hand a row to B");
    assert_eq!(
        err.code(),
        Some(&SqlState::INSUFFICIENT_PRIVILEGE),
        "{err:?}"
    );
    tx.rollback().await.unwrap();

    let tx = app.transaction().await.unwrap();
    scope(&tx, w.a.user).await;
    let updated = tx
        .execute(
            &format!(
                "UPDATE contacts SET display_name = 'x' WHERE user_id = '{}'",
                w.b.user
            ),
            &[],
        )
        .await
        .unwrap();
    let deleted = tx
        .execute(
            &format!("DELETE FROM notes WHERE user_id = '{}'", w.b.user),
            &[],
        )
        .await
        .unwrap();
    let erased = tx
        .execute(
            &format!("DELETE FROM tenants WHERE user_id = '{}'", w.b.user),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        (updated, deleted, erased),
        (0, 0, 0),
        "A's statements must not reach B's rows"
    );
    tx.commit().await.unwrap();
    let names: Vec<String> = w
        .owner
        .query(
            &format!(
                "SELECT display_name FROM contacts WHERE user_id = '{}' ORDER BY 1",
                w.b.user
            ),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, ["Ada", "Grace"], "B's contacts must be untouched");
}

/// (f) Deleting A's `tenants` row as the owner erases A's rows in every tenant table and
/// leaves B's alone.
#[tokio::test]
async fn deleting_the_tenant_row_erases_every_row_of_the_tenant() {
    let w = world().await;
    let a_before = counts(&w.owner, &w.tables, Some(w.a.user)).await;
    let b_before = counts(&w.owner, &w.tables, Some(w.b.user)).await;
    let unseeded: Vec<&String> = a_before
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(t, _)| t)
        .collect();
    assert!(
        unseeded.is_empty(),
        "the seed must cover every tenant table; A has no rows in {unseeded:?}"
    );

    let deleted = w
        .owner
        .execute(
            &format!("DELETE FROM tenants WHERE user_id = '{}'", w.a.user),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(
        nonzero(&counts(&w.owner, &w.tables, Some(w.a.user)).await),
        BTreeMap::new(),
        "rows of A survived"
    );
    assert_eq!(
        counts(&w.owner, &w.tables, Some(w.b.user)).await,
        b_before,
        "B's rows changed"
    );
}

/// The erasure path the application uses: the app role, scoped to B, deletes B's `tenants`
/// row; the cascades still reach every table under FORCE ROW LEVEL SECURITY.
#[tokio::test]
async fn a_tenant_can_erase_itself_through_the_app_role() {
    let w = world().await;
    let a_before = counts(&w.owner, &w.tables, Some(w.a.user)).await;
    let mut app = w.db.app().await.unwrap();
    let tx = app.transaction().await.unwrap();
    scope(&tx, w.b.user).await;
    let deleted = tx
        .execute(
            "DELETE FROM tenants WHERE user_id = app_current_user()",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    tx.commit().await.unwrap();
    assert_eq!(
        nonzero(&counts(&w.owner, &w.tables, Some(w.b.user)).await),
        BTreeMap::new(),
        "rows of B survived"
    );
    assert_eq!(
        counts(&w.owner, &w.tables, Some(w.a.user)).await,
        a_before,
        "A's rows changed"
    );
}

/// The access audit is append-only for the app role (ADR 0011): it records and reads its
/// tenant's rows but can neither rewrite nor remove them; erasure goes through the definer
/// function `erase_photo_access_audit()`, which removes the session tenant's rows only.
#[tokio::test]
async fn the_access_audit_is_append_only_for_the_app_role() {
    let w = world().await;
    let audit_rows = |user: Uuid| {
        let owner = &w.owner;
        async move {
            owner
                .query_one(
                    "SELECT count(*) FROM photo_access_audit WHERE user_id = $1",
                    &[&user],
                )
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    };
    let (a_before, b_before) = (audit_rows(w.a.user).await, audit_rows(w.b.user).await);
    assert!(a_before > 0 && b_before > 0);
    let mut app = w.db.app().await.unwrap();
    for statement in [
        "UPDATE photo_access_audit SET photo_path = 'rewritten'",
        "DELETE FROM photo_access_audit",
    ] {
        let tx = app.transaction().await.unwrap();
        scope(&tx, w.a.user).await;
        let err = tx
            .batch_execute(statement)
            .await
            .expect_err("the app role must not rewrite the audit");
        assert_eq!(
            err.code(),
            Some(&SqlState::INSUFFICIENT_PRIVILEGE),
            "{statement}: {err:?}"
        );
        tx.rollback().await.unwrap();
    }
    let tx = app.transaction().await.unwrap();
    scope(&tx, w.a.user).await;
    tx.batch_execute(&format!(
        "INSERT INTO photo_access_audit (user_id, id, contact_id, photo_path) \
         VALUES ('{}', '{}', '{}', 'p')",
        w.a.user,
        Uuid::now_v7(),
        w.a.contact
    ))
    .await
    .unwrap();
    let erased: i64 = tx
        .query_one("SELECT erase_photo_access_audit()", &[])
        .await
        .unwrap()
        .get(0);
    tx.commit().await.unwrap();
    assert_eq!(erased, a_before + 1);
    assert_eq!(audit_rows(w.a.user).await, 0);
    assert_eq!(audit_rows(w.b.user).await, b_before, "B's audit changed");
}
