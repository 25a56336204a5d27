//! Fixtures shared by the tests of user_data.rs

use crate::common::Ctx;
use omnicrm_domain::UserId;
use omnicrm_testkit::Requester;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};
use std::path::PathBuf;
use uuid::Uuid;

pub(crate) const ERASE: &str = "/api/v1/user";

pub(crate) const EXPORT: &str = "/api/v1/user/export";

pub(crate) fn confirmation() -> Value {
    json!({"confirmation": "DELETE MY DATA", "acknowledgeIrreversible": true})
}

/// What [`seed`] stored for one user.
pub(crate) struct Seeded {
    pub(crate) user: UserId,
    /// Text found in the user's rows and nowhere else.
    pub(crate) marker: String,
    /// Stored files: key → bytes.
    pub(crate) files: BTreeMap<String, Vec<u8>>,
}

/// A row in every table of [`SEEDED`] for `user`, each text carrying `marker`, and two
/// stored files (one of them not valid UTF-8).
pub(crate) async fn seed(ctx: &Ctx, user: UserId, marker: &str) -> Seeded {
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
         INSERT INTO task_contacts (user_id, task_id, contact_id) VALUES ('{u}', '{task}', '{contact}');
         INSERT INTO note_tags (user_id, note_id, tag_id) VALUES ('{u}', '{note}', '{tag}');
         INSERT INTO goal_tags (user_id, goal_id, tag_id) VALUES ('{u}', '{goal}', '{tag}');
         INSERT INTO raw_events (user_id, id, provider, payload, occurred_at, source_id)
             VALUES ('{u}', '{raw}', 'gmail', '{{\"subject\": \"{m}\"}}', now(), 'src-{m}');
         INSERT INTO interactions (user_id, id, contact_id, type, subject, occurred_at, source, source_id)
             VALUES ('{u}', '{interaction}', '{contact}', 'email', 'Mail {m}', now(), 'gmail', 'src-{m}');
         INSERT INTO ai_insights (user_id, id, subject_type, subject_id, kind, content)
             VALUES ('{u}', '{insight}', 'contact', '{contact}', 'summary', '{{\"text\": \"{m}\"}}');
         INSERT INTO embeddings (user_id, id, owner_type, owner_id, model, dimensions, vector, meta)
             VALUES ('{u}', '{embedding}', 'note', '{note}', 'test-model', 3,
                     '\\x0000003f0000803e0000803f', '{{\"m\": \"{m}\"}}');
         INSERT INTO embedding_state (user_id, version) VALUES ('{u}', 1);
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

pub(crate) fn file_path(ctx: &Ctx, key: &str) -> PathBuf {
    ctx.app.files_dir.path().join(key)
}

/// Every table of the schema with a `user_id` column, partitions left out (their parent
/// is the table) and views too (their rows are a table's).
pub(crate) async fn user_tables(ctx: &Ctx) -> BTreeSet<String> {
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
pub(crate) async fn row_counts(ctx: &Ctx, user: UserId) -> BTreeMap<String, i64> {
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
pub(crate) async fn export(as_user: &Requester<'_>) -> BTreeMap<String, Vec<u8>> {
    let res = as_user.get(EXPORT).await;
    assert_eq!(res.status(), StatusCode::OK);
    let header = |name: &str| res.header(name).unwrap_or_default().to_owned();
    assert_eq!(header("content-type"), "application/zip");
    let today = time::OffsetDateTime::now_utc().date();
    assert_eq!(
        header("content-disposition"),
        format!("attachment; filename=\"omnicrm-export-{today}.zip\"")
    );
    assert_eq!(header("cache-control"), "no-store");
    unzip(res.bytes())
}

pub(crate) fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
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

pub(crate) fn rows(entries: &BTreeMap<String, Vec<u8>>, table: &str) -> Vec<Value> {
    let bytes = entries
        .get(&format!("tables/{table}.json"))
        .unwrap_or_else(|| panic!("no file for table {table}"));
    serde_json::from_slice::<Vec<Value>>(bytes).unwrap()
}
