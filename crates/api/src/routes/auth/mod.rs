//! Who am I, and the CSRF token for cookie sessions.

pub mod csrf;
pub mod me;
