//! Row types: each field is the column of the same name (the migrations document them).

#![allow(
    missing_docs,
    reason = "row fields are the table's columns one to one; the migrations document them"
)]

use diesel::prelude::*;
use omnicrm_domain::contacts::{ClientStatus, Contact, CreateContact, UpdateContact};
use omnicrm_domain::{ContactId, UserId};
use omnicrm_problem::AppError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::jsonb::RawJsonb;
use crate::schema::contacts;

/// A `contacts` row as stored.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = contacts, check_for_backend(diesel::pg::Pg))]
pub struct ContactRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub display_name: String,
    pub primary_email: Option<String>,
    pub primary_phone: Option<String>,
    pub photo_url: Option<String>,
    pub source: Option<String>,
    pub lifecycle_stage: Option<String>,
    pub client_status: String,
    pub referral_source: Option<String>,
    pub confidence_score: Option<f32>,
    pub date_of_birth: Option<Date>,
    pub emergency_contact_name: Option<String>,
    pub emergency_contact_phone: Option<String>,
    pub address: Option<RawJsonb>,
    pub health_context: Option<RawJsonb>,
    pub preferences: Option<RawJsonb>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Values for `INSERT INTO contacts`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = contacts)]
pub struct NewContactRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub display_name: String,
    pub primary_email: Option<String>,
    pub primary_phone: Option<String>,
    pub source: Option<String>,
    pub lifecycle_stage: Option<String>,
    pub client_status: String,
    pub referral_source: Option<String>,
    pub confidence_score: Option<f32>,
    pub date_of_birth: Option<Date>,
    pub emergency_contact_name: Option<String>,
    pub emergency_contact_phone: Option<String>,
    pub address: Option<Value>,
    pub health_context: Option<Value>,
    pub preferences: Option<Value>,
}

/// A partial update: `None` leaves a column alone, `Some(None)` sets it NULL.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = contacts)]
pub struct ContactChanges {
    pub display_name: Option<String>,
    pub primary_email: Option<Option<String>>,
    pub primary_phone: Option<Option<String>>,
    pub source: Option<Option<String>>,
    pub lifecycle_stage: Option<Option<String>>,
    pub client_status: Option<String>,
    pub referral_source: Option<Option<String>>,
    pub confidence_score: Option<Option<f32>>,
    pub date_of_birth: Option<Option<Date>>,
    pub emergency_contact_name: Option<Option<String>>,
    pub emergency_contact_phone: Option<Option<String>>,
    pub address: Option<Option<Value>>,
    pub health_context: Option<Option<Value>>,
    pub preferences: Option<Option<Value>>,
}

impl ContactChanges {
    /// Whether nothing would change (the update then only reads).
    pub fn is_empty(&self) -> bool {
        self.display_name.is_none()
            && self.primary_email.is_none()
            && self.primary_phone.is_none()
            && self.source.is_none()
            && self.lifecycle_stage.is_none()
            && self.client_status.is_none()
            && self.referral_source.is_none()
            && self.confidence_score.is_none()
            && self.date_of_birth.is_none()
            && self.emergency_contact_name.is_none()
            && self.emergency_contact_phone.is_none()
            && self.address.is_none()
            && self.health_context.is_none()
            && self.preferences.is_none()
    }
}

fn to_json<T: Serialize>(value: Option<&T>) -> Result<Option<Value>, AppError> {
    value
        .map(serde_json::to_value)
        .transpose()
        .map_err(AppError::internal)
}

fn patch_json<T: Serialize>(value: Option<&Option<T>>) -> Result<Option<Option<Value>>, AppError> {
    value.map(|inner| to_json(inner.as_ref())).transpose()
}

fn from_json<T: DeserializeOwned>(value: Option<&RawJsonb>) -> Result<Option<T>, AppError> {
    value
        .map(RawJsonb::decode)
        .transpose()
        .map_err(AppError::internal)
}

impl NewContactRow {
    /// Row for a validated create body (emails are stored trimmed, as typed otherwise).
    pub fn from_input(user: UserId, id: ContactId, input: CreateContact) -> Result<Self, AppError> {
        Ok(Self {
            user_id: user.into_uuid(),
            id: id.into_uuid(),
            display_name: input.display_name.trim().to_owned(),
            primary_email: input.primary_email.map(|e| e.trim().to_owned()),
            primary_phone: input.primary_phone,
            source: Some(input.source.unwrap_or_else(|| "manual".to_owned())),
            lifecycle_stage: input.lifecycle_stage,
            client_status: input.client_status.unwrap_or_default().as_str().to_owned(),
            referral_source: input.referral_source,
            confidence_score: input.confidence_score,
            date_of_birth: input.date_of_birth,
            emergency_contact_name: input.emergency_contact_name,
            emergency_contact_phone: input.emergency_contact_phone,
            address: to_json(input.address.as_ref())?,
            health_context: to_json(input.health_context.as_ref())?,
            preferences: to_json(input.preferences.as_ref())?,
        })
    }
}

impl ContactChanges {
    /// Changes for a validated PATCH body.
    pub fn from_input(input: UpdateContact) -> Result<Self, AppError> {
        Ok(Self {
            address: patch_json(input.address.as_ref())?,
            health_context: patch_json(input.health_context.as_ref())?,
            preferences: patch_json(input.preferences.as_ref())?,
            display_name: input.display_name.flatten().map(|n| n.trim().to_owned()),
            primary_email: input.primary_email.map(|e| e.map(|e| e.trim().to_owned())),
            primary_phone: input.primary_phone,
            source: input.source,
            lifecycle_stage: input.lifecycle_stage,
            client_status: input.client_status.flatten().map(|s| s.as_str().to_owned()),
            referral_source: input.referral_source,
            confidence_score: input.confidence_score,
            date_of_birth: input.date_of_birth,
            emergency_contact_name: input.emergency_contact_name,
            emergency_contact_phone: input.emergency_contact_phone,
        })
    }
}

impl TryFrom<ContactRow> for Contact {
    type Error = AppError;

    fn try_from(row: ContactRow) -> Result<Self, AppError> {
        let client_status = ClientStatus::parse(&row.client_status).ok_or_else(|| {
            AppError::internal(format!(
                "contacts.client_status holds unknown value {:?}",
                row.client_status
            ))
        })?;
        Ok(Contact {
            id: row.id.into(),
            user_id: row.user_id.into(),
            display_name: row.display_name,
            primary_email: row.primary_email,
            primary_phone: row.primary_phone,
            // A stored photo key is never exposed raw: the service signs it (and audits that).
            photo_url: None,
            source: row.source,
            lifecycle_stage: row.lifecycle_stage,
            client_status,
            referral_source: row.referral_source,
            confidence_score: row.confidence_score,
            date_of_birth: row.date_of_birth,
            emergency_contact_name: row.emergency_contact_name,
            emergency_contact_phone: row.emergency_contact_phone,
            address: from_json(row.address.as_ref())?,
            health_context: from_json(row.health_context.as_ref())?,
            preferences: from_json(row.preferences.as_ref())?,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}
