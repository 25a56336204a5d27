//! Onboarding links: what practitioners send to new clients, and what the public form
//! posts back. Tokens are shown once ([`OnboardingTokenCreated`]); afterwards only their
//! metadata is readable ([`OnboardingTokenInfo`]).

mod entity;
pub(crate) mod input;
mod output;
pub mod signature;

pub use entity::OnboardingToken;
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
/// Photos one visitor (client address, as the public rate limiter counts it) may have
/// waiting for a submission of one link.
pub const MAX_PENDING_UPLOADS_PER_VISITOR: i64 = 5;
/// Photos waiting for one link's submissions, from all visitors together, per submission
/// the link can still accept: a multi-use link has room for each of its remaining clients,
/// so one visitor's uploads cannot block the others.
pub const MAX_PENDING_UPLOADS_PER_REMAINING_USE: i64 = 5;
/// Longest side of a prepared onboarding photo, in pixels.
pub const PHOTO_MAX_SIDE: u32 = 1024;
