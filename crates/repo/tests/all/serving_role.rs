//! The serving-role check (ADR 0011): every role that could read across tenants is
//! refused, the test cluster's `omnicrm_app` is not. Roles are cluster-wide, so each test
//! names its own.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use omnicrm_repo::serving_role::{CrossTenant, ServingRoleError, refuse_cross_tenant_url};
use omnicrm_testkit::TestDb;

async fn check(url: &str) -> Result<(), ServingRoleError> {
    refuse_cross_tenant_url(url, Duration::from_secs(10), Duration::from_secs(15)).await
}

fn refusal(result: Result<(), ServingRoleError>) -> CrossTenant {
    match result {
        Err(ServingRoleError::CrossTenant(refusal)) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A login role of this test, otherwise set up as an app role would be.
async fn login_role(db: &TestDb, prefix: &str, attributes: &str) -> (String, String) {
    let role = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
    db.owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD '{role}' {attributes};
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

#[tokio::test]
async fn the_app_role_may_serve() {
    let db = TestDb::new().await.unwrap();
    check(&db.app_url).await.unwrap();
}

#[tokio::test]
async fn a_superuser_is_refused() {
    let db = TestDb::new().await.unwrap();
    assert!(matches!(
        refusal(check(&db.owner_url).await),
        CrossTenant::Superuser { .. }
    ));
}

#[tokio::test]
async fn a_role_with_bypassrls_or_a_member_of_one_is_refused() {
    let db = TestDb::new().await.unwrap();
    let (_, url) = login_role(&db, "bypass", "NOSUPERUSER BYPASSRLS").await;
    assert!(matches!(
        refusal(check(&url).await),
        CrossTenant::BypassRls { .. }
    ));
    let (member, url) = login_role(&db, "bypass_member", "NOSUPERUSER NOBYPASSRLS").await;
    let (bypasser, _) = login_role(&db, "bypasser", "NOSUPERUSER BYPASSRLS").await;
    db.owner()
        .await
        .unwrap()
        .batch_execute(&format!("GRANT {bypasser} TO {member}"))
        .await
        .unwrap();
    let refused = refusal(check(&url).await);
    assert_eq!(
        refused,
        CrossTenant::BypassRls {
            role: member,
            via: bypasser
        }
    );
}

/// The database owner owns the `public` schema too (through `pg_database_owner`): it
/// could drop and recreate any table without row-level security.
#[tokio::test]
async fn a_nosuperuser_nobypassrls_role_that_owns_the_database_is_refused() {
    let db = TestDb::new().await.unwrap();
    let (role, url) = login_role(&db, "db_owner", "NOSUPERUSER NOBYPASSRLS").await;
    check(&url).await.unwrap();
    db.owner()
        .await
        .unwrap()
        .batch_execute(&format!("ALTER DATABASE {} OWNER TO {role}", db.name()))
        .await
        .unwrap();
    let refused = refusal(check(&url).await);
    let CrossTenant::Owner { role: r, via, .. } = &refused else {
        panic!("{refused:?}");
    };
    assert_eq!((r, via), (&role, &role));
    let message = refused.to_string();
    assert!(
        message.contains(&role) && message.contains("owns") && message.contains("DATABASE_URL"),
        "{message}"
    );
}

/// The migrating role reads every tenant through its `USING (true)` policies; a member of
/// it could `SET ROLE` to it.
#[tokio::test]
async fn a_member_of_the_owner_role_is_refused() {
    let db = TestDb::new().await.unwrap();
    let owner = format!("table_owner_{}", uuid::Uuid::now_v7().simple());
    let (member, url) = login_role(&db, "owner_member", "NOSUPERUSER NOBYPASSRLS").await;
    db.owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "CREATE ROLE {owner} NOLOGIN NOSUPERUSER NOBYPASSRLS;
             ALTER TABLE photo_access_audit OWNER TO {owner};
             GRANT {owner} TO {member};"
        ))
        .await
        .unwrap();
    let refused = refusal(check(&url).await);
    assert_eq!(
        refused,
        CrossTenant::Owner {
            role: member.clone(),
            via: owner.clone(),
            object: "table photo_access_audit".to_owned()
        },
        "{refused}"
    );
    assert!(
        refused
            .to_string()
            .contains(&format!("member of {owner:?}"))
    );
}
