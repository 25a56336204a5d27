//! Every export handed out is recorded (`user_export_records`): when, how big, from which
//! sign-in session; the records are the user's data and go with an erasure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_api::auth::{Claims, mint_token};
use omnicrm_testkit::{TEST_JWT_SECRET, TestApp};
use reqwest::{Method, StatusCode};
use time::OffsetDateTime;

use crate::common::setup;
use crate::common::user_data::{ERASE, EXPORT, confirmation};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_export_is_recorded_with_its_size_and_session() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    let token = mint_token(
        TEST_JWT_SECRET,
        &Claims {
            session_id: Some("session-7".to_owned()),
            ..Claims::for_user(
                alice.into_uuid(),
                "authenticated",
                OffsetDateTime::now_utc(),
                3600,
            )
        },
    );
    let as_alice = ctx
        .app
        .anonymous()
        .header("authorization", &format!("Bearer {token}"));

    let download = as_alice.get(EXPORT).await;
    assert_eq!(download.status(), StatusCode::OK);
    let downloaded = download.bytes().len() as i64;
    as_alice.post(EXPORT).await.expect(StatusCode::ACCEPTED);
    let ran = as_alice.post("/api/v1/jobs/runner").await;
    assert_eq!(ran.ok_json(StatusCode::OK)["succeeded"], 1);
    let exports = ctx
        .app
        .as_user(alice)
        .get(&format!(
            "{EXPORT}/{}",
            ctx.db
                .owner()
                .await
                .unwrap()
                .query_one(
                    "SELECT id FROM user_exports WHERE user_id = $1",
                    &[&alice.into_uuid()]
                )
                .await
                .unwrap()
                .get::<_, uuid::Uuid>(0)
        ))
        .await
        .ok_json(StatusCode::OK);
    let stored = exports["sizeBytes"].as_i64().unwrap();

    let rows = ctx
        .db
        .owner()
        .await
        .unwrap()
        .query(
            "SELECT kind, size_bytes, session_id, \
                    exported_at BETWEEN now() - interval '1 minute' AND now() \
             FROM user_export_records WHERE user_id = $1 ORDER BY kind",
            &[&alice.into_uuid()],
        )
        .await
        .unwrap();
    let got: Vec<(String, i64, Option<String>)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        got,
        [
            (
                "download".to_owned(),
                downloaded,
                Some("session-7".to_owned())
            ),
            ("stored".to_owned(), stored, Some("session-7".to_owned())),
        ]
    );
    assert!(
        rows.iter().all(|r| r.get::<_, bool>(3)),
        "exported_at is the export's time"
    );

    // The records are the user's data: the erasure removes (and counts) them.
    let receipt = as_alice
        .send_json(Method::DELETE, ERASE, Some(&confirmation()))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(receipt["rowsRemoved"]["user_export_records"], 2);
}
