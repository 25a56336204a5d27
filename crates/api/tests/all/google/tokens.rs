//! Tokens at rest: sealed, so a database dump holds none of them.

use std::process::Command;

use omnicrm_domain::google::GoogleService;
use omnicrm_testkit::TestApp;

use crate::common::google::{connect, setup};

fn pg_dump_bin() -> std::path::PathBuf {
    std::env::var_os("OMNICRM_TEST_PG_BIN")
        .map(|d| std::path::PathBuf::from(d).join("pg_dump"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| "pg_dump".into())
}

#[tokio::test]
async fn tokens_are_unreadable_in_a_database_dump() {
    let ctx = setup().await;
    let alice = TestApp::new_user();
    connect(&ctx, alice, "gmail").await;
    connect(&ctx, alice, "calendar").await;
    // A refresh stores a new access token too.
    ctx.google.set_expires_in(0);
    connect(&ctx, alice, "gmail").await;
    ctx.app
        .services
        .google
        .access_token(alice, GoogleService::Gmail)
        .await
        .unwrap();
    let issued = ctx.google.issued_tokens();
    assert!(issued.len() >= 5, "{issued:?}");

    let dump = Command::new(pg_dump_bin())
        .args(["--data-only", "--dbname", &ctx.db.owner_url])
        .output()
        .unwrap();
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert!(
        dump.contains("v2:test1:"),
        "tokens are stored sealed under the key id"
    );
    for token in &issued {
        // Any 12 characters of the random part would give it away.
        let secret_part = &token[token.len() - 12..];
        assert!(
            !dump.contains(secret_part),
            "a token is readable in the dump"
        );
    }
    // The application still reads them.
    let token = ctx
        .app
        .services
        .google
        .access_token(alice, GoogleService::Calendar)
        .await
        .unwrap();
    assert!(issued.contains(&token));
}

#[tokio::test]
async fn tokens_sealed_in_the_original_v1_format_are_read_and_resealed() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
    use ring::hmac;

    let ctx = setup().await;
    let alice = TestApp::new_user();
    connect(&ctx, alice, "gmail").await;
    // What the original wrote: AES-256-GCM under HMAC-SHA256(master, "enc"), no AAD.
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, &omnicrm_testkit::TEST_MASTER_KEY),
        b"enc",
    );
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, tag.as_ref()).unwrap());
    let iv = [9_u8; 12];
    let mut buf = b"ya29.from-the-original".to_vec();
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(iv), Aad::empty(), &mut buf)
        .unwrap();
    let (ct, gcm_tag) = buf.split_at(buf.len() - 16);
    let v1 = format!(
        "v1:{}:{}:{}",
        URL_SAFE_NO_PAD.encode(iv),
        URL_SAFE_NO_PAD.encode(ct),
        URL_SAFE_NO_PAD.encode(gcm_tag)
    );
    let owner = ctx.db.owner().await.unwrap();
    owner
        .execute(
            "UPDATE user_integrations SET access_token = $1, expiry_date = now() + interval '1 hour'",
            &[&v1],
        )
        .await
        .unwrap();
    let token = ctx
        .app
        .services
        .google
        .access_token(alice, GoogleService::Gmail)
        .await
        .unwrap();
    assert_eq!(token, "ya29.from-the-original");
    let stored: String = owner
        .query_one("SELECT access_token FROM user_integrations", &[])
        .await
        .unwrap()
        .get(0);
    assert!(stored.starts_with("v2:test1:"), "re-sealed on first use");
    assert!(!stored.contains("from-the-original"));
}
