//! Optimistic concurrency on every versioned single resource: `ETag`, `If-Match`,
//! `If-None-Match` (ADR 0016). Table-driven over [`fixtures::Case`]s, one per
//! single-resource route of the OpenAPI document.

mod fixtures;
mod if_match;
mod if_none_match;
mod race;
