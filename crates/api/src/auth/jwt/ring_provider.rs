//! A `jsonwebtoken` crypto provider on `ring`, the one crypto library already in the tree
//! (the crate's own backends would add either the RustCrypto stack or aws-lc's C build).
//!
//! Only what Supabase issues is supported: HS256, RS256 and ES256 (P-256). Every other
//! algorithm is refused when a verifier is asked for, so a token naming it never reaches a
//! signature check.

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{Error, ErrorKind};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind, EncodingKey};
use ring::hmac;
use ring::rand::SystemRandom;
use ring::signature as sig;

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory,
    verifier_factory,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes the ring provider the process default. Idempotent; must run before the first
/// encode or decode (the verifier's constructor calls it).
pub fn install() {
    // Err means a provider is installed already: ours (a second verifier), since nothing
    // else in the tree installs one.
    let _ = PROVIDER.install_default();
}

fn unsupported() -> Error {
    ErrorKind::UnsupportedAlgorithm.into()
}

fn key_error() -> Error {
    ErrorKind::InvalidKeyFormat.into()
}

/// The algorithms we accept, each only under a key of its own family.
fn check_family(alg: Algorithm, family: AlgorithmFamily) -> Result<(), Error> {
    let wanted = match alg {
        Algorithm::HS256 => AlgorithmFamily::Hmac,
        Algorithm::RS256 => AlgorithmFamily::Rsa,
        Algorithm::ES256 => AlgorithmFamily::Ec,
        _ => return Err(unsupported()),
    };
    if family != wanted {
        return Err(key_error());
    }
    Ok(())
}

fn verifier_factory(alg: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>, Error> {
    check_family(*alg, key.family())?;
    Ok(Box::new(RingVerifier {
        alg: *alg,
        key: key.clone(),
    }))
}

fn signer_factory(alg: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>, Error> {
    check_family(*alg, key.family())?;
    Ok(Box::new(RingSigner {
        alg: *alg,
        key: key.clone(),
    }))
}

struct RingVerifier {
    alg: Algorithm,
    key: DecodingKey,
}

impl Verifier<Vec<u8>> for RingVerifier {
    fn verify(&self, msg: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        match (self.alg, self.key.kind()) {
            (Algorithm::HS256, DecodingKeyKind::SecretOrDer(secret)) => {
                let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
                hmac::verify(&key, msg, signature).map_err(|_| signature::Error::new())
            }
            (Algorithm::RS256, DecodingKeyKind::RsaModulusExponent { n, e }) => {
                sig::RsaPublicKeyComponents { n, e }
                    .verify(&sig::RSA_PKCS1_2048_8192_SHA256, msg, signature)
                    .map_err(|_| signature::Error::new())
            }
            (Algorithm::RS256, DecodingKeyKind::SecretOrDer(der)) => {
                sig::UnparsedPublicKey::new(&sig::RSA_PKCS1_2048_8192_SHA256, der)
                    .verify(msg, signature)
                    .map_err(|_| signature::Error::new())
            }
            // JWK (x, y) become an uncompressed SEC1 point, which is what ring reads.
            (Algorithm::ES256, DecodingKeyKind::SecretOrDer(point)) => {
                sig::UnparsedPublicKey::new(&sig::ECDSA_P256_SHA256_FIXED, point)
                    .verify(msg, signature)
                    .map_err(|_| signature::Error::new())
            }
            _ => Err(signature::Error::new()),
        }
    }
}

impl JwtVerifier for RingVerifier {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
}

struct RingSigner {
    alg: Algorithm,
    key: EncodingKey,
}

impl Signer<Vec<u8>> for RingSigner {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let bytes = self.key.as_bytes();
        match self.alg {
            Algorithm::HS256 => {
                let key = hmac::Key::new(hmac::HMAC_SHA256, bytes);
                Ok(hmac::sign(&key, msg).as_ref().to_vec())
            }
            // PKCS#8 or PKCS#1 DER private keys (tests and the `token` subcommand).
            Algorithm::RS256 => {
                let pair = sig::RsaKeyPair::from_pkcs8(bytes)
                    .or_else(|_| sig::RsaKeyPair::from_der(bytes))
                    .map_err(|_| signature::Error::new())?;
                let mut out = vec![0; pair.public().modulus_len()];
                pair.sign(&sig::RSA_PKCS1_SHA256, &SystemRandom::new(), msg, &mut out)
                    .map_err(|_| signature::Error::new())?;
                Ok(out)
            }
            Algorithm::ES256 => {
                let rng = SystemRandom::new();
                let pair = sig::EcdsaKeyPair::from_pkcs8(
                    &sig::ECDSA_P256_SHA256_FIXED_SIGNING,
                    bytes,
                    &rng,
                )
                .map_err(|_| signature::Error::new())?;
                Ok(pair
                    .sign(&rng, msg)
                    .map_err(|_| signature::Error::new())?
                    .as_ref()
                    .to_vec())
            }
            _ => Err(signature::Error::new()),
        }
    }
}

impl JwtSigner for RingSigner {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
}
