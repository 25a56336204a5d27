//! Row types: each field is the column of the same name (the migrations document them).

#![allow(
    missing_docs,
    reason = "row fields are the table's columns one to one; the migrations document them"
)]

use diesel::prelude::*;
use omnicrm_domain::tags::{CreateTag, DEFAULT_TAG_COLOR, Tag, TagCategory, UpdateTag};
use omnicrm_domain::{TagId, UserId};
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::schema::tags;

/// A `tags` row as stored.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = tags, check_for_backend(diesel::pg::Pg))]
pub struct TagRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub category: String,
    pub color: String,
    pub is_system: bool,
    pub template_id: Option<Uuid>,
    pub usage_count: i32,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Values for `INSERT INTO tags` of a user's own (non-system) tag.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = tags)]
pub struct NewTagRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub category: String,
    pub color: String,
}

/// A partial update of a tag: `None` leaves a column alone.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = tags)]
pub struct TagChanges {
    pub name: Option<String>,
    pub category: Option<String>,
    pub color: Option<String>,
}

impl NewTagRow {
    /// Row for a validated create body (the name is stored trimmed).
    pub fn from_input(user: UserId, id: TagId, input: CreateTag) -> Self {
        Self {
            user_id: user.into_uuid(),
            id: id.into_uuid(),
            name: input.name.trim().to_owned(),
            category: input
                .category
                .unwrap_or(TagCategory::ServicesModalities)
                .as_str()
                .to_owned(),
            color: input.color.unwrap_or_else(|| DEFAULT_TAG_COLOR.to_owned()),
        }
    }
}

impl TagChanges {
    /// Changes for a validated PATCH body (the name is stored trimmed).
    pub fn from_input(input: UpdateTag) -> Self {
        Self {
            name: input.name.flatten().map(|n| n.trim().to_owned()),
            category: input.category.flatten().map(|c| c.as_str().to_owned()),
            color: input.color.flatten(),
        }
    }

    /// Whether nothing would change (the update then only reads).
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.category.is_none() && self.color.is_none()
    }
}

impl TryFrom<TagRow> for Tag {
    type Error = AppError;

    fn try_from(row: TagRow) -> Result<Self, AppError> {
        let category = TagCategory::parse(&row.category).ok_or_else(|| {
            AppError::internal(format!(
                "tags.category holds unknown value {:?}",
                row.category
            ))
        })?;
        Ok(Tag {
            id: row.id.into(),
            user_id: row.user_id.into(),
            name: row.name,
            category,
            color: row.color,
            is_system: row.is_system,
            template_id: row.template_id,
            usage_count: row.usage_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}
