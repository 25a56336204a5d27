//! Authentication: bearer tokens, cookie sessions with CSRF, `/auth/me`, JWKS.

mod bearer;
mod csrf;
mod jwks;
mod me;
