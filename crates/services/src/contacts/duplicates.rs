//! The duplicate guard of contact creation.

use omnicrm_domain::{ContactId, UserId};
use omnicrm_problem::AppError;
use omnicrm_repo::AsyncPgConnection;
use omnicrm_repo::contacts::{ContactsRepository, DuplicateMatch, DuplicateProbe};

use crate::identifiers::normalize_email;
use crate::phone::PhoneRegion;

/// The oldest contact of `user` that already has `email` (case-insensitively, as primary
/// email or email identity) or `phone` (compared in E.164 with primary phones and phone
/// identities; a number that does not parse is compared as typed).
pub(super) async fn find(
    conn: &mut AsyncPgConnection,
    user: UserId,
    region: PhoneRegion,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<Option<ContactId>, AppError> {
    let parsed = phone.and_then(|p| region.normalize(p));
    let probe = DuplicateProbe {
        email: email.map(normalize_email).filter(|e| !e.is_empty()),
        phone_raw: phone
            .filter(|_| parsed.is_none())
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty()),
        phone_digits: parsed.as_ref().map(|p| p.national_digits.clone()),
        phone_e164: parsed.as_ref().map(|p| p.e164.clone()),
    };
    let candidates = ContactsRepository::duplicate_candidates(conn, user, &probe).await?;
    Ok(candidates
        .into_iter()
        .find(|candidate| match &candidate.matched {
            DuplicateMatch::Email | DuplicateMatch::PhoneIdentity => true,
            DuplicateMatch::PrimaryPhone(stored) => match (&parsed, &probe.phone_raw) {
                (Some(wanted), _) => region
                    .normalize(stored)
                    .is_some_and(|s| s.e164 == wanted.e164),
                (None, Some(raw)) => stored.trim() == raw,
                (None, None) => false,
            },
        })
        .map(|candidate| candidate.contact_id))
}
