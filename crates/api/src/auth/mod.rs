//! Authentication (Supabase-compatible JWTs: HS256, or RS256/ES256 via JWKS) and CSRF
//! protection.

mod csrf;
mod extractor;
pub mod jwt;

pub use csrf::CsrfKey;
pub use extractor::AuthUser;
pub(crate) use extractor::{ResolvedTenant, verified_user};
pub use jwt::{Claims, Jwks, JwksSettings, JwtPolicy, JwtVerifier, mint_token};
