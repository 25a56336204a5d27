//! `GET /api/v1/user/export`: every table and file of the user and nothing else, secrets redacted, streamed in batches, cut off when it fails.

use crate::common::setup;
use crate::common::user_data::*;
use omnicrm_domain::UserId;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;

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
    "task_contacts",
    "note_tags",
    "goal_tags",
    "raw_events",
    "interactions",
    "ai_insights",
    "embeddings",
    "embedding_state",
    "embedding_pending",
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
    ("job_schedules", "concurrency_key"),
    // Google's opaque position in a listing being synced (useless outside that listing)
    ("google_sync_cursors", "page_token"),
    // the id of the onboarding link an upload belongs to, not the link's secret
    ("onboarding_uploads", "token_id"),
    // the user's own retry key (ADR 0016): it only ever replays that user's own answer
    ("idempotency_keys", "idempotency_key"),
    // the storage key of the uploaded photo (exported under files/ anyway)
    ("onboarding_uploads", "object_key"),
    // the storage key of an export archive (the server's copy, not a secret)
    ("user_exports", "object_key"),
];

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
    let entries = export(&ctx.app.as_user(a.user)).await;

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
        // The export's own record is written after its snapshot: not in the archive.
        let expected = counts[table] - i64::from(table == "user_export_records");
        assert_eq!(rows.len() as i64, expected, "{table}");
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
    // Vectors are little-endian f32 bytes (0.5, 0.25, 1.0), exported as bytea's hex form.
    assert_eq!(
        rows(&entries, "embeddings")[0]["vector"],
        json!("\\x0000003f0000803e0000803f")
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
    let theirs = export(&ctx.app.as_user(b.user)).await;
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
    let entries = export(&ctx.app.as_user(UserId::generate())).await;
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
    let entries = export(&ctx.app.as_user(user)).await;
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
        let res = ctx.app.as_user(a.user).get("/api/v1/contacts/count").await;
        assert_eq!(res.status(), StatusCode::OK);
    }
}
