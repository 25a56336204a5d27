//! Fixtures shared by the tests of auth.rs

use crate::common;
use omnicrm_testkit::TEST_JWT_SECRET;
use omnicrm_testkit::TestResponse;
use serde_json::{Value, json};

/// Signs arbitrary claims with HS256 under the test secret (independent of `Claims`, so
/// the test also states what an issuer may send).
pub(crate) fn mint(claims: &Value) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, TEST_JWT_SECRET);
    let sig = URL_SAFE_NO_PAD.encode(ring::hmac::sign(&key, input.as_bytes()).as_ref());
    format!("{input}.{sig}")
}

/// Supabase-shaped claims for `user` issued at `iat`, valid an hour.
pub(crate) fn supabase_claims(user: uuid::Uuid, iat: i64) -> Value {
    json!({"sub": user, "aud": "authenticated", "role": "authenticated",
           "iat": iat, "exp": iat + 3600})
}

/// `GET /api/v1/auth/me` with `token` as the bearer token.
pub(crate) async fn me_status(ctx: &common::Ctx, token: &str) -> TestResponse {
    ctx.app
        .anonymous()
        .header("authorization", &format!("Bearer {token}"))
        .get("/api/v1/auth/me")
        .await
}
