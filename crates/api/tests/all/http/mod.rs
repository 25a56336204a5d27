//! Behaviour every route gets from the framework (issue 12, item 2).

pub mod idempotency;
pub mod limits;
pub mod preconditions;
