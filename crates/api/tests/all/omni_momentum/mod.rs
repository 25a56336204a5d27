//! `/api/v1/omni-momentum/...`.

mod goals;
mod habits;
mod pulse;
