//! Stored objects follow their rows: deleting a contact (one or in bulk) deletes its
//! files after the commit and a rolled-back delete keeps them; the daily sweep deletes
//! old unreferenced objects and onboarding uploads of links that expired unused, and
//! nothing else; the export holds only referenced objects.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::named_contact;
use omnicrm_testkit::Requester;
use std::io::{Cursor, Read};
use std::path::PathBuf;

use crate::common::{Ctx, setup};
use omnicrm_domain::UserId;
use omnicrm_testkit::{TEST_CRON_SECRET, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::{Timestamp, Uuid};

const BOUNDARY: &str = "stored-objects-boundary-x81";

fn form(file: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Uploads a document for the contact and returns its storage key.
async fn document(as_user: &Requester<'_>, contact: &str, text: &str) -> String {
    let body = as_user
        .send_bytes(
            Method::POST,
            &format!("/api/v1/contacts/{contact}/files"),
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            form(format!("%PDF-1.4\n{text}").as_bytes()),
        )
        .await
        .ok_json(StatusCode::CREATED);
    body["filePath"].as_str().unwrap().to_owned()
}

async fn contact(as_user: &Requester<'_>, name: &str) -> String {
    named_contact(as_user, name).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn path(ctx: &Ctx, key: &str) -> PathBuf {
    ctx.app.files_dir.path().join(key)
}

fn exists(ctx: &Ctx, key: &str) -> bool {
    path(ctx, key).exists()
}

/// Writes an object straight into storage under a key created `age_hours` ago.
fn put_aged(ctx: &Ctx, user: UserId, area: &str, age_hours: u64, bytes: &[u8]) -> String {
    let secs = time::OffsetDateTime::now_utc().unix_timestamp() as u64 - age_hours * 3600;
    let id = Uuid::new_v7(Timestamp::from_unix(uuid::NoContext, secs, 0));
    let ext = if area == "files" { "pdf" } else { "jpg" };
    let key = format!("{user}/{area}/{id}.{ext}");
    let file = path(ctx, &key);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, bytes).unwrap();
    key
}

async fn sql(ctx: &Ctx, statements: &str) {
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(statements)
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------
// (f) deleting contacts deletes their objects after the commit

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_contacts_take_their_files_along_and_a_rollback_keeps_them() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let one = contact(&as_user, "One").await;
    let key_one = document(&as_user, &one, "one").await;
    let (two, three) = (
        contact(&as_user, "Two").await,
        contact(&as_user, "Three").await,
    );
    let key_two = document(&as_user, &two, "two").await;
    let key_three = document(&as_user, &three, "three").await;
    let keeper = contact(&as_user, "Keeper").await;
    let kept = document(&as_user, &keeper, "kept").await;
    assert!(exists(&ctx, &key_one) && exists(&ctx, &key_two) && exists(&ctx, &key_three));

    let res = as_user.delete(&format!("/api/v1/contacts/{one}")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(
        !exists(&ctx, &key_one),
        "the deleted contact's file is gone"
    );

    let res = as_user
        .post_json(
            "/api/v1/contacts/bulk-delete",
            &json!({"ids": [two, three]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!exists(&ctx, &key_two) && !exists(&ctx, &key_three));
    assert!(exists(&ctx, &kept), "other contacts' files stay");

    // A delete that rolls back keeps the files.
    sql(
        &ctx,
        &format!(
            "CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN RAISE EXCEPTION 'refused'; END $$;
             CREATE TRIGGER refuse_delete AFTER DELETE ON contacts FOR EACH ROW
                 WHEN (OLD.id = '{keeper}') EXECUTE FUNCTION refuse_delete();"
        ),
    )
    .await;
    let res = as_user.delete(&format!("/api/v1/contacts/{keeper}")).await;
    assert!(res.status().is_server_error(), "{}", res.status());
    let res = as_user
        .post_json("/api/v1/contacts/bulk-delete", &json!({"ids": [keeper]}))
        .await;
    assert!(res.status().is_server_error(), "{}", res.status());
    assert!(exists(&ctx, &kept), "a rolled-back delete keeps the file");
}

// ---------------------------------------------------------------------------------------
// (g) the daily sweep

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_deletes_old_orphans_and_expired_unused_onboarding_uploads_only() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let client = contact(&as_user, "Client").await;
    let referenced_young = document(&as_user, &client, "young").await;
    let orphan_old = put_aged(&ctx, user, "files", 48, b"%PDF old orphan");
    let orphan_young = put_aged(&ctx, user, "files", 1, b"%PDF young orphan");
    let referenced_old = put_aged(&ctx, user, "files", 48, b"%PDF old referenced");
    let expired_upload = put_aged(&ctx, user, "onboarding", 1, b"jpeg of an expired link");
    let live_upload = put_aged(&ctx, user, "onboarding", 1, b"jpeg of a live link");
    // Someone erased long ago whose files were left behind.
    let gone = TestApp::new_user();
    let gone_orphan = put_aged(&ctx, gone, "photos", 72, b"left behind");
    let u = user.into_uuid();
    sql(
        &ctx,
        &format!(
            "INSERT INTO client_files (user_id, id, contact_id, file_path, mime_type, file_size)
                 VALUES ('{u}', gen_random_uuid(), '{client}', '{referenced_old}', 'application/pdf', 19);
             INSERT INTO onboarding_tokens (user_id, id, token_hash, label, expires_at, created_by)
                 VALUES ('{u}', '00000000-0000-7000-8000-0000000000e1', sha256('a'), 'expired',
                         now() - interval '1 hour', '{u}'),
                        ('{u}', '00000000-0000-7000-8000-0000000000e2', sha256('b'), 'live',
                         now() + interval '1 day', '{u}');
             INSERT INTO onboarding_uploads (user_id, id, token_id, object_key, mime_type,
                                             file_size, original_size)
                 VALUES ('{u}', gen_random_uuid(), '00000000-0000-7000-8000-0000000000e1',
                         '{expired_upload}', 'image/jpeg', 23, 23),
                        ('{u}', gen_random_uuid(), '00000000-0000-7000-8000-0000000000e2',
                         '{live_upload}', 'image/jpeg', 19, 19);"
        ),
    )
    .await;

    ctx.app
        .db
        .unscoped(|conn| {
            use futures_util::FutureExt;
            async move {
                omnicrm_jobs::enqueue(
                    conn,
                    &omnicrm_services::job_kinds::StorageSweep { grace_hours: 24 },
                    &omnicrm_jobs::EnqueueOptions::default(),
                )
                .await
                .map(drop)
                .map_err(omnicrm_problem::AppError::from)
            }
            .boxed()
        })
        .await
        .unwrap();
    let res = ctx
        .app
        .with_bearer(TEST_CRON_SECRET)
        .post("/api/v1/cron/process-jobs")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>()["succeeded"], 1);

    assert!(!exists(&ctx, &orphan_old), "an old orphan is swept");
    assert!(
        !exists(&ctx, &gone_orphan),
        "an erased user's leftovers are swept"
    );
    assert!(
        !exists(&ctx, &expired_upload),
        "an expired link's upload is swept"
    );
    assert!(
        exists(&ctx, &orphan_young),
        "a young orphan may be a write in flight"
    );
    assert!(exists(&ctx, &referenced_old) && exists(&ctx, &referenced_young));
    assert!(exists(&ctx, &live_upload), "a live link's upload stays");
    let uploads: Vec<String> = ctx
        .db
        .owner()
        .await
        .unwrap()
        .query("SELECT object_key FROM onboarding_uploads", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(uploads, vec![live_upload]);
}

// ---------------------------------------------------------------------------------------
// (h) the export holds only referenced objects

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_holds_only_objects_the_rows_refer_to() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let client = contact(&as_user, "Client").await;
    let referenced = document(&as_user, &client, "referenced").await;
    let orphan = put_aged(&ctx, user, "files", 48, b"%PDF orphan");
    let res = as_user.get("/api/v1/user/export").await;
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().to_vec();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes.as_slice())).unwrap();
    let mut names = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut sink = Vec::new();
        entry.read_to_end(&mut sink).unwrap();
        names.push(entry.name().unwrap().into_owned());
    }
    assert!(names.contains(&format!("files/{referenced}")), "{names:?}");
    assert!(!names.contains(&format!("files/{orphan}")), "{names:?}");
}
