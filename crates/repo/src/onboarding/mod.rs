//! Onboarding tokens and the photos uploaded through them.

mod queries;
mod row;

pub use queries::{OnboardingRepository, PendingUploads, TokenCounter, TokenRef};
pub use row::{NewOnboardingTokenRow, NewUploadRow, OnboardingTokenRow, UploadRow};
