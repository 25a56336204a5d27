//! `/user-profile`: the practitioner's own profile.

pub mod get;
pub mod update;
