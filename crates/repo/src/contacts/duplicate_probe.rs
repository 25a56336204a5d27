//! The duplicate guard's probe: which existing contacts share an email or a phone with a
//! new one (`POST /contacts`, onboarding, suggestions, imports).

use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::{ContactId, UserId};
use omnicrm_problem::AppError;

use super::ContactsRepository;
use crate::error::RepoErrorExt;
use crate::sql::SqlBuilder;

/// How an existing contact matched the duplicate guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DuplicateMatch {
    /// Its primary email or an email identity equals the email (case-insensitively).
    Email,
    /// A phone identity equals the E.164 number.
    PhoneIdentity,
    /// Its primary phone, as stored; the caller decides whether it is the same number.
    PrimaryPhone(String),
}

/// A contact that may be a duplicate, oldest first.
#[derive(Debug, Clone)]
pub struct DuplicateCandidate {
    /// The existing contact.
    pub contact_id: ContactId,
    /// What matched.
    pub matched: DuplicateMatch,
}

/// What the duplicate guard looks for.
#[derive(Debug, Clone, Default)]
pub struct DuplicateProbe {
    /// Lower-cased email.
    pub email: Option<String>,
    /// The phone number in E.164, when it could be parsed.
    pub phone_e164: Option<String>,
    /// Digits every stored spelling of the same number contains (its national number).
    pub phone_digits: Option<String>,
    /// The phone exactly as typed (compared verbatim when it cannot be parsed).
    pub phone_raw: Option<String>,
}

#[derive(QueryableByName)]
struct CandidateRow {
    #[diesel(sql_type = SqlUuid)]
    contact_id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    matched: String,
    #[diesel(sql_type = Nullable<Text>)]
    phone: Option<String>,
}

/// The columns of each arm of the duplicate-candidate union (every arm names them, since
/// any subset of arms may be present).
const COLUMNS_EMAIL: &str =
    "c.id AS contact_id, c.created_at, 'email'::text AS matched, NULL::text AS phone";
const COLUMNS_PHONE: &str =
    "c.id AS contact_id, c.created_at, 'phone'::text AS matched, NULL::text AS phone";
const COLUMNS_PRIMARY_PHONE: &str =
    "c.id AS contact_id, c.created_at, 'primary_phone'::text AS matched, c.primary_phone AS phone";
impl ContactsRepository {
    /// Contacts that may duplicate `probe`, oldest first: email matches against primary
    /// emails (case-insensitively) and email identities, E.164 matches against phone
    /// identities, and every contact whose primary phone contains the number's digits
    /// (the caller compares those in E.164). One statement.
    pub async fn duplicate_candidates(
        conn: &mut AsyncPgConnection,
        user: UserId,
        probe: &DuplicateProbe,
    ) -> Result<Vec<DuplicateCandidate>, AppError> {
        let mut b = SqlBuilder::new();
        let u = b.bind::<SqlUuid, _>(user);
        let mut arms = Vec::new();
        if let Some(email) = &probe.email {
            let e = b.bind::<Text, _>(email.clone());
            arms.push(format!(
                "SELECT {COLUMNS_EMAIL} \
                 FROM contacts c WHERE c.user_id = {u} AND lower(c.primary_email) = {e}"
            ));
            arms.push(format!(
                "SELECT {COLUMNS_EMAIL} FROM contact_identities i \
                 JOIN contacts c ON c.user_id = i.user_id AND c.id = i.contact_id \
                 WHERE i.user_id = {u} AND i.kind = 'email' AND i.value = {e}"
            ));
        }
        if let Some(e164) = &probe.phone_e164 {
            let p = b.bind::<Text, _>(e164.clone());
            arms.push(format!(
                "SELECT {COLUMNS_PHONE} FROM contact_identities i \
                 JOIN contacts c ON c.user_id = i.user_id AND c.id = i.contact_id \
                 WHERE i.user_id = {u} AND i.kind = 'phone' AND i.value = {p}"
            ));
        }
        if let Some(raw) = &probe.phone_raw {
            let r = b.bind::<Text, _>(raw.clone());
            arms.push(format!(
                "SELECT {COLUMNS_PRIMARY_PHONE} FROM contacts c \
                 WHERE c.user_id = {u} AND c.primary_phone = {r}"
            ));
        }
        if let Some(digits) = &probe.phone_digits {
            let d = b.bind::<Text, _>(digits.clone());
            // Through `tenant_contact_candidates` (ADR 0005, ADR 0011): under row-level
            // security LIKE is no index condition; the definer function makes it one of
            // `contacts_search_idx`, whose document holds the phone's digits. Without it
            // every probe read every contact with a phone, and an import of n rows
            // compared n² numbers. The exact test (the primary phone's digits contain the
            // number's) runs on its candidates.
            arms.push(format!(
                "SELECT {COLUMNS_PRIMARY_PHONE} \
                 FROM tenant_contact_candidates(NULL::text, '%' || {d} || '%', NULL::text) c \
                 WHERE c.primary_phone IS NOT NULL \
                   AND strpos(regexp_replace(c.primary_phone, '[^0-9]+', '', 'g'), {d}) > 0"
            ));
        }
        if arms.is_empty() {
            return Ok(Vec::new());
        }
        let statement = format!(
            "SELECT contact_id, matched, phone FROM ({}) AS candidate \
             ORDER BY created_at, contact_id LIMIT 50",
            arms.join(" UNION ALL ")
        );
        b.push(&statement);
        let rows: Vec<CandidateRow> = b.build().load(conn).await.map_db_error()?;
        Ok(rows
            .into_iter()
            .map(|row| DuplicateCandidate {
                contact_id: row.contact_id.into(),
                matched: match (row.matched.as_str(), row.phone) {
                    ("email", _) => DuplicateMatch::Email,
                    ("phone", _) => DuplicateMatch::PhoneIdentity,
                    (_, phone) => DuplicateMatch::PrimaryPhone(phone.unwrap_or_default()),
                },
            })
            .collect())
    }
}
