//! `/api/v1/onboarding/...`: the practitioner's links (`admin`) and the public form (`public`).

mod admin;
mod public;
