//! Key rotation: tokens sealed under an old key are re-sealed under the new one by the
//! `google.token_reseal` job, so the old key can be removed; a token no key opens is
//! reported, never dropped.

use omnicrm_domain::google::GoogleService;
use omnicrm_services::google::reseal::{ResealReport, reseal_tokens};
use omnicrm_services::integrations::TokenVault;
use omnicrm_services::integrations::google::Google;
use omnicrm_services::job_kinds::enqueue_token_reseal_if_needed;
use omnicrm_testkit::{TEST_MASTER_KEY, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::google::{connect, setup};

const NEW_KEY: [u8; 32] = [77; 32];

fn vault(keys: &[(&str, [u8; 32])]) -> TokenVault {
    let keys: Vec<(String, Vec<u8>)> = keys
        .iter()
        .map(|(id, k)| ((*id).to_owned(), k.to_vec()))
        .collect();
    TokenVault::new(&keys)
}

async fn stored_tokens(
    ctx: &crate::common::google::GoogleCtx,
) -> Vec<(uuid::Uuid, String, String, String)> {
    let owner = ctx.db.owner().await.unwrap();
    owner
        .query(
            "SELECT user_id, service, access_token, coalesce(refresh_token, '') \
             FROM user_integrations ORDER BY user_id, service",
            &[],
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

#[tokio::test]
async fn a_rotation_reseals_every_token_so_the_old_key_can_go_and_reports_the_unreadable() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    connect(&ctx, alice, "gmail").await;
    connect(&ctx, alice, "calendar").await;
    connect(&ctx, bob, "gmail").await;
    // Bob's tokens were sealed under a key nobody has any more.
    let lost = vault(&[("lost", [5; 32])]);
    let owner = ctx.db.owner().await.unwrap();
    let for_bob = |column| omnicrm_services::integrations::SealedFor {
        user: bob.into_uuid(),
        provider: "google",
        service: "gmail",
        column,
    };
    let bob_access = lost.seal(for_bob("access_token"), "ya29.bob").unwrap();
    let bob_refresh = lost.seal(for_bob("refresh_token"), "1//bob").unwrap();
    owner
        .execute(
            "UPDATE user_integrations SET access_token = $1, refresh_token = $2 WHERE user_id = $3",
            &[&bob_access, &bob_refresh, &bob.into_uuid()],
        )
        .await
        .unwrap();

    // Rotation: the new key first, the old one (test1) still listed.
    let rotated = vault(&[("k2", NEW_KEY), ("test1", TEST_MASTER_KEY)]);
    let job = enqueue_token_reseal_if_needed(&ctx.app.db, &rotated)
        .await
        .unwrap();
    assert!(
        job.is_some(),
        "start-up sees tokens under an old key and enqueues the job"
    );
    assert_eq!(
        enqueue_token_reseal_if_needed(&ctx.app.db, &rotated)
            .await
            .unwrap(),
        None,
        "one re-seal job at a time"
    );

    // Pages of one integration: the run walks them all.
    let report = reseal_tokens(&ctx.app.db, &rotated, 1).await.unwrap();
    assert_eq!(
        report,
        ResealReport {
            key_id: "k2".into(),
            resealed: 2,
            already_current: 0,
            unreadable: 1,
            gone: 0,
        }
    );
    for (user, service, access, refresh) in stored_tokens(&ctx).await {
        if user == alice.into_uuid() {
            assert!(access.starts_with("v2:k2:"), "{service}: {access}");
            assert!(refresh.starts_with("v2:k2:"), "{service}: {refresh}");
        } else {
            assert_eq!(
                (access, refresh),
                (bob_access.clone(), bob_refresh.clone()),
                "an unreadable token is kept as it was, not dropped"
            );
        }
    }
    // Again: nothing left to do but report the unreadable one.
    let again = reseal_tokens(&ctx.app.db, &rotated, 100).await.unwrap();
    assert_eq!((again.resealed, again.unreadable), (0, 1));

    // The old key goes: Alice's tokens still open (access, and refresh through a refresh).
    let config = (*ctx.app.services.google.google().config).clone();
    let only_new = Google::new(vault(&[("k2", NEW_KEY)]), config);
    let issued = ctx.google.issued_tokens();
    let token = omnicrm_services::google::access_token(
        &ctx.app.db,
        &only_new,
        alice,
        GoogleService::Calendar,
    )
    .await
    .unwrap();
    assert!(issued.contains(&token));
    owner
        .execute(
            "UPDATE user_integrations SET expiry_date = now() - interval '1 minute' WHERE user_id = $1",
            &[&alice.into_uuid()],
        )
        .await
        .unwrap();
    let refreshed =
        omnicrm_services::google::access_token(&ctx.app.db, &only_new, alice, GoogleService::Gmail)
            .await
            .unwrap();
    assert!(ctx.google.issued_tokens().contains(&refreshed));
    assert!(
        !issued.contains(&refreshed),
        "a new token from the refresh token"
    );

    // Bob sees why nothing syncs.
    let status: Value = ctx
        .app
        .as_user(bob)
        .get("/api/v1/google/status")
        .await
        .ok_json(StatusCode::OK);
    let gmail = status["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "gmail")
        .unwrap();
    assert_eq!(gmail["lastError"], "token_unreadable", "{status}");
}
