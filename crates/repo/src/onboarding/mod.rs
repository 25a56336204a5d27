//! Onboarding tokens, the photos uploaded through them, and the writes of a public
//! submission that touch contacts and client files.

mod queries;
mod row;

pub use queries::{OnboardingRepository, PendingUploads, TokenCounter, TokenRef};
pub use row::{NewOnboardingTokenRow, NewUploadRow, OnboardingTokenRow, UploadRow};
