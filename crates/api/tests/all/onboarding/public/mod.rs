//! `/api/v1/onboarding/public/...`.

mod rate_limits;
mod signatures;
mod submit;
mod tokens;
mod upload_photo;
