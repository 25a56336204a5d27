//! `/api/v1/data-intelligence/...`: contact identities, ignored identifiers and AI insights.

mod ai_insights;
mod contact_identities;
mod documents;
mod embeddings;
mod ignored_identifiers;
mod reembedding;
mod tenancy;
