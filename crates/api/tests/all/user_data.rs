//! `GET /user/export` and `DELETE /user`: the export holds every row of every table with a
//! `user_id` column and every stored file of the user (and nothing of anyone else), with a
//! manifest whose hashes match; erasure leaves no row with the user's id anywhere and no
//! file, and touches no one else. Rows are seeded with SQL as the owner (most tables have
//! no routes yet), files straight into the app's file directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};
use std::path::PathBuf;

use crate::common::{Ctx, pointers, problem, setup};
use omnicrm_domain::UserId;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// Tables seeded by [`seed`]: the export must hold at least one row of each.
const SEEDED: &[&str] = &[
    "tenants",
    "contacts",
    "notes",
    "client_consents",
    "client_files",
    "contact_identities",
    "photo_access_audit",
    "onboarding_tokens",
    "projects",
    "tasks",
    "inbox_items",
    "goals",
    "note_goals",
    "daily_pulse_logs",
    "habits",
    "habit_completions",
    "tags",
    "contact_tags",
    "task_tags",
    "note_tags",
    "goal_tags",
    "raw_events",
    "interactions",
    "ai_insights",
    "embeddings",
    "documents",
    "ignored_identifiers",
    "user_integrations",
    "user_profiles",
    "ai_quotas",
    "ai_usage",
    "threads",
    "messages",
    "tool_invocations",
    "job_queue",
    "job_history",
];

/// Columns of user-owned tables whose names sound secret but are not.
const HARMLESS: &[(&str, &str)] = &[
    ("ai_usage", "input_tokens"),
    ("ai_usage", "output_tokens"),
    ("embeddings", "content_hash"),
    ("job_queue", "unique_key"),
    ("job_queue", "concurrency_key"),
    ("job_history", "unique_key"),
    ("job_history", "concurrency_key"),
    // the id of the onboarding link an upload belongs to, not the link's secret
    ("onboarding_uploads", "token_id"),
    // the user's own retry key (ADR 0016): it only ever replays that user's own answer
    ("idempotency_keys", "idempotency_key"),
    // the storage key of the uploaded photo (exported under files/ anyway)
    ("onboarding_uploads", "object_key"),
    // the storage key of an export archive (the server's copy, not a secret)
    ("user_exports", "object_key"),
];

const ERASE: &str = "/api/v1/user";
const EXPORT: &str = "/api/v1/user/export";

fn confirmation() -> Value {
    json!({"confirmation": "DELETE MY DATA", "acknowledgeIrreversible": true})
}

/// What [`seed`] stored for one user.
struct Seeded {
    user: UserId,
    /// Text found in the user's rows and nowhere else.
    marker: String,
    /// Stored files: key → bytes.
    files: BTreeMap<String, Vec<u8>>,
}

/// A row in every table of [`SEEDED`] for `user`, each text carrying `marker`, and two
/// stored files (one of them not valid UTF-8).
async fn seed(ctx: &Ctx, user: UserId, marker: &str) -> Seeded {
    let u = user.into_uuid();
    let [
        contact,
        note,
        consent,
        file,
        identity,
        audit,
        token,
        project,
        task,
        inbox,
        goal,
    ] = [(); 11].map(|()| Uuid::now_v7());
    let [
        pulse,
        habit,
        completion,
        tag,
        raw,
        interaction,
        insight,
        embedding,
        document,
    ] = [(); 9].map(|()| Uuid::now_v7());
    let [ignored, usage, thread, message, tool, queued, finished] =
        [(); 7].map(|()| Uuid::now_v7());
    let photo_key = format!("{u}/photos/{}.jpg", Uuid::now_v7());
    let doc_key = format!("{u}/files/{}.pdf", Uuid::now_v7());
    let m = marker;
    let sql = format!(
        "INSERT INTO tenants (user_id) VALUES ('{u}');
         INSERT INTO contacts (user_id, id, display_name, primary_email, photo_url)
             VALUES ('{u}', '{contact}', 'Contact {m}', '{m}@example.com', '{photo_key}');
         INSERT INTO notes (user_id, id, contact_id, content_plain)
             VALUES ('{u}', '{note}', '{contact}', 'Note {m}');
         INSERT INTO client_consents (user_id, id, contact_id, consent_type, consent_text_version)
             VALUES ('{u}', '{consent}', '{contact}', 'marketing', 'v-{m}');
         INSERT INTO client_files (user_id, id, contact_id, file_path, mime_type, file_size)
             VALUES ('{u}', '{file}', '{contact}', '{doc_key}', 'application/pdf', 4);
         INSERT INTO contact_identities (user_id, id, contact_id, kind, value)
             VALUES ('{u}', '{identity}', '{contact}', 'handle', '@{m}');
         INSERT INTO photo_access_audit (user_id, id, contact_id, photo_path)
             VALUES ('{u}', '{audit}', '{contact}', '{photo_key}');
         INSERT INTO onboarding_tokens (user_id, id, token_hash, label, expires_at, created_by)
             VALUES ('{u}', '{token}', sha256('token-{m}'), 'Label {m}', now() + interval '1 day', '{u}');
         INSERT INTO projects (user_id, id, name) VALUES ('{u}', '{project}', 'Project {m}');
         INSERT INTO tasks (user_id, id, project_id, name)
             VALUES ('{u}', '{task}', '{project}', 'Task {m}');
         INSERT INTO inbox_items (user_id, id, raw_text, created_task_id)
             VALUES ('{u}', '{inbox}', 'Inbox {m}', '{task}');
         INSERT INTO goals (user_id, id, contact_id, name, goal_type)
             VALUES ('{u}', '{goal}', '{contact}', 'Goal {m}', 'client_wellness');
         INSERT INTO note_goals (user_id, note_id, goal_id) VALUES ('{u}', '{note}', '{goal}');
         INSERT INTO daily_pulse_logs (user_id, id, log_date, details)
             VALUES ('{u}', '{pulse}', current_date, '{{\"mood\": \"{m}\"}}');
         INSERT INTO habits (user_id, id, name) VALUES ('{u}', '{habit}', 'Habit {m}');
         INSERT INTO habit_completions (user_id, id, habit_id, completed_date, notes)
             VALUES ('{u}', '{completion}', '{habit}', current_date, 'Done {m}');
         INSERT INTO tags (user_id, id, name) VALUES ('{u}', '{tag}', 'Tag {m}');
         INSERT INTO contact_tags (user_id, contact_id, tag_id, created_by)
             VALUES ('{u}', '{contact}', '{tag}', '{u}');
         INSERT INTO task_tags (user_id, task_id, tag_id) VALUES ('{u}', '{task}', '{tag}');
         INSERT INTO note_tags (user_id, note_id, tag_id) VALUES ('{u}', '{note}', '{tag}');
         INSERT INTO goal_tags (user_id, goal_id, tag_id) VALUES ('{u}', '{goal}', '{tag}');
         INSERT INTO raw_events (user_id, id, provider, payload, occurred_at, source_id)
             VALUES ('{u}', '{raw}', 'gmail', '{{\"subject\": \"{m}\"}}', now(), 'src-{m}');
         INSERT INTO interactions (user_id, id, contact_id, type, subject, occurred_at, source, source_id)
             VALUES ('{u}', '{interaction}', '{contact}', 'email', 'Mail {m}', now(), 'gmail', 'src-{m}');
         INSERT INTO ai_insights (user_id, id, subject_type, subject_id, kind, content)
             VALUES ('{u}', '{insight}', 'contact', '{contact}', 'summary', '{{\"text\": \"{m}\"}}');
         INSERT INTO embeddings (user_id, id, owner_type, owner_id, model, dimensions, embedding, meta)
             VALUES ('{u}', '{embedding}', 'note', '{note}', 'test-model', 3, '{{0.5,0.25,1}}',
                     '{{\"m\": \"{m}\"}}');
         INSERT INTO documents (user_id, id, owner_contact_id, title)
             VALUES ('{u}', '{document}', '{contact}', 'Doc {m}');
         INSERT INTO ignored_identifiers (user_id, id, kind, value)
             VALUES ('{u}', '{ignored}', 'email', 'ignored-{m}@example.com');
         INSERT INTO user_integrations (user_id, provider, service, access_token, refresh_token, config)
             VALUES ('{u}', 'google', 'gmail', 'access-secret-{m}', 'refresh-secret-{m}',
                     '{{\"email\": \"{m}@gmail.example\"}}');
         INSERT INTO user_profiles (user_id, preferred_name) VALUES ('{u}', 'Profile {m}');
         INSERT INTO ai_quotas (user_id, credits_left, period_start) VALUES ('{u}', 42, current_date);
         INSERT INTO ai_usage (user_id, id, model) VALUES ('{u}', '{usage}', 'model-{m}');
         INSERT INTO threads (user_id, id, title) VALUES ('{u}', '{thread}', 'Thread {m}');
         INSERT INTO messages (user_id, id, thread_id, role, content)
             VALUES ('{u}', '{message}', '{thread}', 'user', '{{\"text\": \"{m}\"}}');
         INSERT INTO tool_invocations (user_id, id, message_id, tool, args)
             VALUES ('{u}', '{tool}', '{message}', 'search', '{{\"q\": \"{m}\"}}');
         INSERT INTO job_queue (id, kind, user_id, payload)
             VALUES ('{queued}', 'export_test', '{u}', '{{\"m\": \"{m}\"}}');
         INSERT INTO job_history (id, kind, queue, user_id, payload, priority, state, attempts,
                                  max_attempts, errors, created_at)
             VALUES ('{finished}', 'export_test', 'default', '{u}', '{{\"m\": \"{m}\"}}', 0,
                     'succeeded', 1, 5, '[]', now());"
    );
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(&sql)
        .await
        .unwrap();

    let mut photo = b"\xff\xd8\xff\xe0 not utf-8 \x80\x81".to_vec();
    photo.extend(marker.as_bytes());
    let files = BTreeMap::from([
        (photo_key, photo),
        (doc_key, format!("%PDF {marker}").into_bytes()),
    ]);
    for (key, bytes) in &files {
        let path = file_path(ctx, key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    Seeded {
        user,
        marker: marker.to_owned(),
        files,
    }
}

fn file_path(ctx: &Ctx, key: &str) -> PathBuf {
    ctx.app.files_dir.path().join(key)
}

fn user_dir(ctx: &Ctx, user: UserId) -> PathBuf {
    ctx.app.files_dir.path().join(user.to_string())
}

/// Every table of the schema with a `user_id` column, partitions left out (their parent
/// is the table) and views too (their rows are a table's).
async fn user_tables(ctx: &Ctx) -> BTreeSet<String> {
    let owner = ctx.db.owner().await.unwrap();
    owner
        .query(
            "SELECT c.table_name::text FROM information_schema.columns c
             JOIN pg_class k ON k.relname = c.table_name AND k.relnamespace = 'public'::regnamespace
             WHERE c.table_schema = 'public' AND c.column_name = 'user_id' AND NOT k.relispartition
               AND k.relkind IN ('r', 'p')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// Rows of `user` in every table with a `user_id` column, partitions included.
async fn row_counts(ctx: &Ctx, user: UserId) -> BTreeMap<String, i64> {
    let owner = ctx.db.owner().await.unwrap();
    let tables: Vec<String> = owner
        .query(
            "SELECT table_name::text FROM information_schema.columns
             WHERE table_schema = 'public' AND column_name = 'user_id'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    let mut counts = BTreeMap::new();
    for table in tables {
        let row = owner
            .query_one(
                &format!("SELECT count(*) FROM \"{table}\" WHERE user_id = $1"),
                &[&user.into_uuid()],
            )
            .await
            .unwrap();
        counts.insert(table, row.get::<_, i64>(0));
    }
    counts
}

/// Downloads `user`'s export and returns its entries.
async fn export(ctx: &Ctx, user: UserId) -> BTreeMap<String, Vec<u8>> {
    let res = ctx.send(user, Method::GET, EXPORT, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "application/zip");
    let today = time::OffsetDateTime::now_utc().date();
    assert_eq!(
        header("content-disposition"),
        format!("attachment; filename=\"omnicrm-export-{today}.zip\"")
    );
    assert_eq!(header("cache-control"), "no-store");
    unzip(&res.bytes().await.unwrap())
}

fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a valid ZIP archive");
    let mut entries = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        assert!(
            entries
                .insert(entry.name().unwrap().into_owned(), content)
                .is_none(),
            "duplicate entry"
        );
    }
    entries
}

fn rows(entries: &BTreeMap<String, Vec<u8>>, table: &str) -> Vec<Value> {
    let bytes = entries
        .get(&format!("tables/{table}.json"))
        .unwrap_or_else(|| panic!("no file for table {table}"));
    serde_json::from_slice::<Vec<Value>>(bytes).unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// Asserts that no entry mentions `needle`.
fn mentions_nowhere(entries: &BTreeMap<String, Vec<u8>>, needle: &str) {
    for (name, content) in entries {
        assert!(!contains(content, needle), "{name} contains {needle}");
        assert!(
            !name.contains(needle),
            "entry name {name} contains {needle}"
        );
    }
}

#[tokio::test]
async fn export_holds_every_table_and_file_of_the_user_and_nothing_else() {
    let ctx = setup().await;
    let a = seed(&ctx, UserId::generate(), "alpha-marker").await;
    let b = seed(&ctx, UserId::generate(), "bravo-marker").await;
    let entries = export(&ctx, a.user).await;

    // A file per table with a user_id column, found in the catalog: none is left out.
    let tables = user_tables(&ctx).await;
    for seeded in SEEDED {
        assert!(tables.contains(*seeded), "{seeded} is not a user table?");
    }
    let exported: BTreeSet<String> = entries
        .keys()
        .filter_map(|name| name.strip_prefix("tables/")?.strip_suffix(".json"))
        .map(str::to_owned)
        .collect();
    assert_eq!(exported, tables);

    // Exactly the user's rows: as many as the database holds, all theirs, each seeded
    // table non-empty.
    let counts = row_counts(&ctx, a.user).await;
    for table in &tables {
        let rows = rows(&entries, table);
        assert_eq!(rows.len() as i64, counts[table], "{table}");
        for row in &rows {
            assert_eq!(row["user_id"], a.user.to_string(), "{table}: {row}");
        }
        if SEEDED.contains(&table.as_str()) {
            assert!(!rows.is_empty(), "{table} is empty");
        }
    }
    assert_eq!(
        rows(&entries, "contacts")[0]["display_name"],
        "Contact alpha-marker"
    );
    assert_eq!(
        rows(&entries, "notes")[0]["content_plain"],
        "Note alpha-marker"
    );
    assert_eq!(
        rows(&entries, "embeddings")[0]["embedding"],
        json!([0.5, 0.25, 1])
    );
    assert_eq!(
        rows(&entries, "job_queue")[0]["payload"],
        json!({"m": "alpha-marker"})
    );
    assert_eq!(rows(&entries, "job_history")[0]["state"], "succeeded");
    let created = rows(&entries, "contacts")[0]["created_at"].clone();
    assert!(created.as_str().unwrap().ends_with("+00:00"), "{created}");

    // Nothing of the other user.
    mentions_nowhere(&entries, &b.user.to_string());
    mentions_nowhere(&entries, &b.marker);

    // Secrets: integration tokens redacted, token hashes and lease tokens left out.
    let integration = &rows(&entries, "user_integrations")[0];
    assert_eq!(integration["access_token"], "[redacted]");
    assert_eq!(integration["refresh_token"], "[redacted]");
    assert_eq!(integration["config"]["email"], "alpha-marker@gmail.example");
    mentions_nowhere(&entries, "access-secret-");
    mentions_nowhere(&entries, "refresh-secret-");
    let token = &rows(&entries, "onboarding_tokens")[0];
    assert!(token.get("token_hash").is_none(), "{token}");
    assert_eq!(token["label"], "Label alpha-marker");
    assert!(rows(&entries, "job_queue")[0].get("lease_token").is_none());

    // Stored files, byte for byte.
    for (key, bytes) in &a.files {
        assert_eq!(entries.get(&format!("files/{key}")), Some(bytes), "{key}");
    }
    let file_entries = entries.keys().filter(|n| n.starts_with("files/")).count();
    assert_eq!(file_entries, a.files.len());

    // The manifest describes every other entry, and its hashes, sizes and counts hold.
    let manifest: Value = serde_json::from_slice(&entries["manifest.json"]).unwrap();
    assert_eq!(manifest["format"], "omnicrm-user-export");
    assert_eq!(manifest["formatVersion"], 1);
    assert_eq!(manifest["userId"], a.user.to_string());
    assert!(
        time::OffsetDateTime::parse(
            manifest["exportedAt"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339
        )
        .is_ok()
    );
    let described: BTreeSet<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    let present: BTreeSet<&str> = entries
        .keys()
        .map(String::as_str)
        .filter(|n| *n != "manifest.json")
        .collect();
    assert_eq!(described, present);
    for file in manifest["files"].as_array().unwrap() {
        let name = file["name"].as_str().unwrap();
        let content = &entries[name];
        assert_eq!(file["sha256"], sha256_hex(content), "{name}");
        assert_eq!(file["bytes"], content.len(), "{name}");
        if let Some(table) = name.strip_prefix("tables/") {
            assert_eq!(file["kind"], "table");
            let table = table.strip_suffix(".json").unwrap();
            assert_eq!(file["rows"], rows(&entries, table).len(), "{name}");
        } else {
            assert_eq!(file["kind"], "file");
            assert!(file.get("rows").is_none());
        }
    }
    let redacted: Vec<Value> = manifest["redactions"].as_array().unwrap().clone();
    assert!(redacted.contains(&json!({
        "table": "user_integrations", "column": "access_token", "handling": "redacted"
    })));
    assert!(redacted.contains(&json!({
        "table": "onboarding_tokens", "column": "token_hash", "handling": "omitted"
    })));

    // And the other way round: B's export holds nothing of A.
    let theirs = export(&ctx, b.user).await;
    mentions_nowhere(&theirs, &a.user.to_string());
    mentions_nowhere(&theirs, &a.marker);
    assert_eq!(
        rows(&theirs, "contacts")[0]["display_name"],
        "Contact bravo-marker"
    );
    for key in b.files.keys() {
        assert!(theirs.contains_key(&format!("files/{key}")));
    }
}

#[tokio::test]
async fn every_secret_looking_column_is_redacted_omitted_or_known_harmless() {
    let ctx = setup().await;
    let entries = export(&ctx, UserId::generate()).await;
    let manifest: Value = serde_json::from_slice(&entries["manifest.json"]).unwrap();
    let handled: BTreeSet<(String, String)> = manifest["redactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["table"].as_str().unwrap().to_owned(),
                r["column"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let owner = ctx.db.owner().await.unwrap();
    let suspicious = owner
        .query(
            "SELECT c.table_name::text, c.column_name::text FROM information_schema.columns c
             WHERE c.table_schema = 'public'
               AND c.column_name ~ '(token|secret|password|passwd|hash|key|credential|salt|cipher)'
               AND EXISTS (SELECT 1 FROM information_schema.columns u
                           WHERE u.table_schema = 'public' AND u.table_name = c.table_name
                             AND u.column_name = 'user_id')",
            &[],
        )
        .await
        .unwrap();
    assert!(!suspicious.is_empty(), "the query finds nothing: check it");
    for row in suspicious {
        let (table, column): (String, String) = (row.get(0), row.get(1));
        if table.starts_with("job_history_") {
            continue; // partitions of job_history
        }
        let harmless = HARMLESS.contains(&(table.as_str(), column.as_str()));
        assert!(
            harmless || handled.contains(&(table.clone(), column.clone())),
            "{table}.{column} may hold a secret: add it to SECRET_COLUMNS \
             (crates/repo/src/user_data.rs) or to HARMLESS here"
        );
    }
    // An empty account exports every table, empty.
    for table in user_tables(&ctx).await {
        assert!(rows(&entries, &table).is_empty(), "{table}");
    }
}

#[tokio::test]
async fn a_large_tenant_is_streamed_in_batches_without_losing_rows() {
    let ctx = setup().await;
    let user = UserId::generate();
    let u = user.into_uuid();
    // More than two fetch batches, and not a multiple of one.
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO tenants (user_id) VALUES ('{u}');
             INSERT INTO contacts (user_id, id, display_name)
                 SELECT '{u}', gen_random_uuid(), 'Contact ' || n || ' ' || md5(n::text)
                 FROM generate_series(1, 1234) AS n;"
        ))
        .await
        .unwrap();
    let entries = export(&ctx, user).await;
    let contacts = rows(&entries, "contacts");
    assert_eq!(contacts.len(), 1234);
    let names: BTreeSet<&str> = contacts
        .iter()
        .map(|c| c["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 1234, "no row twice");
    // Primary-key order.
    let ids: Vec<&str> = contacts.iter().map(|c| c["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);
}

#[tokio::test]
async fn erasure_leaves_no_row_and_no_file_of_the_user_and_spares_everyone_else() {
    let ctx = setup().await;
    let a = seed(&ctx, UserId::generate(), "alpha-marker").await;
    let b = seed(&ctx, UserId::generate(), "bravo-marker").await;
    let before_a = row_counts(&ctx, a.user).await;
    let before_b = row_counts(&ctx, b.user).await;
    assert!(before_a["contacts"] > 0 && before_a["job_history"] > 0);

    let res = ctx
        .send(a.user, Method::DELETE, ERASE, Some(confirmation()))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // Every table with a user_id column (tenant tables, job_* tables and the partitions of
    // job_history alike) holds no row of A; B's rows are all still there.
    let after_a = row_counts(&ctx, a.user).await;
    assert!(after_a.contains_key("job_queue") && after_a.contains_key("tenants"));
    for (table, count) in &after_a {
        assert_eq!(*count, 0, "{table} still holds rows of the erased user");
    }
    assert_eq!(row_counts(&ctx, b.user).await, before_b);
    assert!(!user_dir(&ctx, a.user).exists());
    for key in b.files.keys() {
        assert!(file_path(&ctx, key).exists(), "{key}");
    }

    // Erasing again is fine, and the account now exports empty.
    let res = ctx
        .send(a.user, Method::DELETE, ERASE, Some(confirmation()))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let entries = export(&ctx, a.user).await;
    for table in user_tables(&ctx).await {
        assert!(rows(&entries, &table).is_empty(), "{table}");
    }
    assert!(!entries.keys().any(|n| n.starts_with("files/")));

    // The user may start afresh.
    ctx.named(a.user, "New start").await;
    let res = ctx
        .send(a.user, Method::GET, "/api/v1/contacts/count", None)
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["count"], 1);
}

#[tokio::test]
async fn erasure_needs_the_exact_confirmation_and_deletes_nothing_without_it() {
    let ctx = setup().await;
    let a = seed(&ctx, UserId::generate(), "alpha-marker").await;
    let before = row_counts(&ctx, a.user).await;

    // No body at all.
    let res = ctx.send(a.user, Method::DELETE, ERASE, None).await;
    problem(res, StatusCode::BAD_REQUEST, "malformed_request").await;

    for (body, expected) in [
        (json!({}), vec!["/confirmation"]),
        (
            json!({"confirmation": "nope", "acknowledgeIrreversible": false}),
            vec!["/acknowledgeIrreversible", "/confirmation"],
        ),
        (
            json!({"confirmation": "delete my data", "acknowledgeIrreversible": true}),
            vec!["/confirmation"],
        ),
        (
            json!({"confirmation": "DELETE MY DATA ", "acknowledgeIrreversible": true}),
            vec!["/confirmation"],
        ),
        (
            json!({"confirmation": "DELETE MY DATA", "acknowledgeIrreversible": false}),
            vec!["/acknowledgeIrreversible"],
        ),
        (
            json!({"confirmation": "DELETE MY DATA", "acknowledgeIrreversible": "true"}),
            vec!["/acknowledgeIrreversible"],
        ),
        (
            json!({"confirmation": "DELETE MY DATA"}),
            vec!["/acknowledgeIrreversible"],
        ),
        (
            json!({"confirmation": null, "acknowledgeIrreversible": true}),
            vec!["/confirmation"],
        ),
    ] {
        let res = ctx
            .send(a.user, Method::DELETE, ERASE, Some(body.clone()))
            .await;
        let problem = problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
        let mut got = pointers(&problem);
        got.sort();
        assert_eq!(got, expected, "{body}");
    }
    let res = ctx
        .send(
            a.user,
            Method::DELETE,
            ERASE,
            Some(json!({"confirmation": "DELETE MY DATA", "acknowledgeIrreversible": true, "also": 1})),
        )
        .await;
    problem(res, StatusCode::BAD_REQUEST, "malformed_request").await;
    let res = ctx
        .app
        .as_user(a.user)
        .request(Method::DELETE, ERASE)
        .header("content-type", "text/plain")
        .body(confirmation().to_string())
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::BAD_REQUEST, "malformed_request").await;

    assert_eq!(row_counts(&ctx, a.user).await, before);
    for key in a.files.keys() {
        assert!(file_path(&ctx, key).exists(), "{key}");
    }
}

#[tokio::test]
async fn export_and_erasure_need_a_signed_in_user() {
    let ctx = setup().await;
    let res = ctx.app.http.get(ctx.app.url(EXPORT)).send().await.unwrap();
    problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let res = ctx
        .app
        .http
        .delete(ctx.app.url(ERASE))
        .json(&confirmation())
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn every_tenant_table_cascades_from_its_tenants_row() {
    // Erasure relies on it (the sweep after the cascade only logs what it had to catch).
    let ctx = setup().await;
    let owner = ctx.db.owner().await.unwrap();
    let missing: Vec<String> = owner
        .query(
            "SELECT c.relname::text FROM pg_class c
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
               AND NOT c.relispartition AND c.relname <> 'tenants' AND c.relname !~ '^job_'
               AND EXISTS (SELECT 1 FROM pg_attribute a
                           WHERE a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped)
               AND NOT EXISTS (SELECT 1 FROM pg_constraint f
                               WHERE f.conrelid = c.oid AND f.contype = 'f'
                                 AND f.confrelid = 'tenants'::regclass AND f.confdeltype = 'c')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(
        missing.is_empty(),
        "tables that do not reference tenants ON DELETE CASCADE: {missing:?}"
    );
}

#[tokio::test]
async fn a_table_added_later_is_exported_and_erased_without_code_changes() {
    let ctx = setup().await;
    let a = seed(&ctx, UserId::generate(), "alpha-marker").await;
    let b = seed(&ctx, UserId::generate(), "bravo-marker").await;
    // A new tenant table, even one that forgot its cascade from tenants.
    let owner = ctx.db.owner().await.unwrap();
    owner
        .batch_execute(&format!(
            "CREATE TABLE later_things (user_id uuid NOT NULL, id uuid PRIMARY KEY, body text);
             ALTER TABLE later_things ENABLE ROW LEVEL SECURITY;
             ALTER TABLE later_things FORCE ROW LEVEL SECURITY;
             CREATE POLICY tenant_isolation ON later_things
                 USING (user_id = app_current_user()) WITH CHECK (user_id = app_current_user());
             GRANT SELECT, INSERT, UPDATE, DELETE ON later_things TO omnicrm_app_group;
             INSERT INTO later_things VALUES
                 ('{a}', gen_random_uuid(), 'later {ma}'), ('{b}', gen_random_uuid(), 'later {mb}');",
            a = a.user,
            b = b.user,
            ma = a.marker,
            mb = b.marker,
        ))
        .await
        .unwrap();

    let entries = export(&ctx, a.user).await;
    let later = rows(&entries, "later_things");
    assert_eq!(later.len(), 1);
    assert_eq!(later[0]["body"], "later alpha-marker");

    let res = ctx
        .send(a.user, Method::DELETE, ERASE, Some(confirmation()))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let left = |user: UserId| {
        let owner = &owner;
        async move {
            owner
                .query_one(
                    "SELECT count(*) FROM later_things WHERE user_id = $1",
                    &[&user.into_uuid()],
                )
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    };
    assert_eq!(left(a.user).await, 0);
    assert_eq!(left(b.user).await, 1);
}

#[tokio::test]
async fn an_export_that_fails_midway_is_cut_off_never_completed() {
    let ctx = setup().await;
    let a = seed(&ctx, UserId::generate(), "alpha-marker").await;
    // A user table the serving role may not read: found in the catalog, then refused.
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute("CREATE TABLE locked_things (user_id uuid NOT NULL, body text)")
        .await
        .unwrap();
    let completed = match ctx
        .app
        .as_user(a.user)
        .request(Method::GET, EXPORT)
        .send()
        .await
    {
        Err(_) => false,
        Ok(res) => match res.bytes().await {
            Err(_) => false,
            Ok(bytes) => zip::ZipArchive::new(Cursor::new(bytes.to_vec())).is_ok(),
        },
    };
    assert!(
        !completed,
        "a failed export must not look like a complete archive"
    );

    // The snapshot was rolled back and its connection returned: the app keeps serving.
    for _ in 0..6 {
        let res = ctx
            .send(a.user, Method::GET, "/api/v1/contacts/count", None)
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
}
