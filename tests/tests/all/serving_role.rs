//! Neither binary starts on a database role that could read across tenants, and `serve`
//! never migrates through the role it serves as (ADR 0011). Roles are cluster-wide, so
//! each test names its own.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Output;
use std::time::Duration;

use omnicrm_e2e::{free_port, server_binary, worker_binary};
use omnicrm_testkit::TestDb;

/// Runs `binary` against `database_url` as a deployment would and returns its output; a
/// process still running after a minute is serving, which fails the test.
async fn start(
    binary: std::path::PathBuf,
    database_url: &str,
    migration_url: Option<&str>,
) -> Output {
    let mut command = tokio::process::Command::new(binary);
    command
        .env("DATABASE_URL", database_url)
        .env_remove("OMNICRM_MIGRATION_DATABASE_URL")
        .env(
            "OMNICRM_BIND",
            format!("127.0.0.1:{}", free_port().unwrap()),
        )
        .env(
            "OMNICRM_JWT_SECRET",
            "an-adequately-long-jwt-secret-for-this-test",
        )
        .env(
            "OMNICRM_ENCRYPTION_KEYS",
            "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .env("OMNICRM_LOG", "warn")
        .kill_on_drop(true);
    if let Some(url) = migration_url {
        command.env("OMNICRM_MIGRATION_DATABASE_URL", url);
    }
    tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .expect("the process started serving")
        .unwrap()
}

fn assert_refused(output: &Output, role: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "started on {role}: {stderr}");
    assert!(
        stderr.contains(&format!("refusing to serve as database role \"{role}\""))
            && stderr.contains("omnicrm_app_group")
            && stderr.contains("DATABASE_URL"),
        "{stderr}"
    );
}

async fn login_role(db: &TestDb, prefix: &str) -> (String, String) {
    let role = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
    db.owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD '{role}' NOSUPERUSER NOBYPASSRLS;
             GRANT omnicrm_app_group TO {role};"
        ))
        .await
        .unwrap();
    let (_, host_and_db) = db.owner_url.split_once('@').unwrap();
    (
        role.clone(),
        format!("postgres://{role}:{role}@{host_and_db}"),
    )
}

async fn migrated(db: &TestDb) -> bool {
    db.owner()
        .await
        .unwrap()
        .query_one(
            "SELECT to_regclass('__diesel_schema_migrations') IS NOT NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_superuser_is_refused_by_the_server_and_the_worker() {
    let db = TestDb::new().await.unwrap();
    for binary in [server_binary().unwrap(), worker_binary().unwrap()] {
        assert_refused(&start(binary, &db.owner_url, None).await, "postgres");
    }
}

/// Before ADR 0011 the server migrated an empty database as this role (it owns the
/// database, so it may create the schema) and then served, owning every table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nosuperuser_nobypassrls_database_owner_is_refused_before_anything_changes() {
    let db = TestDb::empty().await.unwrap();
    let (role, url) = login_role(&db, "e2e_db_owner").await;
    db.owner()
        .await
        .unwrap()
        .batch_execute(&format!("ALTER DATABASE {} OWNER TO {role}", db.name()))
        .await
        .unwrap();
    for binary in [server_binary().unwrap(), worker_binary().unwrap()] {
        assert_refused(&start(binary, &url, None).await, &role);
    }
    assert!(
        !migrated(&db).await,
        "the refused start migrated the database"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_of_the_owner_role_is_refused() {
    let db = TestDb::new().await.unwrap();
    let owner = format!("e2e_owner_{}", uuid::Uuid::now_v7().simple());
    let (member, url) = login_role(&db, "e2e_owner_member").await;
    db.owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "CREATE ROLE {owner} NOLOGIN NOSUPERUSER NOBYPASSRLS;
             ALTER TABLE contacts OWNER TO {owner};
             GRANT {owner} TO {member};"
        ))
        .await
        .unwrap();
    for binary in [server_binary().unwrap(), worker_binary().unwrap()] {
        assert_refused(&start(binary, &url, None).await, &member);
    }
}

/// Without `OMNICRM_MIGRATION_DATABASE_URL`, a database with pending migrations stops
/// the start with the fix named; the serving role applies nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_without_an_owner_url_does_not_migrate_and_names_the_fix() {
    let db = TestDb::empty().await.unwrap();
    let output = start(server_binary().unwrap(), &db.app_url, None).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("never migrates as the serving role")
            && stderr.contains("omnicrm-server migrate")
            && stderr.contains("OMNICRM_MIGRATION_DATABASE_URL"),
        "{stderr}"
    );
    assert!(!migrated(&db).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_url_may_not_be_the_serving_url() {
    let db = TestDb::empty().await.unwrap();
    let output = start(server_binary().unwrap(), &db.app_url, Some(&db.app_url)).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("OMNICRM_MIGRATION_DATABASE_URL is DATABASE_URL"),
        "{stderr}"
    );
    assert!(!migrated(&db).await);
}
