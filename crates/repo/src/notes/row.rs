//! Row types: each field is the column of the same name (the migrations document them).

#![allow(
    missing_docs,
    reason = "row fields are the table's columns one to one; the migrations document them"
)]

use diesel::prelude::*;
use omnicrm_domain::entities::Tag;
use omnicrm_domain::notes::PreparedContent;
use omnicrm_domain::notes::{Note, NotePiiEntity, NoteSourceType};
use omnicrm_domain::{ContactId, GoalId, NoteId, UserId};
use omnicrm_problem::AppError;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::schema::notes;

/// A `notes` row as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notes, check_for_backend(diesel::pg::Pg))]
pub struct NoteRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub contact_id: Uuid,
    pub content_rich: Value,
    pub content_plain: String,
    pub pii_entities: Value,
    pub source_type: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Values for `INSERT INTO notes`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = notes)]
pub struct NewNoteRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub contact_id: Uuid,
    pub content_rich: Value,
    pub content_plain: String,
    pub pii_entities: Value,
    pub source_type: String,
}

/// A partial update of the content columns: `None` leaves a column alone.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = notes)]
pub struct NoteChanges {
    pub content_rich: Option<Value>,
    pub content_plain: Option<String>,
    pub pii_entities: Option<Value>,
}

impl NoteChanges {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.content_rich.is_none() && self.content_plain.is_none() && self.pii_entities.is_none()
    }

    /// Changes for redacted content: plain text (with its entities) and/or rich document.
    pub fn new(
        plain: Option<(String, Vec<NotePiiEntity>)>,
        rich: Option<Map<String, Value>>,
    ) -> Result<Self, AppError> {
        let (content_plain, pii_entities) = match plain {
            Some((text, entities)) => (Some(text), Some(entities_json(&entities)?)),
            None => (None, None),
        };
        Ok(Self {
            content_rich: rich.map(Value::Object),
            content_plain,
            pii_entities,
        })
    }
}

fn entities_json(entities: &[NotePiiEntity]) -> Result<Value, AppError> {
    serde_json::to_value(entities).map_err(AppError::internal)
}

impl NewNoteRow {
    /// Row for a note whose content is already redacted.
    pub fn new(
        user: UserId,
        id: NoteId,
        contact: ContactId,
        content: PreparedContent,
        source_type: NoteSourceType,
    ) -> Result<Self, AppError> {
        Ok(Self {
            user_id: user.into_uuid(),
            id: id.into_uuid(),
            contact_id: contact.into_uuid(),
            pii_entities: entities_json(&content.pii_entities)?,
            content_rich: Value::Object(content.rich),
            content_plain: content.plain,
            source_type: source_type.as_str().to_owned(),
        })
    }
}

impl NoteRow {
    /// The API's note, with the tags and goals linked to it.
    pub fn into_note(self, tags: Vec<Tag>, goal_ids: Vec<GoalId>) -> Result<Note, AppError> {
        let source_type = NoteSourceType::parse(&self.source_type).ok_or_else(|| {
            AppError::internal(format!(
                "notes.source_type holds unknown value {:?}",
                self.source_type
            ))
        })?;
        let pii_entities: Vec<NotePiiEntity> =
            serde_json::from_value(self.pii_entities).map_err(AppError::internal)?;
        Ok(Note {
            id: self.id.into(),
            user_id: self.user_id.into(),
            contact_id: self.contact_id.into(),
            content_rich: self.content_rich,
            content_plain: self.content_plain,
            pii_entities,
            source_type,
            tags,
            goal_ids,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}
