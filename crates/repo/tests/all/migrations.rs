//! The embedded migrations against an empty database: everything applies, every `down.sql`
//! undoes exactly its `up.sql` (compared as `pg_dump --schema-only` text), and the whole
//! set goes up → down → up to a byte-identical schema — migrated by a superuser and by a
//! non-superuser database owner.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::path::PathBuf;

use diesel::Connection as _;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::MigrationHarness as _;
use omnicrm_repo::migrations::{
    MIGRATIONS, embedded_versions, pending_count, revert_all, run_pending,
};
use omnicrm_testkit::TestDb;

type SyncPg = AsyncConnectionWrapper<AsyncPgConnection>;

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("cannot connect");
    tokio::spawn(connection);
    client
}

/// `$OMNICRM_TEST_PG_BIN/pg_dump` if it exists there, else `pg_dump` from `PATH`.
fn pg_dump_bin() -> PathBuf {
    if let Ok(dir) = std::env::var("OMNICRM_TEST_PG_BIN") {
        let candidate = PathBuf::from(dir).join("pg_dump");
        if candidate.is_file() {
            return candidate;
        }
    }
    PathBuf::from("pg_dump")
}

/// The schema of the database behind `url` as `pg_dump --schema-only --no-owner` text
/// (privileges kept: they are part of the schema and stable). Only the `\restrict` /
/// `\unrestrict` lines of newer pg_dump versions, which carry a random key, are removed.
async fn schema_dump(url: &str) -> String {
    let output = tokio::process::Command::new(pg_dump_bin())
        .args(["--schema-only", "--no-owner", "--dbname", url])
        .output()
        .await
        .expect("cannot run pg_dump (set OMNICRM_TEST_PG_BIN or put pg_dump on PATH)");
    assert!(
        output.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("pg_dump printed non-UTF-8");
    text.lines()
        .filter(|line| !line.starts_with("\\restrict") && !line.starts_with("\\unrestrict"))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Panics with a readable difference (and both dumps written to the temp directory) unless
/// the two dumps are identical.
fn assert_same_schema(expected: &str, actual: &str, what: &str) {
    if expected == actual {
        return;
    }
    let exp: Vec<&str> = expected.lines().collect();
    let act: Vec<&str> = actual.lines().collect();
    let first = exp
        .iter()
        .zip(&act)
        .position(|(e, a)| e != a)
        .unwrap_or(exp.len().min(act.len()));
    let exp_set: HashSet<&str> = exp.iter().copied().collect();
    let act_set: HashSet<&str> = act.iter().copied().collect();
    let missing: Vec<&str> = exp
        .iter()
        .copied()
        .filter(|l| !act_set.contains(l))
        .take(60)
        .collect();
    let extra: Vec<&str> = act
        .iter()
        .copied()
        .filter(|l| !exp_set.contains(l))
        .take(60)
        .collect();
    let stem = format!("omnicrm-schema-{}", uuid::Uuid::now_v7().simple());
    let dir = std::env::temp_dir();
    let exp_path = dir.join(format!("{stem}-expected.sql"));
    let act_path = dir.join(format!("{stem}-actual.sql"));
    let _ = std::fs::write(&exp_path, expected);
    let _ = std::fs::write(&act_path, actual);
    let window = |lines: &[&str]| {
        lines
            .iter()
            .skip(first.saturating_sub(3))
            .take(8)
            .copied()
            .collect::<Vec<_>>()
            .join("\n")
    };
    panic!(
        "{what}: the schema dumps differ (first difference at line {}).\n\
         --- expected around there:\n{}\n+++ actual around there:\n{}\n\
         lines only in expected: {missing:#?}\nlines only in actual: {extra:#?}\n\
         full dumps: {} and {}",
        first + 1,
        window(&exp),
        window(&act),
        exp_path.display(),
        act_path.display(),
    );
}

/// Runs `body` on a synchronous diesel connection on a blocking thread (diesel's migration
/// harness is synchronous; the wrapper must not run on a runtime thread).
async fn with_sync_conn<T: Send + 'static>(
    url: &str,
    body: impl FnOnce(&mut SyncPg) -> T + Send + 'static,
) -> T {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = SyncPg::establish(&url).expect("cannot connect for migrations");
        body(&mut conn)
    })
    .await
    .expect("migration task panicked")
}

async fn run_next(url: &str) -> String {
    with_sync_conn(url, |c| {
        c.run_next_migration(MIGRATIONS)
            .map(|v| v.to_string())
            .expect("run_next_migration")
    })
    .await
}

async fn revert_last(url: &str) -> String {
    with_sync_conn(url, |c| {
        c.revert_last_migration(MIGRATIONS)
            .map(|v| v.to_string())
            .expect("revert_last_migration")
    })
    .await
}

/// Everything left in the database that a migration could have created: relations in any
/// non-system schema, functions in `public`, extensions other than plpgsql, policies, and
/// rows of the migration table.
async fn leftovers(url: &str) -> Vec<String> {
    let client = connect(url).await;
    let mut found = Vec::new();
    for row in client
        .query(
            "SELECT 'relation ' || n.nspname || '.' || c.relname || ' (relkind ' || c.relkind::text || ')'
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
               AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
               AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
               AND NOT (n.nspname = 'public' AND c.relname = '__diesel_schema_migrations')
             UNION ALL
             SELECT 'function public.' || p.proname
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
             UNION ALL
             SELECT 'extension ' || extname FROM pg_extension WHERE extname <> 'plpgsql'
             UNION ALL
             SELECT 'policy ' || polname FROM pg_policy
             UNION ALL
             SELECT 'applied migration ' || version FROM __diesel_schema_migrations
             ORDER BY 1",
            &[],
        )
        .await
        .expect("leftover query")
    {
        found.push(row.get::<_, String>(0));
    }
    found
}

/// The whole set: up, down, up on an empty database migrated through `migrate_url`;
/// dumps are taken as `dump_url` (a superuser, so the dump sees everything).
async fn full_cycle(migrate_url: &str, dump_url: &str) {
    let embedded = embedded_versions();
    assert!(
        embedded.len() >= 6,
        "expected the six migrations to be embedded, got {embedded:?}"
    );

    // Creates __diesel_schema_migrations (and nothing else) and counts what is pending.
    assert_eq!(
        pending_count(migrate_url).await.unwrap(),
        embedded.len(),
        "an empty database lacks every migration"
    );
    let empty = schema_dump(dump_url).await;

    let applied = run_pending(migrate_url).await.unwrap();
    assert_eq!(
        applied, embedded,
        "run_pending must apply every embedded migration, in order"
    );
    assert_eq!(pending_count(migrate_url).await.unwrap(), 0);
    let first = schema_dump(dump_url).await;
    assert!(
        first.contains("CREATE TABLE public.contacts")
            && first.contains("CREATE POLICY tenant_isolation"),
        "the dump after migrating does not show the schema:\n{first}"
    );

    revert_all(migrate_url).await.unwrap();
    assert_eq!(
        leftovers(dump_url).await,
        Vec::<String>::new(),
        "revert_all left objects behind"
    );
    assert_eq!(pending_count(migrate_url).await.unwrap(), embedded.len());
    assert_same_schema(
        &empty,
        &schema_dump(dump_url).await,
        "after revert_all vs. before any migration",
    );

    let again = run_pending(migrate_url).await.unwrap();
    assert_eq!(
        again, embedded,
        "the second run_pending must apply every migration again"
    );
    assert_same_schema(
        &first,
        &schema_dump(dump_url).await,
        "up → down → up vs. the first up",
    );
}

#[tokio::test]
async fn whole_set_up_down_up_gives_the_same_schema_as_superuser() {
    let db = TestDb::empty().await.unwrap();
    full_cycle(&db.owner_url, &db.owner_url).await;
}

/// Makes a new NOSUPERUSER role the owner of `db`; returns the role and its URL.
async fn hand_to_non_superuser(db: &TestDb) -> (String, String) {
    let role = format!("mig_{}", uuid::Uuid::now_v7().simple());
    let owner = connect(&db.owner_url).await;
    owner
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD '{role}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
             ALTER DATABASE {name} OWNER TO {role};",
            name = db.name()
        ))
        .await
        .unwrap();
    let (_, host_and_db) = db.owner_url.split_once('@').unwrap();
    let role_url = format!("postgres://{role}:{role}@{host_and_db}");
    (role, role_url)
}

/// The role owns the database's objects: drop the database first, then the role.
async fn drop_with_role(db: TestDb, role: &str) {
    let admin_url = format!("{}/postgres", db.owner_url.rsplit_once('/').unwrap().0);
    drop(db);
    let admin = connect(&admin_url).await;
    admin
        .batch_execute(&format!("DROP ROLE {role}"))
        .await
        .unwrap();
}

/// Production migrates as the database owner, which need not be a superuser: the
/// migrations must work (trusted extension, grants, the owner-only token policy) and
/// revert cleanly for such a role too.
#[tokio::test]
async fn whole_set_up_down_up_gives_the_same_schema_as_non_superuser_owner() {
    let db = TestDb::empty().await.unwrap();
    let (role, role_url) = hand_to_non_superuser(&db).await;
    full_cycle(&role_url, &db.owner_url).await;
    drop_with_role(db, &role).await;
}

/// Seeds two tenants with 2,001 contacts each (one "Ava Garcia" apiece) as `superuser`.
async fn seed_two_tenants(superuser: &tokio_postgres::Client) -> (uuid::Uuid, uuid::Uuid) {
    let (mine, theirs) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    superuser
        .batch_execute(&format!(
            "INSERT INTO tenants (user_id) VALUES ('{mine}'), ('{theirs}');
             INSERT INTO contacts (user_id, id, display_name, primary_email)
             SELECT u, gen_random_uuid(), 'Person ' || i, 'p' || i || '@example.com'
             FROM unnest(ARRAY['{mine}', '{theirs}']::uuid[]) AS u, generate_series(1, 2000) AS i;
             INSERT INTO contacts (user_id, id, display_name)
             VALUES ('{mine}', gen_random_uuid(), 'Ava Garcia'), ('{theirs}', gen_random_uuid(), 'Ava Garcia');
             ANALYZE contacts;"
        ))
        .await
        .unwrap();
    (mine, theirs)
}

async fn plan(client: &tokio_postgres::Client, query: &str) -> String {
    client
        .query(&format!("EXPLAIN {query}"), &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<_, String>(0))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The point of `tenant_contact_candidates` (ADR 0005, ADR 0011): with a non-superuser
/// owner, whose own reads are bound by FORCE ROW LEVEL SECURITY too, the search's
/// conditions are index conditions of `contacts_search_idx` inside the function, and the
/// function returns only the session tenant's contacts (none without a tenant).
#[tokio::test]
async fn the_search_candidates_use_the_trigram_index_and_show_one_tenant() {
    let db = TestDb::empty().await.unwrap();
    let (role, role_url) = hand_to_non_superuser(&db).await;
    run_pending(&role_url).await.unwrap();
    let superuser = connect(&db.owner_url).await;
    let (mine, _) = seed_two_tenants(&superuser).await;
    let app = connect(&db.app_url).await;
    let search = "SELECT id FROM tenant_contact_candidates('%garcia%', NULL, NULL)";
    assert!(
        app.query(search, &[]).await.unwrap().is_empty(),
        "no tenant, no rows"
    );
    app.batch_execute(&format!("SET app.user_id = '{mine}'"))
        .await
        .unwrap();
    assert_eq!(app.query(search, &[]).await.unwrap().len(), 1);
    let near = "SELECT id FROM tenant_contact_candidates(NULL, NULL, 'garcai')";
    app.batch_execute("SELECT set_config('pg_trgm.word_similarity_threshold', '0.5', false)")
        .await
        .unwrap();
    assert_eq!(app.query(near, &[]).await.unwrap().len(), 1);

    // The function's body, as its owner plans it for these arguments. On a table this
    // small the planner may prefer a btree on user_id plus a filter; a costly filter makes
    // it take the trigram index whenever it *can*.
    let owner = connect(&role_url).await;
    owner
        .batch_execute(&format!(
            "SET app.user_id = '{mine}'; SET cpu_operator_cost = 1"
        ))
        .await
        .unwrap();
    let body = plan(
        &owner,
        "SELECT c.* FROM contacts AS c WHERE c.user_id = app_current_user() \
         AND (c.search_document LIKE '%garcia%' OR c.search_document LIKE NULL \
              OR NULL <% c.search_document)",
    )
    .await;
    assert!(
        body.contains("contacts_search_idx")
            && body.contains("Index Cond: ((user_id = ")
            && body.contains("~~ '%garcia%'::text))"),
        "the LIKE is not an index condition of contacts_search_idx:\n{body}"
    );
    // A pattern LIKE would raise on only for rows that reach its end is refused up front.
    let err = app
        .query(
            "SELECT id FROM tenant_contact_candidates('%garc\\', NULL, NULL)",
            &[],
        )
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("escape character"), "{err:?}");
    drop((app, owner, superuser));
    drop_with_role(db, &role).await;
}

/// The serving role's own conditions never see another tenant's contact: a condition that
/// raises on any other tenant's row (a cheap temporary function, which any role may create)
/// runs on the function's rows only, whatever plan the caller forces. (Through the view
/// this replaced, only the planner's choice of order kept it behind the tenant filter.)
#[tokio::test]
async fn a_callers_condition_runs_on_the_tenants_rows_only() {
    let db = TestDb::empty().await.unwrap();
    let (role, role_url) = hand_to_non_superuser(&db).await;
    run_pending(&role_url).await.unwrap();
    let superuser = connect(&db.owner_url).await;
    let (mine, _) = seed_two_tenants(&superuser).await;
    let app = connect(&db.app_url).await;
    app.batch_execute(&format!(
        "SET app.user_id = '{mine}';
         SET enable_indexscan = off; SET enable_bitmapscan = off;
         CREATE FUNCTION pg_temp.peek(u uuid) RETURNS boolean LANGUAGE plpgsql COST 0.0001 AS $$
         BEGIN
             IF u <> '{mine}' THEN RAISE EXCEPTION 'saw another tenant''s contact'; END IF;
             RETURN true;
         END $$;"
    ))
    .await
    .unwrap();
    let through_function = app
        .query(
            "SELECT id FROM tenant_contact_candidates('%garcia%', NULL, NULL) c \
             WHERE pg_temp.peek(c.user_id)",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(through_function.len(), 1);
    drop((app, superuser));
    drop_with_role(db, &role).await;
}

/// Each migration on its own: applied one at a time from empty (each changes the schema),
/// then from the top each `down.sql` must restore exactly the schema before its `up.sql`,
/// and `up.sql` must then apply again to exactly the same schema, and revert again.
#[tokio::test]
async fn each_migration_reverts_to_the_schema_before_it_and_reapplies() {
    let db = TestDb::empty().await.unwrap();
    let url = db.owner_url.clone();
    let embedded = embedded_versions();

    with_sync_conn(&url, |c| {
        c.applied_migrations()
            .map(|v| v.len())
            .expect("applied_migrations")
    })
    .await;
    let mut dumps = vec![schema_dump(&url).await];
    for version in &embedded {
        assert_eq!(
            &run_next(&url).await,
            version,
            "migrations must apply in version order"
        );
        let dump = schema_dump(&url).await;
        assert_ne!(
            dumps.last(),
            Some(&dump),
            "migration {version} changed nothing in the schema"
        );
        dumps.push(dump);
    }

    for k in (1..=embedded.len()).rev() {
        let version = &embedded[k - 1];
        assert_eq!(
            &revert_last(&url).await,
            version,
            "the last applied migration must be reverted"
        );
        assert_same_schema(
            &dumps[k - 1],
            &schema_dump(&url).await,
            &format!("after reverting {version}"),
        );
        assert_eq!(&run_next(&url).await, version);
        assert_same_schema(
            &dumps[k],
            &schema_dump(&url).await,
            &format!("after re-applying {version}"),
        );
        assert_eq!(&revert_last(&url).await, version);
        assert_same_schema(
            &dumps[k - 1],
            &schema_dump(&url).await,
            &format!("after reverting {version} again"),
        );
    }
    assert_eq!(
        leftovers(&url).await,
        Vec::<String>::new(),
        "reverting every migration left objects behind"
    );
}

/// The point of `tenant_search` (ADR 0024): with a non-superuser owner, the full-text
/// condition is an index condition of the `(user_id, search_vector)` GIN index inside the
/// function, and the function returns only the session tenant's rows (none without one).
#[tokio::test]
async fn global_search_uses_the_vector_index_and_shows_one_tenant() {
    let db = TestDb::empty().await.unwrap();
    let (role, role_url) = hand_to_non_superuser(&db).await;
    run_pending(&role_url).await.unwrap();
    let superuser = connect(&db.owner_url).await;
    let (mine, theirs) = seed_two_tenants(&superuser).await;
    superuser
        .batch_execute(
            "INSERT INTO notes (user_id, id, contact_id, content_rich, content_plain)
             SELECT c.user_id, gen_random_uuid(), c.id, '{}', 'session about walking ' || c.display_name
             FROM contacts c;
             INSERT INTO notes (user_id, id, contact_id, content_rich, content_plain)
             SELECT c.user_id, gen_random_uuid(), c.id, '{}', 'rare insomnia case'
             FROM contacts c WHERE c.display_name = 'Ava Garcia';
             ANALYZE notes;",
        )
        .await
        .unwrap();
    let app = connect(&db.app_url).await;
    let search = "SELECT kind, id FROM tenant_search('insomnia', NULL, '{note,contact}', 10)";
    assert!(
        app.query(search, &[]).await.unwrap().is_empty(),
        "no tenant, no rows"
    );
    app.batch_execute(&format!("SET app.user_id = '{mine}'"))
        .await
        .unwrap();
    assert_eq!(app.query(search, &[]).await.unwrap().len(), 1);
    let near = "SELECT kind FROM tenant_search('garcai', 'garcai', '{contact}', 10)";
    assert_eq!(app.query(near, &[]).await.unwrap().len(), 1);
    app.batch_execute(&format!("SET app.user_id = '{theirs}'"))
        .await
        .unwrap();
    assert_eq!(app.query(search, &[]).await.unwrap().len(), 1);

    let owner = connect(&role_url).await;
    owner
        .batch_execute(&format!(
            "SET app.user_id = '{mine}'; SET cpu_operator_cost = 1"
        ))
        .await
        .unwrap();
    let body = plan(
        &owner,
        "SELECT n.id FROM notes AS n WHERE n.user_id = app_current_user() \
         AND n.search_vector @@ websearch_to_tsquery('simple', 'insomnia')",
    )
    .await;
    assert!(
        body.contains("notes_search_vector_idx") && body.contains("@@"),
        "@@ is not an index condition of notes_search_vector_idx:\n{body}"
    );
    drop((app, owner, superuser));
    drop_with_role(db, &role).await;
}
