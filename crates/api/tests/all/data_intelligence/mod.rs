//! `/api/v1/data-intelligence/...`: contact identities and ignored identifiers.

mod contact_identities;
mod ignored_identifiers;
mod tenancy;
