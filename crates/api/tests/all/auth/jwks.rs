//! RS256/ES256 access tokens verified against a JWKS served by a local HTTP server, and the
//! JWKS fetch's bounds: rate, size and time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use omnicrm_api::auth::jwt::{JwtError, mint_asymmetric};
use omnicrm_api::auth::{Claims, Jwks, JwksSettings, JwtPolicy, JwtVerifier};
use omnicrm_testkit::{TEST_JWT_SECRET, TestApp, TestAppOptions, TestDb};
use reqwest::StatusCode;
use ring::rand::SystemRandom;
use ring::signature::{self as sig, KeyPair};
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

use jsonwebtoken::Algorithm;

/// The committed 2048-bit RSA test key (PKCS#1 DER, `openssl genpkey`; used only here).
const RSA_KEY: &[u8] = include_bytes!("../fixtures/jwks_test_rsa_key.pkcs1.der");

/// How the fake issuer answers.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Serve,
    Huge,
    Hang,
}

/// A JWKS endpoint speaking plain HTTP/1.1, counting its fetches.
struct FakeIssuer {
    url: String,
    hits: Arc<AtomicUsize>,
    doc: Arc<Mutex<Value>>,
    mode: Arc<Mutex<Mode>>,
}

impl FakeIssuer {
    async fn start(doc: Value) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/auth/v1/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        let hits = Arc::new(AtomicUsize::new(0));
        let doc = Arc::new(Mutex::new(doc));
        let mode = Arc::new(Mutex::new(Mode::Serve));
        let (h, d, m) = (hits.clone(), doc.clone(), mode.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut conn, _)) = listener.accept().await else {
                    return;
                };
                let (h, d, m) = (h.clone(), d.clone(), m.clone());
                tokio::spawn(async move {
                    let mut buf = vec![0_u8; 4096];
                    let mut read = 0;
                    while !buf[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                        match conn.read(&mut buf[read..]).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => read += n,
                        }
                    }
                    h.fetch_add(1, Ordering::SeqCst);
                    let mode = *m.lock().unwrap();
                    let body = match mode {
                        Mode::Hang => {
                            tokio::time::sleep(Duration::from_secs(60)).await;
                            return;
                        }
                        Mode::Huge => {
                            format!(r#"{{"keys":[],"padding":"{}"}}"#, "x".repeat(512 * 1024))
                        }
                        Mode::Serve => d.lock().unwrap().to_string(),
                    };
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = conn.write_all(head.as_bytes()).await;
                    let _ = conn.write_all(body.as_bytes()).await;
                });
            }
        });
        Self {
            url,
            hits,
            doc,
            mode,
        }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn rsa_jwk(kid: &str) -> Value {
    let pair = sig::RsaKeyPair::from_der(RSA_KEY).unwrap();
    let public = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(pair.public());
    json!({"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
           "n": b64(&public.n), "e": b64(&public.e)})
}

/// A fresh P-256 key: its PKCS#8 document and its JWK.
fn ec_key(kid: &str) -> (Vec<u8>, Value) {
    let rng = SystemRandom::new();
    let pkcs8 = sig::EcdsaKeyPair::generate_pkcs8(&sig::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .unwrap()
        .as_ref()
        .to_vec();
    let pair =
        sig::EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8, &rng).unwrap();
    let point = pair.public_key().as_ref();
    let jwk = json!({"kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256", "use": "sig",
                     "x": b64(&point[1..33]), "y": b64(&point[33..65])});
    (pkcs8, jwk)
}

fn claims(user: Uuid) -> Claims {
    Claims::for_user(user, "authenticated", OffsetDateTime::now_utc(), 3600)
}

fn verifier(url: &str, tune: impl FnOnce(&mut JwksSettings)) -> JwtVerifier {
    let mut settings = JwksSettings::new(url);
    tune(&mut settings);
    JwtVerifier::new(
        Some(TEST_JWT_SECRET),
        Some(Jwks::new(settings).unwrap()),
        JwtPolicy::new("authenticated"),
    )
}

async fn verify(v: &JwtVerifier, token: &str) -> Result<Claims, JwtError> {
    v.verify(token, OffsetDateTime::now_utc()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rs256_and_es256_tokens_are_accepted_through_the_jwks_and_a_new_key_is_picked_up() {
    let (ec_pkcs8, ec_jwk) = ec_key("ec-1");
    let issuer = FakeIssuer::start(json!({"keys": [rsa_jwk("rsa-1"), ec_jwk]})).await;
    let db = TestDb::new().await.expect("test database");
    let app = TestApp::spawn_with(
        &db,
        TestAppOptions {
            jwt: Some(verifier(&issuer.url, |s| {
                s.min_refresh_interval = Duration::ZERO;
            })),
            ..TestAppOptions::default()
        },
    )
    .await;
    let user = Uuid::now_v7();
    let me = |token: String| {
        let app = &app;
        async move { app.with_bearer(&token).get("/api/v1/auth/me").await }
    };

    let rs = mint_asymmetric(Algorithm::RS256, RSA_KEY, "rsa-1", &claims(user));
    let res = me(rs).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>()["userId"], user.to_string());
    let es = mint_asymmetric(Algorithm::ES256, &ec_pkcs8, "ec-1", &claims(user));
    assert_eq!(me(es).await.status(), StatusCode::OK);
    // HS256 under the secret still works beside the JWKS.
    assert_eq!(
        me(TestApp::token(user.into())).await.status(),
        StatusCode::OK
    );
    assert_eq!(issuer.hits(), 1, "keys are cached");

    // The issuer rotates in a new key: a token naming it triggers one refresh.
    let (new_pkcs8, new_jwk) = ec_key("ec-2");
    issuer.doc.lock().unwrap()["keys"]
        .as_array_mut()
        .unwrap()
        .push(new_jwk);
    let rotated = mint_asymmetric(Algorithm::ES256, &new_pkcs8, "ec-2", &claims(user));
    assert_eq!(me(rotated).await.status(), StatusCode::OK);
    assert_eq!(issuer.hits(), 2);

    // A key is bound to its algorithm and kid: an ES256 token under the RSA kid, a token
    // signed by another EC key under a known kid, and an unknown kid are all 401.
    let (other_pkcs8, _) = ec_key("other");
    for token in [
        mint_asymmetric(Algorithm::ES256, &ec_pkcs8, "rsa-1", &claims(user)),
        mint_asymmetric(Algorithm::ES256, &other_pkcs8, "ec-1", &claims(user)),
        mint_asymmetric(Algorithm::ES256, &other_pkcs8, "nobody", &claims(user)),
    ] {
        assert_eq!(me(token).await.status(), StatusCode::UNAUTHORIZED);
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_kids_do_not_make_us_hammer_the_jwks_url() {
    let (ec_pkcs8, ec_jwk) = ec_key("ec-1");
    let issuer = FakeIssuer::start(json!({"keys": [ec_jwk]})).await;
    let v = verifier(&issuer.url, |s| {
        s.min_refresh_interval = Duration::from_secs(60);
    });
    let user = Uuid::now_v7();
    let good = mint_asymmetric(Algorithm::ES256, &ec_pkcs8, "ec-1", &claims(user));
    assert!(verify(&v, &good).await.is_ok());
    assert_eq!(issuer.hits(), 1);

    let attempts = (0..64).map(|i| {
        let v = v.clone();
        let token = mint_asymmetric(
            Algorithm::ES256,
            &ec_pkcs8,
            &format!("random-{i}-{}", Uuid::new_v4()),
            &claims(user),
        );
        tokio::spawn(async move { verify(&v, &token).await })
    });
    for attempt in attempts {
        assert_eq!(attempt.await.unwrap(), Err(JwtError::UnknownKey));
    }
    assert_eq!(
        issuer.hits(),
        1,
        "no fetch within the minimum refresh interval"
    );
    assert!(
        verify(&v, &good).await.is_ok(),
        "the cached key still works"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_or_hanging_jwks_is_given_up_on_in_bounded_time() {
    let (ec_pkcs8, ec_jwk) = ec_key("ec-1");
    let issuer = FakeIssuer::start(json!({"keys": [ec_jwk]})).await;
    let token = mint_asymmetric(Algorithm::ES256, &ec_pkcs8, "ec-1", &claims(Uuid::now_v7()));

    *issuer.mode.lock().unwrap() = Mode::Huge;
    let v = verifier(&issuer.url, |s| s.min_refresh_interval = Duration::ZERO);
    assert_eq!(verify(&v, &token).await, Err(JwtError::KeysUnavailable));

    *issuer.mode.lock().unwrap() = Mode::Hang;
    let v = verifier(&issuer.url, |s| {
        s.min_refresh_interval = Duration::ZERO;
        s.timeout = Duration::from_millis(300);
    });
    let started = Instant::now();
    assert_eq!(verify(&v, &token).await, Err(JwtError::KeysUnavailable));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    // Once the issuer answers again, the same verifier recovers.
    *issuer.mode.lock().unwrap() = Mode::Serve;
    assert!(verify(&v, &token).await.is_ok());
}
