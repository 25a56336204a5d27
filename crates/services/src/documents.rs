//! Documents: create, list, read, change, delete. Search and the embedding jobs pick them
//! up through the table's triggers (ADR 0024, ADR 0031): nothing here enqueues anything.

use futures_util::FutureExt;
use omnicrm_domain::documents::{
    CreateDocument, Document, DocumentListQuery, DocumentPage, UpdateDocument,
};
use omnicrm_domain::{ContactId, UserId};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::contacts::ContactsRepository;
use omnicrm_repo::documents::{
    DocumentChanges, DocumentFilter, DocumentRow, DocumentsRepository, NewDocumentRow,
};
use serde_json::Value;
use uuid::Uuid;

use crate::cursor;

/// The document use cases.
#[derive(Debug, Clone)]
pub struct DocumentsService {
    db: Db,
}

fn view(row: DocumentRow) -> Document {
    Document {
        id: row.id,
        owner_contact_id: row.owner_contact_id.map(ContactId::from),
        title: row.title,
        text: row.text,
        mime: row.mime,
        meta: match row.meta {
            Some(Value::Object(map)) => Some(map),
            _ => None,
        },
        created_at: row.created_at,
    }
}

fn no_such_contact() -> AppError {
    AppError::invalid_field("/ownerContactId", "not_found", "no such contact")
}

impl DocumentsService {
    /// Wraps the database.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// A page of the user's documents, newest first.
    pub async fn list(
        &self,
        user: UserId,
        query: DocumentListQuery,
    ) -> Result<DocumentPage, AppError> {
        let before = cursor::position(query.cursor.as_deref())?;
        let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
        let filter = DocumentFilter {
            owner_contact_id: query.owner_contact_id.map(ContactId::into_uuid),
            mimes: query
                .mime
                .iter()
                .map(|m| m.trim().to_ascii_lowercase())
                .collect(),
            search: query.search,
            before,
        };
        self.db
            .tenant(user, move |conn| {
                async move {
                    let mut rows =
                        DocumentsRepository::page(conn, user, filter, i64::from(query.limit) + 1)
                            .await?;
                    let next_cursor = cursor::cut_page(&mut rows, limit, |r| (r.created_at, r.id));
                    Ok(DocumentPage {
                        items: rows.into_iter().map(view).collect(),
                        next_cursor,
                    })
                }
                .boxed()
            })
            .await
    }

    /// One document; 404 when it is not the user's.
    pub async fn get(&self, user: UserId, id: Uuid) -> Result<Document, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { DocumentsRepository::find(conn, user, id).await.map(view) }.boxed()
            })
            .await
    }

    /// Creates a document; its owner contact must be one of the user's (400 otherwise).
    pub async fn create(&self, user: UserId, input: CreateDocument) -> Result<Document, AppError> {
        let row = NewDocumentRow {
            user_id: user.into_uuid(),
            id: Uuid::now_v7(),
            owner_contact_id: input.owner_contact_id.map(ContactId::into_uuid),
            title: Some(input.title.trim().to_owned()),
            text: input.text,
            mime: input.mime.map(|m| m.to_ascii_lowercase()),
            meta: input.meta.map(Value::Object),
        };
        let contact = input.owner_contact_id;
        self.db
            .tenant(user, move |conn| {
                async move {
                    if let Some(contact) = contact
                        && !ContactsRepository::exists(conn, user, contact).await?
                    {
                        return Err(no_such_contact());
                    }
                    // A user's first row of any kind creates their tenant row, which every
                    // tenant table's foreign key needs.
                    omnicrm_repo::tenants::ensure(conn, user).await?;
                    DocumentsRepository::insert(conn, &row).await.map(view)
                }
                .boxed()
            })
            .await
    }

    /// Applies a PATCH; 404 when absent, 400 when the new owner contact is not the user's.
    pub async fn update(
        &self,
        user: UserId,
        id: Uuid,
        input: UpdateDocument,
    ) -> Result<Document, AppError> {
        let contact = input.owner_contact_id.flatten();
        let changes = DocumentChanges {
            owner_contact_id: input.owner_contact_id.map(|c| c.map(ContactId::into_uuid)),
            title: input.title.map(|t| t.map(|t| t.trim().to_owned())),
            text: input.text,
            mime: input.mime.map(|m| m.map(|m| m.to_ascii_lowercase())),
            meta: input.meta.map(|m| m.map(Value::Object)),
        };
        self.db
            .tenant(user, move |conn| {
                async move {
                    if let Some(contact) = contact
                        && !ContactsRepository::exists(conn, user, contact).await?
                    {
                        return Err(no_such_contact());
                    }
                    DocumentsRepository::update(conn, user, id, &changes)
                        .await
                        .map(view)
                }
                .boxed()
            })
            .await
    }

    /// Deletes a document and its vectors; 404 when absent.
    pub async fn delete(&self, user: UserId, id: Uuid) -> Result<(), AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { DocumentsRepository::delete(conn, user, id).await }.boxed()
            })
            .await
    }
}
