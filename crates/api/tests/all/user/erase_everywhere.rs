//! Nothing of an erased user survives anywhere the app keeps data: a test that lists every
//! place (tables, job history, idempotency keys, rate-limit and heavy-request records,
//! stored files and export archives, open temporary files, the registered erasure steps
//! for what lives outside) and asserts each is empty.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use omnicrm_services::user_data::{ErasureStep, FnStep};
use omnicrm_testkit::{TEST_CRON_SECRET, TestApp, TestAppOptions, TestDb};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::Ctx;
use crate::common::user_data::{ERASE, confirmation, row_counts, seed};

/// A per-tenant in-memory cache (like the vector cache) that registers an erasure step:
/// entries per user, dropped by `erase`, counted by `remaining`.
#[derive(Debug, Default)]
struct TenantCache {
    entries: Mutex<HashMap<UserId, u64>>,
}

impl ErasureStep for TenantCache {
    fn name(&self) -> &'static str {
        "vector-cache"
    }

    fn erase(&self, user: UserId) -> BoxFuture<'_, Result<u64, AppError>> {
        let dropped = self.entries.lock().unwrap().remove(&user).unwrap_or(0);
        async move { Ok(dropped) }.boxed()
    }

    fn remaining(&self, user: UserId) -> BoxFuture<'_, Result<Option<u64>, AppError>> {
        let left = self
            .entries
            .lock()
            .unwrap()
            .get(&user)
            .copied()
            .unwrap_or(0);
        async move { Ok(Some(left)) }.boxed()
    }
}

static CACHE: LazyLock<Arc<TenantCache>> = LazyLock::new(|| Arc::new(TenantCache::default()));

fn steps() -> Vec<Arc<dyn ErasureStep>> {
    let cache: Arc<dyn ErasureStep> = Arc::clone(&*CACHE) as Arc<dyn ErasureStep>;
    vec![
        cache,
        Arc::new(FnStep::new("google-grants", |_user| {
            async move { Err(AppError::unavailable("the provider is down")) }.boxed()
        })),
    ]
}

/// Every file under `dir` whose path names `user`.
fn files_naming(dir: &Path, user: UserId) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.to_string_lossy().contains(&user.to_string()) {
                found.push(path.display().to_string());
            }
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    found
}

/// Open files of this process (the app runs in it) that were deleted: spooled exports.
fn open_deleted_files() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|fds| {
            fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
                .filter(|target| target.to_string_lossy().ends_with("(deleted)"))
                .count()
        })
        .unwrap_or(0)
}

async fn count(ctx: &Ctx, sql: &str, user: UserId) -> i64 {
    ctx.db
        .owner()
        .await
        .unwrap()
        .query_one(sql, &[&user.to_string()])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_erasure_no_place_holds_anything_of_the_user() {
    erase_everywhere(None).await;
}

/// The same for a large account: hidden by the request (`202`), deleted by its job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_batched_erasure_and_its_job_no_place_holds_anything_of_the_user() {
    erase_everywhere(Some(0)).await;
}

async fn erase_everywhere(erasure_sync_rows: Option<u64>) {
    let db = TestDb::new().await.expect("test database");
    let app = TestApp::spawn_with(
        &db,
        TestAppOptions {
            erasure_steps: steps(),
            erasure_sync_rows,
            ..TestAppOptions::default()
        },
    )
    .await;
    let ctx = Ctx { db, app };
    let alice = seed(&ctx, UserId::generate(), "alpha-marker").await;
    let bob = seed(&ctx, UserId::generate(), "bravo-marker").await;
    CACHE
        .entries
        .lock()
        .unwrap()
        .extend([(alice.user, 7), (bob.user, 3)]);
    let as_alice = ctx.app.as_user(alice.user);
    // Everything else a user leaves behind by using the app: a stored idempotent create,
    // rate-limit counters, a synchronous export (spooled to a temporary file), an
    // asynchronous one (an archive in storage) and the job that wrote it (job history).
    as_alice
        .clone()
        .header("idempotency-key", "create-1")
        .post_json("/api/v1/contacts", &json!({"displayName": "Keyed"}))
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(
        as_alice.get("/api/v1/user/export").await.status(),
        StatusCode::OK
    );
    as_alice
        .post("/api/v1/user/export")
        .await
        .expect(StatusCode::ACCEPTED);
    let ran = as_alice.post("/api/v1/jobs/runner").await;
    assert_eq!(ran.ok_json(StatusCode::OK)["succeeded"], 1);
    let before = row_counts(&ctx, alice.user).await;
    for table in [
        "idempotency_keys",
        "user_exports",
        "job_history",
        "contacts",
    ] {
        assert!(before[table] > 0, "{table} was not seeded");
    }
    let by_bucket = "SELECT count(*) FROM rate_limit_counters WHERE bucket LIKE '%' || $1 || '%'";
    assert!(count(&ctx, by_bucket, alice.user).await > 0);
    assert!(
        files_naming(ctx.app.files_dir.path(), alice.user)
            .iter()
            .any(|f| f.contains("/exports/"))
    );

    let res = as_alice
        .send_json(Method::DELETE, ERASE, Some(&confirmation()))
        .await;
    let receipt = if erasure_sync_rows == Some(0) {
        let accepted = res.ok_json(StatusCode::ACCEPTED);
        let id = uuid::Uuid::parse_str(accepted["id"].as_str().unwrap()).unwrap();
        let drained = ctx
            .app
            .with_bearer(TEST_CRON_SECRET)
            .post("/api/v1/cron/process-jobs")
            .await
            .ok_json(StatusCode::OK);
        assert!(drained["succeeded"].as_u64().unwrap() >= 1, "{drained}");
        // Read directly: a request of Alice's would leave new rate-limit counters (the
        // fresh account's, but keyed by her sign-in like the erased ones).
        let receipt = ctx
            .app
            .services
            .user_data
            .erasure_receipt(alice.user.into_uuid(), id)
            .await
            .unwrap();
        serde_json::to_value(receipt).unwrap()
    } else {
        res.ok_json(StatusCode::OK)
    };

    // 1. Every table with a user_id column: tenant tables, idempotency keys, exports,
    //    job_queue and job_history (with its partitions).
    for (table, n) in row_counts(&ctx, alice.user).await {
        assert_eq!(n, 0, "{table} still holds rows of the erased user");
    }
    // 2. Tables keyed by the user in their bucket: rate-limit counters and heavy-request
    //    leases (the erasure's own lease ended with its request).
    assert_eq!(count(&ctx, by_bucket, alice.user).await, 0);
    let leases = "SELECT count(*) FROM heavy_request_leases WHERE bucket LIKE '%' || $1 || '%'";
    assert_eq!(count(&ctx, leases, alice.user).await, 0);
    // 3. Stored files and export archives: no path names the user any more.
    assert_eq!(
        files_naming(ctx.app.files_dir.path(), alice.user),
        Vec::<String>::new()
    );
    // 4. Temporary export files: spools are anonymous and closed once sent.
    assert_eq!(open_deleted_files(), 0);
    // 5. What lives outside (caches, third-party grants): every registered step ran for
    //    the user, best effort, each outcome recorded in the receipt.
    //    And every step that holds something it can count (an in-memory per-tenant
    //    cache) holds nothing of the user any more, whoever registered it.
    for (step, left) in ctx
        .app
        .services
        .user_data
        .remaining_after_erasure(alice.user)
        .await
        .unwrap()
    {
        assert!(
            left.unwrap_or(0) == 0,
            "{step} still holds {left:?} of the user"
        );
    }
    assert_eq!(CACHE.entries.lock().unwrap().get(&bob.user), Some(&3));
    assert_eq!(
        receipt["steps"],
        json!([
            // The app's own step runs first, before the rows go (it needs the tokens).
            {"name": "google-grants", "outcome": "succeeded", "removed": 1},
            {"name": "vector-cache", "outcome": "succeeded", "removed": 7},
            {"name": "google-grants", "outcome": "failed", "removed": 0}
        ])
    );
    assert!(receipt["completedAt"].is_string());
    // 6. The receipt itself names nobody in clear.
    let naming =
        "SELECT count(*) FROM erasure_receipts r WHERE row_to_json(r)::text LIKE '%' || $1 || '%'";
    assert_eq!(count(&ctx, naming, alice.user).await, 0);

    // Bob keeps everything.
    assert!(row_counts(&ctx, bob.user).await["contacts"] > 0);
    assert!(!files_naming(ctx.app.files_dir.path(), bob.user).is_empty());
}
