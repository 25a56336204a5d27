//! Contacts use cases.

pub(crate) mod duplicates;
mod import;
mod import_job;
mod merge;
mod suggestions;

pub use import::{ContactImporter, IMPORT_SOURCE, ImportOptions, ImportProgress, import_rows};
pub use import_job::{IMPORT_DEADLINE, run_import};

use futures_util::FutureExt;
use omnicrm_domain::bulk::{BulkDeleted, BulkItemError};
use omnicrm_domain::contacts::{
    BulkDeleteContacts, BulkDeleteResult, Contact, ContactDetail, ContactHistoryKind,
    ContactListItem, ContactListQuery, CreateContact, DuplicateListQuery, DuplicatePair,
    MergeContacts, UpdateContact,
};
use omnicrm_domain::{ContactId, Page, PaginationMeta, UserId};
use omnicrm_problem::AppError;
use omnicrm_repo::contacts::{
    ContactChanges, ContactDetailRepository, ContactDuplicatesRepository, ContactMergeRepository,
    ContactsRepository, NewContactRow,
};
use omnicrm_repo::files::ContactPhotos;
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

    /// One contact with its 5 newest notes, tags, identities, current consents, possible
    /// duplicates and history; 404 when it is not the user's. The reads are pipelined.
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
                    let ((row, notes, tags, identities, consents), (possible_duplicates, history)) =
                        futures_util::future::try_join(
                            futures_util::future::try_join5(
                                ContactsRepository::find_pipelined(shared, user, id),
                                ContactDetailRepository::latest_notes(shared, user, id),
                                ContactDetailRepository::tags(shared, user, id),
                                ContactDetailRepository::identities(shared, user, id),
                                ContactDetailRepository::consents(shared, user, id),
                            ),
                            futures_util::future::try_join(
                                ContactDuplicatesRepository::for_contact(shared, user, id),
                                ContactDuplicatesRepository::history(shared, user, id),
                            ),
                        )
                        .await?;
                    let mut contact = with_photos(conn, &photos, user, &meta, vec![row]).await?;
                    Ok(ContactDetail {
                        contact: contact.pop().ok_or_else(AppError::not_found)?,
                        notes,
                        tags,
                        identities,
                        consents,
                        possible_duplicates,
                        history,
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
                    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
                    let mut tags = ContactDetailRepository::tags_of_many(conn, user, &ids).await?;
                    let contacts = with_photos(conn, &photos, user, &meta, rows).await?;
                    let items = contacts
                        .into_iter()
                        .zip(last_notes)
                        .map(|(contact, last_note)| ContactListItem {
                            tags: tags.remove(&contact.id.into_uuid()).unwrap_or_default(),
                            contact,
                            last_note,
                        })
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

    /// A page of the user's possible-duplicate marks, newest first.
    pub async fn list_duplicates(
        &self,
        user: UserId,
        query: DuplicateListQuery,
    ) -> Result<Page<DuplicatePair>, AppError> {
        let page = query.page_request();
        let (items, total) = self
            .db
            .tenant(user, move |conn| {
                async move {
                    let items = ContactDuplicatesRepository::page(conn, user, page).await?;
                    let total = ContactDuplicatesRepository::count(conn, user).await?;
                    Ok((items, total))
                }
                .boxed()
            })
            .await?;
        Ok(Page {
            items,
            pagination: PaginationMeta::new(page, total),
        })
    }

    /// "Not a duplicate": removes the mark between two of the user's contacts, whichever
    /// way round it was made; 404 when there is none.
    pub async fn dismiss_duplicate(
        &self,
        user: UserId,
        id: ContactId,
        other: ContactId,
    ) -> Result<(), AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    if ContactDuplicatesRepository::dismiss(conn, user, id, other).await? {
                        Ok(())
                    } else {
                        Err(AppError::not_found()
                            .with_detail("these contacts are not marked as possible duplicates"))
                    }
                }
                .boxed()
            })
            .await
    }

    /// Merges `input.duplicate_id` into `survivor` in one transaction: both are locked,
    /// every row pointing at the duplicate moves to the survivor, the survivor's empty
    /// fields are filled from the duplicate (set ones change only where `prefer` names the
    /// duplicate), the merge is recorded in the survivor's history and the duplicate is
    /// deleted. 404 unless both are the user's; 400 for a contact merged into itself.
    pub async fn merge(
        &self,
        user: UserId,
        survivor: ContactId,
        input: MergeContacts,
        meta: AccessMeta,
    ) -> Result<Contact, AppError> {
        let duplicate = input.duplicate_id;
        if duplicate == survivor {
            return Err(AppError::invalid_field(
                "/duplicateId",
                "same_contact",
                "a contact cannot be merged into itself",
            ));
        }
        let prefer = input.prefer;
        let photos = self.photos.clone();
        self.db
            .tenant_retrying(user, move |conn| {
                let meta = meta.clone();
                let photos = photos.clone();
                async move {
                    // The tenant row first, as every contact insert takes it: a concurrent
                    // onboarding submission (tenant row, then a key-share lock on the
                    // contact it marks) would otherwise deadlock with this merge.
                    omnicrm_repo::tenants::lock_for_contact_insert(conn, user).await?;
                    let (survivor_row, duplicate_row) =
                        ContactMergeRepository::lock_pair(conn, user, survivor, duplicate)
                            .await?
                            .ok_or_else(AppError::not_found)?;
                    let fields = merge::merged_fields(&survivor_row, &duplicate_row, &prefer)?;
                    ContactMergeRepository::move_children(conn, user, duplicate, survivor).await?;
                    let detail = serde_json::json!({
                        "mergedContactId": duplicate,
                        "mergedDisplayName": duplicate_row.display_name,
                        "fieldsTaken": fields.taken,
                    });
                    ContactDuplicatesRepository::record(
                        conn,
                        user,
                        survivor,
                        ContactHistoryKind::Merge,
                        &detail,
                    )
                    .await?;
                    // The duplicate goes first: its photo key then belongs to one contact.
                    ContactsRepository::delete(conn, user, duplicate).await?;
                    if let Some(photo) = &fields.photo {
                        ContactPhotos::set(conn, user, survivor, Some(photo)).await?;
                    }
                    let row =
                        ContactsRepository::update(conn, user, survivor, &fields.changes).await?;
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
                            .map(|id| BulkItemError::not_found(*id))
                            .collect();
                        let orphaned = StoredObjects::unreferenced_among(conn, user, paths).await?;
                        Ok((
                            BulkDeleted {
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
