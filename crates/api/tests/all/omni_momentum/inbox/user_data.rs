//! A user's inbox items are in their export and gone after erasure; another user's stay.

use super::capture;
use crate::common::setup;
use crate::common::user_data::{ERASE, confirmation, export, row_counts, rows};
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbox_items_are_exported_and_erased() {
    let ctx = setup().await;
    let (alice_id, bob_id) = (TestApp::new_user(), TestApp::new_user());
    let alice = ctx.app.as_user(alice_id);
    let bob = ctx.app.as_user(bob_id);
    capture(&alice, "Alice's thought").await;
    capture(&bob, "Bob keeps this").await;

    let archive = export(&alice).await;
    let items = rows(&archive, "inbox_items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["raw_text"], "Alice's thought");

    alice
        .send_json(reqwest::Method::DELETE, ERASE, Some(&confirmation()))
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        row_counts(&ctx, alice_id)
            .await
            .get("inbox_items")
            .copied()
            .unwrap_or(0),
        0
    );
    assert_eq!(row_counts(&ctx, bob_id).await.get("inbox_items"), Some(&1));
}
