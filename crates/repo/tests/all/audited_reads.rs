//! How tenant transactions commit: an audited read skips the WAL-flush wait unless told
//! otherwise (`omnicrm_repo::AuditCommit`); every other tenant transaction waits for it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use diesel::sql_types::Text;
use diesel::{QueryableByName, sql_query};
use diesel_async::RunQueryDsl;
use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_repo::{AsyncPgConnection, AuditCommit, Db, DbSettings, TenantFuture, build_pool};
use omnicrm_testkit::TestDb;

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    value: String,
}

fn synchronous_commit(conn: &mut AsyncPgConnection) -> TenantFuture<'_, String> {
    async move {
        let row: Setting = sql_query("SELECT current_setting('synchronous_commit') AS value")
            .get_result(conn)
            .await
            .map_err(omnicrm_repo::map_diesel_error)?;
        Ok(row.value)
    }
    .boxed()
}

/// `synchronous_commit` inside an audited read, inside a plain tenant transaction, and on
/// the same (only) pooled connection afterwards.
async fn commit_modes(db: &Db) -> (String, String, String) {
    let user = UserId::from(uuid::Uuid::now_v7());
    let audited = db.audited_read(user, synchronous_commit).await.unwrap();
    let plain = db.tenant(user, synchronous_commit).await.unwrap();
    let after = db.unscoped(synchronous_commit).await.unwrap();
    (audited, plain, after)
}

#[tokio::test]
async fn audited_reads_commit_without_waiting_for_the_flush_unless_configured() {
    let test_db = TestDb::new().await.unwrap();
    // The test cluster runs with synchronous_commit off for speed; production's is on.
    test_db
        .owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "ALTER DATABASE \"{}\" SET synchronous_commit = on",
            test_db.name()
        ))
        .await
        .unwrap();
    let pool = || {
        let mut settings = DbSettings::new(test_db.app_url.clone());
        settings.pool_size = 1;
        build_pool(&settings).unwrap()
    };
    let deferred = Db::new(pool(), Duration::from_secs(10));
    assert_eq!(
        commit_modes(&deferred).await,
        ("off".to_owned(), "on".to_owned(), "on".to_owned()),
        "default: only the audited read defers its flush, and the setting ends with it"
    );
    let flushed = Db::new(pool(), Duration::from_secs(10)).with_audit_commit(AuditCommit::Flushed);
    assert_eq!(
        commit_modes(&flushed).await,
        ("on".to_owned(), "on".to_owned(), "on".to_owned())
    );
}
