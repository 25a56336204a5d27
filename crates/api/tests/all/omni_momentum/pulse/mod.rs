//! `/api/v1/omni-momentum/pulse/...`.

mod analytics;
mod entries;
mod tenancy;
mod validation;
