//! The duplicate guard of contact creation, and the matching of onboarding submissions.

use omnicrm_domain::contacts::DuplicateMatch as MatchKind;
use omnicrm_domain::{ContactId, UserId};
use omnicrm_problem::AppError;
use omnicrm_repo::AsyncPgConnection;
use omnicrm_repo::contacts::{ContactsRepository, DuplicateMatch, DuplicateProbe};

use crate::identifier_normalization::normalize_email;
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
    Ok(find_all(conn, user, region, email, phone)
        .await?
        .first()
        .map(|(id, _)| *id))
}

/// Every contact of `user` (oldest first, at most 50 candidates examined) that has
/// `email` or `phone` as [`find`] compares them, each once with what it shares (the
/// email when both).
pub(crate) async fn find_all(
    conn: &mut AsyncPgConnection,
    user: UserId,
    region: PhoneRegion,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<Vec<(ContactId, MatchKind)>, AppError> {
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
    let mut found: Vec<(ContactId, MatchKind)> = Vec::new();
    for candidate in candidates {
        let kind = match &candidate.matched {
            DuplicateMatch::Email => Some(MatchKind::Email),
            DuplicateMatch::PhoneIdentity => Some(MatchKind::Phone),
            DuplicateMatch::PrimaryPhone(stored) => match (&parsed, &probe.phone_raw) {
                (Some(wanted), _) => region
                    .normalize(stored)
                    .is_some_and(|s| s.e164 == wanted.e164)
                    .then_some(MatchKind::Phone),
                (None, Some(raw)) => (stored.trim() == raw).then_some(MatchKind::Phone),
                (None, None) => None,
            },
        };
        let Some(kind) = kind else { continue };
        match found.iter_mut().find(|(id, _)| *id == candidate.contact_id) {
            Some(entry) if kind == MatchKind::Email => entry.1 = kind,
            Some(_) => {}
            None => found.push((candidate.contact_id, kind)),
        }
    }
    Ok(found)
}
