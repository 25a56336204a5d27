//! Onboarding links: what practitioners send to new clients, and what the public form
//! posts back. Tokens are shown once ([`OnboardingTokenCreated`]); afterwards only their
//! metadata is readable ([`OnboardingTokenInfo`]).

pub(crate) mod input;
mod output;
pub mod signature;

pub use input::{
    CreateOnboardingToken, OnboardingClient, OnboardingConsent, OnboardingSubmit,
    OnboardingTokenListQuery, TrackAccess, TrackAction,
};
pub use output::{
    OnboardingSubmitted, OnboardingTokenCreated, OnboardingTokenInfo, PhotoUploaded,
    PractitionerInfo, PublicTokenStatus,
};

/// Longest validity of a link, in hours (one week).
pub const MAX_HOURS_VALID: u32 = 168;
/// Validity when none is asked for, in hours.
pub const DEFAULT_HOURS_VALID: u32 = 72;
/// Most submissions one link may accept.
pub const MAX_USES: u32 = 100;
/// Largest photo upload read, in bytes (the prepared photo is much smaller).
pub const MAX_PHOTO_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// Photos uploaded with one link and not yet attached by a submission.
pub const MAX_PENDING_UPLOADS_PER_TOKEN: i64 = 5;
/// Longest side of a prepared onboarding photo, in pixels.
pub const PHOTO_MAX_SIDE: u32 = 1024;
