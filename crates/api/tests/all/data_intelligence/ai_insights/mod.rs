//! `/api/v1/data-intelligence/ai-insights` and `/contacts/{id}/insights`: reading and
//! triaging insights, and generating them (heuristics always, the model with a provider).

mod follow_writes;
mod generation;
mod heuristic_kinds;
mod model;
mod routes;
mod withdrawn;
