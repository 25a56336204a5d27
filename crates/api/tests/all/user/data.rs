//! Export and erasure together: both need a signed-in user and cover a table added later without code changes.

use crate::common::setup;
use crate::common::user_data::*;
use omnicrm_domain::UserId;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn export_and_erasure_need_a_signed_in_user() {
    let ctx = setup().await;
    let res = ctx.app.anonymous().get(EXPORT).await;
    res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    let res = ctx
        .app
        .anonymous()
        .send_json(Method::DELETE, ERASE, Some(&confirmation()))
        .await;
    res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
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

    let entries = export(&ctx.app.as_user(a.user)).await;
    let later = rows(&entries, "later_things");
    assert_eq!(later.len(), 1);
    assert_eq!(later[0]["body"], "later alpha-marker");

    let res = ctx
        .app
        .as_user(a.user)
        .send_json(Method::DELETE, ERASE, Some(&confirmation()))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
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
