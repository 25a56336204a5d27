//! `/user`: the signed-in user's data as a whole (complete export, erasure).

pub mod erase;
pub mod export;
