//! Contacts use cases.

use futures_util::FutureExt;
use omnicrm_domain::contacts::{Contact, ContactListQuery, CreateContact, UpdateContact};
use omnicrm_domain::{ContactId, Page, PaginationMeta, UserId};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::contacts::{ContactChanges, ContactsRepository, NewContactRow};

/// Create, read, list, change and delete a practitioner's contacts.
#[derive(Debug, Clone)]
pub struct ContactsService {
    db: Db,
}

impl ContactsService {
    /// Wraps the database handle.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Creates a contact. Unless `allow_duplicate`, an email (case-insensitive) or phone
    /// already on one of the user's contacts is a 409 naming that contact.
    pub async fn create(
        &self,
        user: UserId,
        input: CreateContact,
        allow_duplicate: bool,
    ) -> Result<Contact, AppError> {
        let row = NewContactRow::from_input(user, ContactId::generate(), input)?;
        self.db
            .tenant(user, move |conn| {
                async move {
                    if !allow_duplicate {
                        let existing = ContactsRepository::find_duplicate(
                            conn,
                            user,
                            row.primary_email.as_deref(),
                            row.primary_phone.as_deref(),
                        )
                        .await?;
                        if let Some(existing) = existing {
                            return Err(AppError::duplicate_of(
                                existing.into_uuid(),
                                "a contact with this email or phone already exists",
                            ));
                        }
                    }
                    ensure_tenant(conn, user).await?;
                    ContactsRepository::insert(conn, &row).await?.try_into()
                }
                .boxed()
            })
            .await
    }

    /// One contact, or 404 (also when it belongs to someone else).
    pub async fn get(&self, user: UserId, id: ContactId) -> Result<Contact, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { ContactsRepository::find(conn, user, id).await?.try_into() }.boxed()
            })
            .await
    }

    /// One page of contacts with the total count.
    pub async fn list(
        &self,
        user: UserId,
        query: ContactListQuery,
    ) -> Result<Page<Contact>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let rows = ContactsRepository::list(conn, user, &query).await?;
                    let total = ContactsRepository::count(conn, user, &query).await?;
                    let items = rows
                        .into_iter()
                        .map(Contact::try_from)
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(Page {
                        items,
                        pagination: PaginationMeta::new(query.page_request(), total),
                    })
                }
                .boxed()
            })
            .await
    }

    /// Number of contacts matching the filters.
    pub async fn count(&self, user: UserId, query: ContactListQuery) -> Result<u64, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { ContactsRepository::count(conn, user, &query).await }.boxed()
            })
            .await
    }

    /// Applies a PATCH; 404 when the contact is not the user's.
    pub async fn update(
        &self,
        user: UserId,
        id: ContactId,
        input: UpdateContact,
    ) -> Result<Contact, AppError> {
        let changes = ContactChanges::from_input(input)?;
        self.db
            .tenant(user, move |conn| {
                async move {
                    ContactsRepository::update(conn, user, id, &changes)
                        .await?
                        .try_into()
                }
                .boxed()
            })
            .await
    }

    /// Deletes a contact and everything hanging off it; 404 when absent.
    pub async fn delete(&self, user: UserId, id: ContactId) -> Result<(), AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { ContactsRepository::delete(conn, user, id).await }.boxed()
            })
            .await
    }
}

/// Upserts the user's `tenants` row: every tenant table references it, so it must exist
/// before the user's first write, and erasure deletes through it.
async fn ensure_tenant(
    conn: &mut omnicrm_repo::AsyncPgConnection,
    user: UserId,
) -> Result<(), AppError> {
    omnicrm_repo::tenants::ensure(conn, user).await
}
