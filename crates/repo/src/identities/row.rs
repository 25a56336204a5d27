//! Row types: each field is the column of the same name (the migrations document them).

#![allow(
    missing_docs,
    reason = "row fields are the table's columns one to one; the migrations document them"
)]

use diesel::prelude::*;
use omnicrm_domain::entities::{ContactIdentity, IdentifierKind, IgnoredIdentifier};
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::schema::{contact_identities, ignored_identifiers};

/// A `contact_identities` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contact_identities, check_for_backend(diesel::pg::Pg))]
pub struct ContactIdentityRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub contact_id: Uuid,
    pub kind: String,
    pub provider: Option<String>,
    pub value: String,
    pub created_at: OffsetDateTime,
}

/// Values for `INSERT INTO contact_identities` (`created_at` defaults to now).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = contact_identities)]
pub struct NewContactIdentityRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub contact_id: Uuid,
    pub kind: String,
    pub provider: Option<String>,
    pub value: String,
}

/// A partial update of an identity (values already normalised).
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = contact_identities)]
pub struct ContactIdentityChanges {
    pub kind: Option<String>,
    pub provider: Option<Option<String>>,
    pub value: Option<String>,
}

impl ContactIdentityChanges {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.kind.is_none() && self.provider.is_none() && self.value.is_none()
    }
}

/// An `ignored_identifiers` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ignored_identifiers, check_for_backend(diesel::pg::Pg))]
pub struct IgnoredIdentifierRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub kind: String,
    pub value: String,
    pub reason: Option<String>,
    pub created_at: OffsetDateTime,
}

/// Values for `INSERT INTO ignored_identifiers`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ignored_identifiers)]
pub struct NewIgnoredIdentifierRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub kind: String,
    pub value: String,
    pub reason: Option<String>,
}

fn parse_kind(table: &str, value: &str) -> Result<IdentifierKind, AppError> {
    IdentifierKind::parse(value)
        .ok_or_else(|| AppError::internal(format!("{table}.kind holds unknown value {value:?}")))
}

impl TryFrom<ContactIdentityRow> for ContactIdentity {
    type Error = AppError;

    fn try_from(row: ContactIdentityRow) -> Result<Self, AppError> {
        Ok(Self {
            kind: parse_kind("contact_identities", &row.kind)?,
            id: row.id,
            user_id: row.user_id.into(),
            contact_id: row.contact_id.into(),
            provider: row.provider,
            value: row.value,
            created_at: row.created_at,
        })
    }
}

impl TryFrom<IgnoredIdentifierRow> for IgnoredIdentifier {
    type Error = AppError;

    fn try_from(row: IgnoredIdentifierRow) -> Result<Self, AppError> {
        Ok(Self {
            kind: parse_kind("ignored_identifiers", &row.kind)?,
            id: row.id,
            user_id: row.user_id.into(),
            value: row.value,
            reason: row.reason,
            created_at: row.created_at,
        })
    }
}
