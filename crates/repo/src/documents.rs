//! Queries over `documents` (every query filters `user_id` explicitly; RLS binds it too).
//! Their search columns and embedding marks are kept by triggers (ADR 0024, ADR 0031).

#![allow(
    missing_docs,
    reason = "row fields are the table's columns one to one; the migrations document them"
)]

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{RepoErrorExt, map_diesel_error};
use crate::schema::documents;
use crate::text::contains_pattern;

/// A `documents` row (without its search columns).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = documents, check_for_backend(diesel::pg::Pg))]
pub struct DocumentRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub owner_contact_id: Option<Uuid>,
    pub title: Option<String>,
    pub text: Option<String>,
    pub mime: Option<String>,
    pub meta: Option<Value>,
    pub created_at: OffsetDateTime,
}

/// Values for `INSERT INTO documents` (`created_at` defaults to now).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = documents)]
pub struct NewDocumentRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub owner_contact_id: Option<Uuid>,
    pub title: Option<String>,
    pub text: Option<String>,
    pub mime: Option<String>,
    pub meta: Option<Value>,
}

/// A partial update: `None` leaves a column, `Some(None)` clears it.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = documents)]
pub struct DocumentChanges {
    pub owner_contact_id: Option<Option<Uuid>>,
    pub title: Option<Option<String>>,
    pub text: Option<Option<String>>,
    pub mime: Option<Option<String>>,
    pub meta: Option<Option<Value>>,
}

impl DocumentChanges {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.owner_contact_id.is_none()
            && self.title.is_none()
            && self.text.is_none()
            && self.mime.is_none()
            && self.meta.is_none()
    }
}

/// Filters of a document list.
#[derive(Debug, Clone, Default)]
pub struct DocumentFilter {
    /// Only about this contact.
    pub owner_contact_id: Option<Uuid>,
    /// Only these media types (lower-cased).
    pub mimes: Vec<String>,
    /// Case-insensitive substring of title or text.
    pub search: Option<String>,
    /// Keyset position: items strictly older.
    pub before: Option<(OffsetDateTime, Uuid)>,
}

/// Queries over `documents`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocumentsRepository;

impl DocumentsRepository {
    /// Up to `limit` documents matching `filter`, newest first.
    pub async fn page(
        conn: &mut AsyncPgConnection,
        user: UserId,
        filter: DocumentFilter,
        limit: i64,
    ) -> Result<Vec<DocumentRow>, AppError> {
        let mut q = documents::table
            .filter(documents::user_id.eq(user))
            .select(DocumentRow::as_select())
            .into_boxed();
        if let Some(contact) = filter.owner_contact_id {
            q = q.filter(documents::owner_contact_id.eq(contact));
        }
        if !filter.mimes.is_empty() {
            q = q.filter(documents::mime.eq_any(filter.mimes));
        }
        if let Some(search) = filter.search {
            let p = contains_pattern(&search);
            q = q.filter(
                documents::title
                    .ilike(p.clone())
                    .or(documents::text.ilike(p)),
            );
        }
        if let Some((at, id)) = filter.before {
            q = q.filter(
                documents::created_at
                    .lt(at)
                    .or(documents::created_at.eq(at).and(documents::id.lt(id))),
            );
        }
        q.order((documents::created_at.desc(), documents::id.desc()))
            .limit(limit)
            .load(conn)
            .await
            .map_db_error()
    }

    /// One document, or 404.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
    ) -> Result<DocumentRow, AppError> {
        documents::table
            .filter(documents::user_id.eq(user))
            .filter(documents::id.eq(id))
            .select(DocumentRow::as_select())
            .first(conn)
            .await
            .map_db_error()
    }

    /// Inserts a document; a contact of another tenant is refused by the composite key.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        row: &NewDocumentRow,
    ) -> Result<DocumentRow, AppError> {
        diesel::insert_into(documents::table)
            .values(row)
            .returning(DocumentRow::as_returning())
            .get_result(conn)
            .await
            .map_err(write_error)
    }

    /// Applies `changes`; 404 when absent.
    pub async fn update(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
        changes: &DocumentChanges,
    ) -> Result<DocumentRow, AppError> {
        if changes.is_empty() {
            return Self::find(conn, user, id).await;
        }
        diesel::update(documents::table)
            .filter(documents::user_id.eq(user))
            .filter(documents::id.eq(id))
            .set(changes)
            .returning(DocumentRow::as_returning())
            .get_result(conn)
            .await
            .map_err(write_error)
    }

    /// Deletes a document (its vectors go with it, by trigger); 404 when absent.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
    ) -> Result<(), AppError> {
        let deleted = diesel::delete(
            documents::table
                .filter(documents::user_id.eq(user))
                .filter(documents::id.eq(id)),
        )
        .execute(conn)
        .await
        .map_db_error()?;
        if deleted == 0 {
            return Err(AppError::not_found());
        }
        Ok(())
    }
}

fn write_error(err: DieselError) -> AppError {
    match err {
        // The composite key (user_id, owner_contact_id) refuses a contact of another tenant
        // (or one deleted since the service checked).
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            AppError::invalid_field("/ownerContactId", "not_found", "no such contact")
        }
        DieselError::NotFound => AppError::not_found(),
        other => map_diesel_error(other),
    }
}
