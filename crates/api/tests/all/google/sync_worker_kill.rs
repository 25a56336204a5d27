//! `kill -9` of a real worker process (`omnicrm-worker`) in the middle of a Gmail backfill:
//! the run resumes from its last checkpoint and ends with every message stored once.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use omnicrm_testkit::{
    FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FakeMail, TEST_KEY_ID, TEST_MASTER_KEY, TestApp,
};

use crate::common::google::connect;
use crate::common::google_sync::{raw_events, runs, setup_sync};

/// `omnicrm-worker` next to the test binary's `deps/` directory (scripts/test builds it).
fn worker_bin() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap();
    let bin = dir.join("omnicrm-worker");
    assert!(
        bin.exists(),
        "{} missing: build the workspace binaries first (scripts/test does)",
        bin.display()
    );
    bin
}

#[tokio::test]
async fn a_worker_killed_mid_sync_resumes_from_its_checkpoint_with_nothing_lost_or_doubled() {
    let ctx = setup_sync().await;
    let alice = TestApp::new_user();
    for n in 0..60 {
        ctx.google.add_message(&FakeMail::inbox(
            &format!("Client {n} <client{n}@example.com>"),
            &format!("Session {n}"),
            1 + n,
        ));
    }
    // 12 pages of 5, each call a little slow: the backfill takes a while.
    ctx.google.set_max_page_size(5);
    ctx.google.set_api_delay(Duration::from_millis(60));
    connect(&ctx, alice, "gmail").await;

    let keys = format!(
        "{TEST_KEY_ID}:{}",
        base64::engine::general_purpose::STANDARD.encode(TEST_MASTER_KEY)
    );
    let mut worker = Command::new(worker_bin())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &ctx.db.app_url)
        .env("OMNICRM_ENCRYPTION_KEYS", keys)
        .env("OMNICRM_GOOGLE_CLIENT_ID", FAKE_CLIENT_ID)
        .env("OMNICRM_GOOGLE_CLIENT_SECRET", FAKE_CLIENT_SECRET)
        .env("OMNICRM_GOOGLE_OAUTH_BASE", &ctx.google.base_url)
        .env("OMNICRM_GOOGLE_API_BASE", &ctx.google.base_url)
        .env("OMNICRM_JOB_LEASE", "2s")
        .env("OMNICRM_JOB_POLL", "100ms")
        .env("OMNICRM_DATA_DIR", ctx.app.files_dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // Kill it once a few pages are checkpointed.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let fetched = runs(&ctx, alice, "gmail")
            .await
            .first()
            .map_or(0, |r| r["fetched"].as_i64().unwrap_or(0));
        if fetched >= 15 {
            break;
        }
        if let Ok(Some(status)) = worker.try_wait() {
            let mut err = String::new();
            std::io::Read::read_to_string(worker.stderr.as_mut().unwrap(), &mut err).ok();
            panic!("the worker exited early ({status}): {err}");
        }
        assert!(Instant::now() < deadline, "the worker never synced");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.kill().unwrap(); // SIGKILL
    worker.wait().unwrap();

    let ledger = runs(&ctx, alice, "gmail").await;
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0]["status"], "running", "the run was cut short");
    let stored_at_kill = raw_events(&ctx, alice, "gmail").await.len();
    assert!((15..60).contains(&stored_at_kill), "{stored_at_kill}");
    let db = ctx.db.owner().await.unwrap();
    let checkpoint: Option<String> = db
        .query_one(
            "SELECT page_token FROM google_sync_cursors WHERE user_id = $1 AND service = 'gmail'",
            &[&alice.into_uuid()],
        )
        .await
        .unwrap()
        .get(0);
    assert!(checkpoint.is_some(), "a page position was checkpointed");

    // The dead worker's lease expires; the cron drain reaps it and runs the job again.
    ctx.google.set_api_delay(Duration::ZERO);
    let gets_before = ctx.google.message_gets();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        ctx.app.services.jobs.drain(10).await.unwrap();
        let ledger = runs(&ctx, alice, "gmail").await;
        if ledger[0]["status"] == "succeeded" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the run never resumed: {ledger:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let stored = raw_events(&ctx, alice, "gmail").await;
    assert_eq!(stored.len(), 60, "nothing lost");
    let ledger = runs(&ctx, alice, "gmail").await;
    assert_eq!(ledger.len(), 1, "the same run resumed");
    assert_eq!(ledger[0]["listed"], 60, "nothing counted twice");
    assert_eq!(ledger[0]["fetched"], 60);
    // Only what was not checkpointed was fetched again (at most the page in flight).
    let refetched = ctx.google.message_gets() - gets_before;
    assert!(
        refetched <= (60 - stored_at_kill as u64) + 5,
        "resumed from the checkpoint, not from the start: {refetched} fetched again"
    );
}
