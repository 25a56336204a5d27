//! `/api/v1/omni-momentum/...`.

mod habits;
