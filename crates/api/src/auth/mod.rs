//! Authentication (Supabase-compatible HS256 JWTs) and CSRF protection.

mod csrf;
mod extractor;
pub mod jwt;

pub use csrf::CsrfKey;
pub use extractor::AuthUser;
pub use jwt::{Claims, JwtVerifier, mint_token};
