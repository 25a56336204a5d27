//! The rate limiter's hit also reads the account's tenant (ADR 0050): one round trip
//! answers both "may this request proceed" and "which tenant does it work on".

use std::time::Duration;

use futures_util::FutureExt;
use omnicrm_repo::{Db, DbSettings, RateLimitRepository, WindowCounts, build_pool};
use omnicrm_testkit::TestDb;
use uuid::Uuid;

async fn hit(db: &Db, bucket: &str, account: Option<Uuid>) -> WindowCounts {
    let bucket = bucket.to_owned();
    db.unscoped(move |conn| {
        async move { RateLimitRepository::hit(conn, &bucket, 2, 60, account).await }.boxed()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_hit_for_an_account_reads_the_tenant_it_works_on_now() {
    let test_db = TestDb::new().await.unwrap();
    let db = Db::new(
        build_pool(&DbSettings::new(test_db.app_url.clone())).unwrap(),
        Duration::from_secs(10),
    );
    let account = Uuid::now_v7();
    let fresh = Uuid::now_v7();

    let anonymous = hit(&db, "ip:127.0.0.1|x", None).await;
    assert_eq!(anonymous.tenant, None);
    let first = hit(&db, "user:a|read", Some(account)).await;
    assert_eq!(
        (first.admitted, first.current, first.tenant),
        (true, 1, Some(account)),
        "an account no erasure moved works on its own id"
    );

    // A batched erasure points the account at a fresh tenant.
    test_db
        .owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO account_tenants (subject, tenant_id) VALUES ('{account}', '{fresh}')"
        ))
        .await
        .unwrap();
    let second = hit(&db, "user:a|read", Some(account)).await;
    assert_eq!((second.current, second.tenant), (2, Some(fresh)));
    // A refused hit still answers which tenant: the 429 names no data, but the
    // extractor never falls back to a stale id.
    let refused = hit(&db, "user:a|read", Some(account)).await;
    assert_eq!((refused.admitted, refused.tenant), (false, Some(fresh)));
}
