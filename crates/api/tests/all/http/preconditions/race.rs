//! Two writers holding the same `ETag`: exactly one wins.

use omnicrm_testkit::{TestApp, TestDb};
use reqwest::StatusCode;
use serde_json::json;

use super::fixtures::etag_of;

#[tokio::test]
async fn concurrent_patches_with_the_same_if_match_let_exactly_one_win() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let alice = app.as_user(TestApp::new_user());
    for round in 0..5 {
        let res = alice
            .post_json(
                "/api/v1/contacts",
                &json!({"displayName": format!("Ada {round}")}),
            )
            .await
            .expect(StatusCode::CREATED);
        let etag = etag_of(&res, "create");
        let path = res.header("location").unwrap().to_owned();
        let writers = (0..4).map(|n| {
            let (alice, path, etag) = (alice.clone(), path.clone(), etag.clone());
            async move {
                let body = json!({"displayName": format!("Writer {n}")});
                let res = alice
                    .header("if-match", &etag)
                    .patch_json(&path, &body)
                    .await;
                (n, res)
            }
        });
        let results = futures_util::future::join_all(writers).await;
        let winners: Vec<_> = results
            .iter()
            .filter(|(_, r)| r.status() == StatusCode::OK)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one writer wins");
        for (_, res) in results.iter().filter(|(_, r)| r.status() != StatusCode::OK) {
            res.problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");
        }
        let (n, _) = winners[0];
        let now = alice.get(&path).await.expect(StatusCode::OK);
        assert_eq!(
            now.json::<serde_json::Value>()["displayName"],
            format!("Writer {n}")
        );
    }
}
