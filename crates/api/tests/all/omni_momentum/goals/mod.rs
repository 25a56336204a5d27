//! `/api/v1/omni-momentum/goals/...`.

mod crud;
mod tenancy;
mod validation;
