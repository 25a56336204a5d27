//! `/api/v1/data-intelligence/...`: contact identities and ignored identifiers.

mod contact_identities;
mod documents;
mod embeddings;
mod ignored_identifiers;
mod tenancy;
