//! Row types: each field is the column of the same name (the migrations document them).

#![allow(
    missing_docs,
    reason = "row fields are the table's columns one to one; the migrations document them"
)]

use diesel::prelude::*;
use omnicrm_domain::entities::OnboardingToken;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::schema::{onboarding_tokens, onboarding_uploads};

/// An `onboarding_tokens` row as stored (the hash never leaves the repository).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = onboarding_tokens, check_for_backend(diesel::pg::Pg))]
pub struct OnboardingTokenRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub label: Option<String>,
    pub expires_at: OffsetDateTime,
    pub max_uses: i32,
    pub used_count: i32,
    pub created_by: Uuid,
    pub disabled: bool,
    pub created_at: OffsetDateTime,
    pub last_accessed_at: Option<OffsetDateTime>,
    pub access_count: i32,
    pub form_started_count: i32,
    pub submission_count: i32,
}

impl From<OnboardingTokenRow> for OnboardingToken {
    fn from(row: OnboardingTokenRow) -> Self {
        Self {
            id: row.id.into(),
            user_id: row.user_id.into(),
            label: row.label,
            expires_at: row.expires_at,
            max_uses: row.max_uses,
            used_count: row.used_count,
            created_by: row.created_by.into(),
            disabled: row.disabled,
            created_at: row.created_at,
            last_accessed_at: row.last_accessed_at,
            access_count: row.access_count,
            form_started_count: row.form_started_count,
            submission_count: row.submission_count,
        }
    }
}

/// Values for `INSERT INTO onboarding_tokens`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = onboarding_tokens)]
pub struct NewOnboardingTokenRow {
    pub user_id: Uuid,
    pub id: Uuid,
    /// SHA-256 of the token (32 bytes).
    pub token_hash: Vec<u8>,
    pub label: Option<String>,
    pub expires_at: OffsetDateTime,
    pub max_uses: i32,
    pub created_by: Uuid,
}

/// An `onboarding_uploads` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = onboarding_uploads, check_for_backend(diesel::pg::Pg))]
pub struct UploadRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub token_id: Uuid,
    pub object_key: String,
    pub mime_type: String,
    pub file_size: i32,
    pub original_size: i32,
    pub created_at: OffsetDateTime,
}

/// Values for `INSERT INTO onboarding_uploads`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = onboarding_uploads)]
pub struct NewUploadRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub token_id: Uuid,
    pub object_key: String,
    pub mime_type: String,
    pub file_size: i32,
    pub original_size: i32,
    /// sha256 (hex) of the uploading client's rate-limit identity.
    pub visitor: Option<String>,
}
