//! The HTTP envelope: request ids, tracing spans, security headers and the single place
//! where errors become `application/problem+json` responses.

mod client_ip;
mod cors;
mod envelope;
mod error;
pub mod idempotency;
pub mod limits;
pub mod preconditions;
mod route_pattern;
mod route_table;

pub use client_ip::{TrustedProxies, client_ip, request_origin};
pub use cors::{AllowedOrigins, cors};
pub use envelope::envelope;
pub use error::ApiError;
pub use idempotency::idempotent_creates;
pub use preconditions::conditional_requests;
pub use route_table::{RouteTable, method_guard, unmatched};
