//! Behaviour every route gets from the framework.

pub mod idempotency;
pub mod preconditions;
