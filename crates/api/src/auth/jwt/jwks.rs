//! The signing keys of asymmetric (RS256/ES256) access tokens, fetched from
//! `OMNICRM_JWT_JWKS_URL` and cached by `kid`.
//!
//! An unknown `kid` triggers a refresh (a rotated key appears without a restart), but at
//! most one fetch runs at a time and at most one starts per `min_refresh_interval`, so
//! tokens with random `kid`s cannot make us hammer the issuer. A fetch is bounded in time
//! (`timeout`) and size (`max_bytes`); when it fails the keys already cached stay in use.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};

use super::JwtError;

/// Most keys kept from one document (Supabase publishes a handful).
const MAX_KEYS: usize = 32;

/// Where and how the keys are fetched.
#[derive(Debug, Clone)]
pub struct JwksSettings {
    /// The JWKS document (`https://<project>.supabase.co/auth/v1/.well-known/jwks.json`).
    pub url: String,
    /// Deadline of one fetch, connection included.
    pub timeout: Duration,
    /// Least time between two fetches, whatever tokens arrive.
    pub min_refresh_interval: Duration,
    /// Age after which cached keys are refetched on next use (revoked keys disappear).
    pub max_age: Duration,
    /// Largest document read.
    pub max_bytes: usize,
}

impl JwksSettings {
    /// Defaults for `url`: 5 s timeout, one fetch per 30 s at most, keys refreshed after
    /// 10 minutes, documents up to 64 KiB.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            timeout: Duration::from_secs(5),
            min_refresh_interval: Duration::from_secs(30),
            max_age: Duration::from_secs(600),
            max_bytes: 64 * 1024,
        }
    }
}

/// The cached key set; cheap to clone (shared).
#[derive(Clone)]
pub struct Jwks(Arc<Inner>);

struct Inner {
    settings: JwksSettings,
    client: reqwest::Client,
    keys: RwLock<Cached>,
    // Held while fetching: concurrent misses wait for the one fetch instead of starting more.
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
}

#[derive(Default)]
struct Cached {
    keys: HashMap<String, (Algorithm, DecodingKey)>,
    fetched_at: Option<Instant>,
}

impl std::fmt::Debug for Jwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwks")
            .field("url", &self.0.settings.url)
            .finish_non_exhaustive()
    }
}

impl Jwks {
    /// A key set fetched lazily from `settings.url`.
    pub fn new(settings: JwksSettings) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            // Fetches are rare and may run on any worker's runtime: no idle connections kept.
            .pool_max_idle_per_host(0)
            .build()?;
        Ok(Self(Arc::new(Inner {
            settings,
            client,
            keys: RwLock::new(Cached::default()),
            last_fetch: tokio::sync::Mutex::new(None),
        })))
    }

    /// The key `kid` for `alg`, fetching the document when the key is unknown or the
    /// cache is old and a fetch is allowed.
    pub async fn key(&self, kid: &str, alg: Algorithm) -> Result<DecodingKey, JwtError> {
        if let Some(found) = self.cached(kid, alg, true)? {
            return Ok(found);
        }
        let mut last_fetch = self.0.last_fetch.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(found) = self.cached(kid, alg, true)? {
            return Ok(found);
        }
        let due = last_fetch.is_none_or(|at| at.elapsed() >= self.0.settings.min_refresh_interval);
        if due {
            *last_fetch = Some(Instant::now());
            match self.fetch().await {
                Ok(keys) => {
                    tracing::info!(keys = keys.len(), "fetched the JWKS");
                    let mut cached = self.0.keys.write().unwrap_or_else(|e| e.into_inner());
                    *cached = Cached {
                        keys,
                        fetched_at: Some(Instant::now()),
                    };
                }
                Err(reason) => tracing::warn!(%reason, "could not fetch the JWKS"),
            }
        }
        drop(last_fetch);
        match self.cached(kid, alg, false)? {
            Some(found) => Ok(found),
            None if self.is_empty() => Err(JwtError::KeysUnavailable),
            None => Err(JwtError::UnknownKey),
        }
    }

    fn is_empty(&self) -> bool {
        self.0
            .keys
            .read()
            .map(|c| c.keys.is_empty())
            .unwrap_or(true)
    }

    /// `Ok(None)` when the key is absent (or, with `fresh_only`, the cache is old).
    fn cached(
        &self,
        kid: &str,
        alg: Algorithm,
        fresh_only: bool,
    ) -> Result<Option<DecodingKey>, JwtError> {
        let cached = self.0.keys.read().unwrap_or_else(|e| e.into_inner());
        let fresh = cached
            .fetched_at
            .is_some_and(|at| at.elapsed() < self.0.settings.max_age);
        if fresh_only && !fresh {
            return Ok(None);
        }
        match cached.keys.get(kid) {
            // A key is used only with its own algorithm (no RS/ES confusion).
            Some((key_alg, _)) if *key_alg != alg => Err(JwtError::Algorithm),
            Some((_, key)) => Ok(Some(key.clone())),
            None => Ok(None),
        }
    }

    async fn fetch(&self) -> Result<HashMap<String, (Algorithm, DecodingKey)>, String> {
        let max = self.0.settings.max_bytes;
        let mut res = self
            .0
            .client
            .get(&self.0.settings.url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("request failed: {}", e.without_url()))?;
        if !res.status().is_success() {
            return Err(format!("answered {}", res.status()));
        }
        if res.content_length().is_some_and(|n| n > max as u64) {
            return Err(format!("document larger than {max} bytes"));
        }
        let mut body = Vec::new();
        while let Some(chunk) = res
            .chunk()
            .await
            .map_err(|e| format!("reading failed: {}", e.without_url()))?
        {
            if body.len() + chunk.len() > max {
                return Err(format!("document larger than {max} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        parse_key_set(&body)
    }
}

#[derive(serde::Deserialize)]
struct KeySet {
    keys: Vec<serde_json::Value>,
}

/// Keys usable for signatures, by `kid`; entries of other types or malformed ones are
/// skipped so one odd key does not take the rest down.
fn parse_key_set(body: &[u8]) -> Result<HashMap<String, (Algorithm, DecodingKey)>, String> {
    let set: KeySet =
        serde_json::from_slice(body).map_err(|e| format!("not a JWKS document: {e}"))?;
    let mut keys = HashMap::new();
    for value in set.keys.into_iter().take(MAX_KEYS) {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
            continue;
        };
        if let Some((kid, alg, key)) = usable(&jwk) {
            keys.insert(kid, (alg, key));
        }
    }
    Ok(keys)
}

fn usable(jwk: &Jwk) -> Option<(String, Algorithm, DecodingKey)> {
    let kid = jwk.common.key_id.clone()?;
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
    ) {
        return None;
    }
    let (alg, wanted) = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => (Algorithm::RS256, KeyAlgorithm::RS256),
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            (Algorithm::ES256, KeyAlgorithm::ES256)
        }
        _ => return None,
    };
    if jwk.common.key_algorithm.is_some_and(|a| a != wanted) {
        return None;
    }
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some((kid, alg, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_signature_keys_of_supported_types_are_kept() {
        let doc = serde_json::json!({"keys": [
            {"kty": "EC", "crv": "P-256", "kid": "ec", "alg": "ES256", "use": "sig",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty": "EC", "crv": "P-384", "kid": "p384", "x": "AA", "y": "AA"},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "kid": "wrong-alg", "alg": "RS512", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"nonsense": true}
        ]});
        let keys = parse_key_set(doc.to_string().as_bytes()).unwrap_or_default();
        let mut kids: Vec<&String> = keys.keys().collect();
        kids.sort();
        assert_eq!(kids, ["ec"]);
        assert!(parse_key_set(b"[]").is_err());
    }
}
