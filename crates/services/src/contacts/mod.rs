//! Contacts use cases.

mod duplicates;
mod suggestions;

use futures_util::FutureExt;
use omnicrm_domain::contacts::{
    BulkDeleteContacts, BulkDeleteError, BulkDeleteResult, Contact, ContactDetail, ContactListItem,
    ContactListQuery, CreateContact, UpdateContact,
};
use omnicrm_domain::{ContactId, Page, PaginationMeta, UserId};
use omnicrm_problem::AppError;
use omnicrm_repo::contacts::{
    ContactChanges, ContactDetailRepository, ContactsRepository, NewContactRow,
};
use omnicrm_repo::stored_objects::StoredObjects;
use omnicrm_repo::{AsyncPgConnection, Db};

use crate::files::{AccessMeta, ObjectRemover, PhotoUrls, run_to_completion};
use crate::phone::PhoneRegion;

/// Create, read, list, change and delete a practitioner's contacts, and turn calendar
/// attendees into contacts.
#[derive(Debug, Clone)]
pub struct ContactsService {
    db: Db,
    region: PhoneRegion,
    photos: PhotoUrls,
    objects: ObjectRemover,
}

impl ContactsService {
    /// Wraps the database handle; `region` reads phone numbers without a country code;
    /// `photos` signs the photo URLs of contact views (and audits them).
    /// `objects` removes the stored files of deleted contacts after the commit.
    pub fn new(db: Db, region: PhoneRegion, photos: PhotoUrls, objects: ObjectRemover) -> Self {
        Self {
            db,
            region,
            photos,
            objects,
        }
    }

    /// Creates a contact. Unless `allow_duplicate`, a contact that already has the email
    /// (case-insensitively, as primary email or email identity) or the phone number (in
    /// E.164, as primary phone or phone identity) is a 409 naming that contact.
    pub async fn create(
        &self,
        user: UserId,
        input: CreateContact,
        allow_duplicate: bool,
    ) -> Result<Contact, AppError> {
        let row = NewContactRow::from_input(user, ContactId::generate(), input)?;
        let region = self.region;
        self.db
            .tenant(user, move |conn| {
                async move {
                    // Before the check: a concurrent create of the same email or phone waits
                    // here and then sees this one's contact.
                    omnicrm_repo::tenants::lock_for_contact_insert(conn, user).await?;
                    if !allow_duplicate
                        && let Some(existing) = duplicates::find(
                            conn,
                            user,
                            region,
                            row.primary_email.as_deref(),
                            row.primary_phone.as_deref(),
                        )
                        .await?
                    {
                        return Err(AppError::duplicate_of(
                            existing.into_uuid(),
                            "a contact with this email or phone already exists",
                        ));
                    }
                    ContactsRepository::insert(conn, &row).await?.try_into()
                }
                .boxed()
            })
            .await
    }

    /// One contact with its 5 newest notes, tags, identities and current consents; 404
    /// when it is not the user's. The five reads are pipelined.
    pub async fn get(
        &self,
        user: UserId,
        id: ContactId,
        meta: AccessMeta,
    ) -> Result<ContactDetail, AppError> {
        let photos = self.photos.clone();
        self.db
            .audited_read(user, move |conn| {
                async move {
                    let shared: &AsyncPgConnection = conn;
                    let (row, notes, tags, identities, consents) = futures_util::future::try_join5(
                        ContactsRepository::find_shared(shared, user, id),
                        ContactDetailRepository::latest_notes(shared, user, id),
                        ContactDetailRepository::tags(shared, user, id),
                        ContactDetailRepository::identities(shared, user, id),
                        ContactDetailRepository::consents(shared, user, id),
                    )
                    .await?;
                    let mut contact = with_photos(conn, &photos, user, &meta, vec![row]).await?;
                    Ok(ContactDetail {
                        contact: contact.pop().ok_or_else(AppError::not_found)?,
                        notes,
                        tags,
                        identities,
                        consents,
                    })
                }
                .boxed()
            })
            .await
    }

    /// One page of contacts, each with a preview of its newest note, and the total.
    /// Photos get signed URLs, all audited by one insert.
    pub async fn list(
        &self,
        user: UserId,
        query: ContactListQuery,
        meta: AccessMeta,
    ) -> Result<Page<ContactListItem>, AppError> {
        let photos = self.photos.clone();
        self.db
            .audited_read(user, move |conn| {
                async move {
                    let page = ContactsRepository::list(conn, user, &query).await?;
                    let (rows, last_notes): (Vec<_>, Vec<_>) = page.rows.into_iter().unzip();
                    let contacts = with_photos(conn, &photos, user, &meta, rows).await?;
                    let items = contacts
                        .into_iter()
                        .zip(last_notes)
                        .map(|(contact, last_note)| ContactListItem { contact, last_note })
                        .collect();
                    Ok(Page {
                        items,
                        pagination: PaginationMeta::new(query.page_request(), page.total),
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
        meta: AccessMeta,
    ) -> Result<Contact, AppError> {
        let changes = ContactChanges::from_input(input)?;
        let photos = self.photos.clone();
        self.db
            .tenant(user, move |conn| {
                async move {
                    let row = ContactsRepository::update(conn, user, id, &changes).await?;
                    let mut contact = with_photos(conn, &photos, user, &meta, vec![row]).await?;
                    contact.pop().ok_or_else(AppError::not_found)
                }
                .boxed()
            })
            .await
    }

    /// Deletes a contact and everything hanging off it; 404 when absent. Its stored files
    /// (photo, documents) are removed after the commit, unless a row still refers to them.
    pub async fn delete(&self, user: UserId, id: ContactId) -> Result<(), AppError> {
        let objects = self.objects.clone();
        let db = self.db.clone();
        run_to_completion(async move {
            let orphaned = db
                .tenant_retrying(user, move |conn| {
                    async move {
                        let paths = StoredObjects::of_contacts(conn, user, &[id]).await?;
                        ContactsRepository::delete(conn, user, id).await?;
                        StoredObjects::unreferenced_among(conn, user, paths).await
                    }
                    .boxed()
                })
                .await?;
            objects.remove_paths(user, &orphaned).await;
            Ok(())
        })
        .await
    }

    /// Deletes up to 100 contacts in one statement (so all or nothing). Ids that are not
    /// the user's are reported as `not_found` and never touched; a repeated id counts once.
    pub async fn bulk_delete(
        &self,
        user: UserId,
        input: BulkDeleteContacts,
    ) -> Result<BulkDeleteResult, AppError> {
        let ids = input.distinct_ids();
        let objects = self.objects.clone();
        let db = self.db.clone();
        run_to_completion(async move {
            let (result, orphaned) = db
                .tenant_retrying(user, move |conn| {
                    let ids = ids.clone();
                    async move {
                        let paths = StoredObjects::of_contacts(conn, user, &ids).await?;
                        let deleted = ContactsRepository::delete_many(conn, user, &ids).await?;
                        let deleted: std::collections::HashSet<ContactId> =
                            deleted.into_iter().collect();
                        let errors = ids
                            .iter()
                            .filter(|id| !deleted.contains(id))
                            .map(|id| BulkDeleteError {
                                id: *id,
                                code: "not_found".to_owned(),
                            })
                            .collect();
                        let orphaned = StoredObjects::unreferenced_among(conn, user, paths).await?;
                        Ok((
                            BulkDeleteResult {
                                deleted: deleted.len() as u64,
                                errors,
                            },
                            orphaned,
                        ))
                    }
                    .boxed()
                })
                .await?;
            objects.remove_paths(user, &orphaned).await;
            Ok(result)
        })
        .await
    }
}

/// Converts rows to contacts whose `photoUrl` is a signed URL (path and query; the API
/// makes it absolute). Every URL handed out is an access: one audit insert for all of them.
async fn with_photos(
    conn: &mut AsyncPgConnection,
    photos: &PhotoUrls,
    user: UserId,
    meta: &AccessMeta,
    rows: Vec<omnicrm_repo::contacts::ContactRow>,
) -> Result<Vec<Contact>, AppError> {
    let keys: Vec<(ContactId, String)> = rows
        .iter()
        .filter_map(|row| Some((ContactId::from(row.id), row.photo_url.clone()?)))
        .collect();
    let mut signed = if keys.is_empty() {
        Default::default()
    } else {
        photos.sign_for_view(conn, user, &keys, meta).await?
    };
    rows.into_iter()
        .map(|row| {
            let mut contact = Contact::try_from(row)?;
            contact.photo_url = signed.remove(&contact.id).map(|url| url.path_and_query);
            Ok(contact)
        })
        .collect()
}
