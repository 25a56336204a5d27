//! `/api/v1/omni-momentum/goals/...`.

mod crud;
mod kinds;
mod tenancy;
mod validation;
