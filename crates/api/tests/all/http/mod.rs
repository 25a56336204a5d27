//! Behaviour every route gets from the framework.

pub mod preconditions;
