//! `/api/v1/onboarding/admin/...`.

mod tokens;
