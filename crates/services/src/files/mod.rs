//! Client files and photos: uploads, listing, deletion, signed downloads and the photo
//! access log.
//!
//! Writes store the object first and record it in one tenant transaction afterwards; a
//! failed transaction deletes the object again, and objects of deleted rows are removed
//! only after the commit. The write path runs in its own task, so a client that hangs up
//! mid-request cannot cancel it between the object and the row. What remains is the
//! crash window (the process dies between the two steps): it leaves an unreferenced
//! object, never a row without its object, and an unreferenced object is never served
//! (see `docs/crm/files.md`).

mod photo_urls;
mod prepare;
mod voice;

use std::sync::Arc;

use futures_util::FutureExt;
use omnicrm_domain::entities::FileType;
use omnicrm_domain::files::{ClientFileView, FileListQuery, PhotoAccessLog, PhotoAccessLogQuery};
use omnicrm_domain::{ContactId, Page, PaginationMeta, UserId};
use omnicrm_integrations::{BlobStore, ObjectKey, SignedUrl, UrlSigner};
use omnicrm_problem::AppError;
use omnicrm_repo::files::{
    ClientFileRow, ClientFilesRepository, ContactPhotos, NewClientFileRow, PhotoAccessRepository,
};
use omnicrm_repo::stored_objects::StoredObjects;
use omnicrm_repo::{AsyncPgConnection, Db, TenantFuture};
use time::OffsetDateTime;
use uuid::Uuid;

pub use photo_urls::{AccessMeta, PhotoUrls};
pub use prepare::PreparedUpload;
pub use voice::{INBOX_AREA, VoiceAudio, VoiceCapture};

use crate::Adapters;
use crate::cursor;

/// Storage area (second key segment) of contact photos.
pub const PHOTO_AREA: &str = "photos";
/// Storage area of documents and forms.
pub const FILES_AREA: &str = "files";

/// A verified signed download, ready to serve.
#[derive(Debug, Clone)]
pub struct Download {
    /// The stored bytes.
    pub bytes: Vec<u8>,
    /// Media type of the bytes.
    pub content_type: &'static str,
    /// When the URL that asked for them expires.
    pub expires_at: OffsetDateTime,
}

impl Download {
    /// Whether browsers may show it inline (images); everything else is an attachment.
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }
}

/// Client files and photos of a practitioner's contacts.
#[derive(Debug, Clone)]
pub struct FilesService {
    db: Db,
    store: Arc<dyn BlobStore>,
    signer: UrlSigner,
    photo_urls: PhotoUrls,
    quota_bytes: u64,
}

/// Default of `OMNICRM_STORAGE_QUOTA_MB`.
pub const DEFAULT_STORAGE_QUOTA_MB: u64 = 1024;

impl FilesService {
    /// Composes the service over the database and the storage adapters.
    pub fn new(db: Db, adapters: &Adapters) -> Self {
        Self {
            db,
            store: adapters.store.clone(),
            signer: adapters.signer.clone(),
            photo_urls: PhotoUrls::new(adapters.signer.clone()),
            quota_bytes: DEFAULT_STORAGE_QUOTA_MB * 1024 * 1024,
        }
    }

    /// Sets the per-user storage quota (`OMNICRM_STORAGE_QUOTA_MB`).
    #[must_use]
    pub fn with_storage_quota(mut self, bytes: u64) -> Self {
        self.quota_bytes = bytes;
        self
    }

    /// 413 `quota_exceeded` when storing `incoming` more bytes would take `user`'s stored
    /// files (client files, photos, pending onboarding uploads) past the storage quota.
    /// Called with the declared size before a body is read and with the observed size
    /// before anything is decoded or stored.
    pub async fn check_quota(&self, user: UserId, incoming: u64) -> Result<(), AppError> {
        let used = self
            .db
            .tenant(user, move |conn| {
                async move { StoredObjects::usage_bytes(conn, user).await }.boxed()
            })
            .await?;
        let used = u64::try_from(used).unwrap_or(0);
        if used.saturating_add(incoming) > self.quota_bytes {
            return Err(AppError::storage_quota_exceeded(self.quota_bytes));
        }
        Ok(())
    }

    /// The audited photo signer, for other views that show contact photos.
    pub fn photo_urls(&self) -> &PhotoUrls {
        &self.photo_urls
    }

    /// Replaces the contact's photo with `bytes` (a photo type, prepared to fit
    /// [`omnicrm_domain::files::PHOTO_MAX_SIDE`]). The previous photo's row goes in the
    /// same transaction and its object after the commit. 404 for a foreign contact,
    /// 415 for anything that is not a decodable photo.
    pub async fn upload_photo(
        &self,
        user: UserId,
        contact: ContactId,
        bytes: Vec<u8>,
        meta: AccessMeta,
    ) -> Result<ClientFileView, AppError> {
        // Refuse foreign contacts before spending CPU on the image.
        self.require_contact(user, contact).await?;
        self.check_quota(user, bytes.len() as u64).await?;
        let prepared = prepare::prepare(bytes, true).await?;
        let key = ObjectKey::generate(user, PHOTO_AREA, prepared.ext)?;
        let row = NewClientFileRow::new(
            user,
            contact,
            FileType::Photo,
            key.as_str(),
            prepared.mime,
            prepared.bytes.len(),
        )?;
        let this = self.clone();
        run_to_completion(async move {
            let urls = this.photo_urls.clone();
            let (view, previous) = this
                .put_then_commit(user, &key, prepared.bytes, move |conn| {
                    async move {
                        omnicrm_repo::tenants::ensure(conn, user).await?;
                        let previous = ContactPhotos::lock_current(conn, user, contact).await?;
                        if let Some(previous) = &previous {
                            ClientFilesRepository::delete_by_path(conn, user, previous).await?;
                        }
                        ContactPhotos::set(conn, user, contact, Some(&row.file_path)).await?;
                        let stored = ClientFilesRepository::insert(conn, &row).await?;
                        let view = one(views(conn, &urls, user, vec![stored], &meta).await?)?;
                        Ok((view, previous))
                    }
                    .boxed()
                })
                .await?;
            if let Some(previous) = previous {
                this.remove_path(user, &previous).await;
            }
            Ok(view)
        })
        .await
    }

    /// Removes the contact's photo (row, `photo_url`, then the object); 404 when it has none.
    pub async fn delete_photo(&self, user: UserId, contact: ContactId) -> Result<(), AppError> {
        let this = self.clone();
        run_to_completion(async move {
            let previous = this
                .db
                .tenant(user, move |conn| {
                    async move {
                        let previous = ContactPhotos::lock_current(conn, user, contact)
                            .await?
                            .ok_or_else(AppError::not_found)?;
                        ContactPhotos::set(conn, user, contact, None).await?;
                        ClientFilesRepository::delete_by_path(conn, user, &previous).await?;
                        Ok(previous)
                    }
                    .boxed()
                })
                .await?;
            this.remove_path(user, &previous).await;
            Ok(())
        })
        .await
    }

    /// Stores a document or form for the contact. Any type [`omnicrm_integrations::sniff`]
    /// accepts; images are prepared like photos (metadata stripped, downscaled).
    pub async fn upload_file(
        &self,
        user: UserId,
        contact: ContactId,
        kind: FileType,
        bytes: Vec<u8>,
        meta: AccessMeta,
    ) -> Result<ClientFileView, AppError> {
        if kind == FileType::Photo {
            return Err(AppError::invalid_field(
                "/fileType",
                "one_of",
                "must be document or form (photos go to /contacts/{id}/photo)",
            ));
        }
        self.require_contact(user, contact).await?;
        self.check_quota(user, bytes.len() as u64).await?;
        let prepared = prepare::prepare(bytes, false).await?;
        let key = ObjectKey::generate(user, FILES_AREA, prepared.ext)?;
        let row = NewClientFileRow::new(
            user,
            contact,
            kind,
            key.as_str(),
            prepared.mime,
            prepared.bytes.len(),
        )?;
        let this = self.clone();
        run_to_completion(async move {
            let urls = this.photo_urls.clone();
            this.put_then_commit(user, &key, prepared.bytes, move |conn| {
                async move {
                    omnicrm_repo::tenants::ensure(conn, user).await?;
                    // Locks the contact so a concurrent delete cannot slip in before the
                    // insert (which would otherwise fail its foreign key as a 500).
                    ContactPhotos::lock_current(conn, user, contact).await?;
                    let stored = ClientFilesRepository::insert(conn, &row).await?;
                    one(views(conn, &urls, user, vec![stored], &meta).await?)
                }
                .boxed()
            })
            .await
        })
        .await
    }

    /// One page of the contact's files, newest first, each with a signed URL. Photos among
    /// them are audited (one `INSERT` for the page).
    pub async fn list(
        &self,
        user: UserId,
        contact: ContactId,
        query: FileListQuery,
        meta: AccessMeta,
    ) -> Result<Page<ClientFileView>, AppError> {
        let urls = self.photo_urls.clone();
        self.db
            .audited_read(user, move |conn| {
                async move {
                    if !ContactPhotos::contact_exists(conn, user, contact).await? {
                        return Err(AppError::not_found());
                    }
                    let kinds = &query.file_type;
                    let rows = ClientFilesRepository::list(
                        conn,
                        user,
                        contact,
                        kinds,
                        query.page_request(),
                    )
                    .await?;
                    let total = ClientFilesRepository::count(conn, user, contact, kinds).await?;
                    Ok(Page {
                        items: views(conn, &urls, user, rows, &meta).await?,
                        pagination: PaginationMeta::new(query.page_request(), total),
                    })
                }
                .boxed()
            })
            .await
    }

    /// One file of the contact with a fresh signed URL (audited when it is a photo).
    pub async fn get_file(
        &self,
        user: UserId,
        contact: ContactId,
        file: Uuid,
        meta: AccessMeta,
    ) -> Result<ClientFileView, AppError> {
        let urls = self.photo_urls.clone();
        self.db
            .audited_read(user, move |conn| {
                async move {
                    let row = ClientFilesRepository::find(conn, user, contact, file).await?;
                    one(views(conn, &urls, user, vec![row], &meta).await?)
                }
                .boxed()
            })
            .await
    }

    /// Deletes one file of the contact (clearing the contact's photo if it was that file),
    /// then its object; 404 when the file or the contact is not the user's.
    pub async fn delete_file(
        &self,
        user: UserId,
        contact: ContactId,
        file: Uuid,
    ) -> Result<(), AppError> {
        let this = self.clone();
        run_to_completion(async move {
            let path = this
                .db
                .tenant(user, move |conn| {
                    async move {
                        let photo = ContactPhotos::lock_current(conn, user, contact).await?;
                        let row = ClientFilesRepository::delete(conn, user, contact, file).await?;
                        if photo.as_deref() == Some(row.file_path.as_str()) {
                            ContactPhotos::set(conn, user, contact, None).await?;
                        }
                        Ok(row.file_path)
                    }
                    .boxed()
                })
                .await?;
            this.remove_path(user, &path).await;
            Ok(())
        })
        .await
    }

    /// The bytes behind a signed URL. Every refusal (bad key, bad or expired signature,
    /// object no longer referenced by its owner's rows, object missing) is the same 404.
    pub async fn download(&self, path: &str, exp: i64, sig: &str) -> Result<Download, AppError> {
        let key = ObjectKey::parse(path).map_err(|_| AppError::not_found())?;
        self.signer
            .verify(&key, exp, sig, OffsetDateTime::now_utc())
            .map_err(|err| {
                tracing::debug!(reason = %err, "signed URL refused");
                AppError::not_found()
            })?;
        let owner = key.owner();
        let lookup = key.as_str().to_owned();
        // The signature names the owner, so the reference check runs as that tenant.
        let referenced = self
            .db
            .tenant(owner, move |conn| {
                async move { ClientFilesRepository::reference(conn, owner, &lookup).await }.boxed()
            })
            .await?;
        if referenced.is_none() {
            return Err(AppError::not_found());
        }
        let Some(bytes) = self.store.get(&key).await? else {
            tracing::warn!(key = %key, "a referenced object is missing from storage");
            return Err(AppError::not_found());
        };
        Ok(Download {
            bytes,
            content_type: key.content_type(),
            expires_at: OffsetDateTime::from_unix_timestamp(exp)
                .map_err(|_| AppError::not_found())?,
        })
    }

    /// A fresh signed URL for `path`, only when it is the user's key AND one of their rows
    /// still refers to it (the original signed any path: its bug 11). Photos are audited.
    /// Anything else is 404.
    pub async fn sign_path(
        &self,
        user: UserId,
        path: &str,
        meta: AccessMeta,
    ) -> Result<SignedUrl, AppError> {
        let key = ObjectKey::parse(path)
            .ok()
            .filter(|k| k.owner() == user)
            .ok_or_else(AppError::not_found)?;
        let urls = self.photo_urls.clone();
        self.db
            .audited_read(user, move |conn| {
                async move {
                    let reference = ClientFilesRepository::reference(conn, user, key.as_str())
                        .await?
                        .ok_or_else(AppError::not_found)?;
                    if !reference.is_photo {
                        return Ok(urls.sign_unaudited(&key));
                    }
                    let photo = [(reference.contact, key.as_str().to_owned())];
                    urls.sign_for_view(conn, user, &photo, &meta)
                        .await?
                        .remove(&reference.contact)
                        .ok_or_else(|| AppError::internal("a verified photo key was not signed"))
                }
                .boxed()
            })
            .await
    }

    /// The contact's photo access log, newest first. The log outlives the contact: a
    /// deleted contact's log is still shown; a contact that never existed for the user
    /// (and has no log) is 404.
    pub async fn photo_access_log(
        &self,
        user: UserId,
        contact: ContactId,
        query: PhotoAccessLogQuery,
    ) -> Result<PhotoAccessLog, AppError> {
        let before = cursor::position(query.cursor.as_deref())?;
        let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
        self.db
            .tenant(user, move |conn| {
                async move {
                    let mut rows = PhotoAccessRepository::page(
                        conn,
                        user,
                        contact,
                        before,
                        i64::from(query.limit) + 1,
                    )
                    .await?;
                    if rows.is_empty()
                        && before.is_none()
                        && !ContactPhotos::contact_exists(conn, user, contact).await?
                    {
                        return Err(AppError::not_found());
                    }
                    let next_cursor = cursor::cut_page(&mut rows, limit, |r| (r.accessed_at, r.id));
                    Ok(PhotoAccessLog {
                        items: rows.into_iter().map(Into::into).collect(),
                        next_cursor,
                    })
                }
                .boxed()
            })
            .await
    }

    async fn require_contact(&self, user: UserId, contact: ContactId) -> Result<(), AppError> {
        let exists = self
            .db
            .tenant(user, move |conn| {
                async move { ContactPhotos::contact_exists(conn, user, contact).await }.boxed()
            })
            .await?;
        if exists {
            Ok(())
        } else {
            Err(AppError::not_found())
        }
    }

    /// Writes the object, then runs the recording transaction; when that fails the object
    /// is deleted again so no failed request leaves an orphan behind.
    async fn put_then_commit<T, F>(
        &self,
        user: UserId,
        key: &ObjectKey,
        bytes: Vec<u8>,
        record: F,
    ) -> Result<T, AppError>
    where
        T: Send,
        F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> TenantFuture<'c, T> + Send,
    {
        self.store.put(key, bytes).await?;
        match self.db.tenant(user, record).await {
            Ok(value) => Ok(value),
            Err(err) => {
                self.remove_object(key).await;
                Err(err)
            }
        }
    }

    /// Deletes the object at a path that was just unreferenced (paths that are not this
    /// user's keys, such as legacy values, have no object here).
    async fn remove_path(&self, user: UserId, path: &str) {
        match ObjectKey::parse(path) {
            Ok(key) if key.owner() == user => self.remove_object(&key).await,
            _ => tracing::debug!(path, "unreferenced path is not a local object key"),
        }
    }

    async fn remove_object(&self, key: &ObjectKey) {
        if let Err(err) = self.store.delete(key).await {
            // The row is gone (or never committed), so the object is never served again;
            // it only takes space until an orphan sweep removes it.
            tracing::warn!(key = %key, error = %err, "could not delete an unreferenced object");
        }
    }
}

/// Runs a write to completion in its own task: dropping the request future (the client
/// hung up) no longer cancels it between the object write and the transaction (or
/// between a commit and the removal of the objects it unreferenced). The request's row
/// condition (`If-Match`) goes along.
pub(crate) async fn run_to_completion<T: Send + 'static>(
    write: impl Future<Output = Result<T, AppError>> + Send + 'static,
) -> Result<T, AppError> {
    let write = omnicrm_repo::RowCondition::carried(write);
    // Run by a job handler, the write stays fenced by the job's lease in its own task.
    tokio::spawn(omnicrm_jobs::fence::scope_current(write))
        .await
        .map_err(AppError::internal)?
}

/// Removes stored objects whose rows are gone (after the commit that removed them).
#[derive(Debug, Clone)]
pub struct ObjectRemover {
    store: Arc<dyn BlobStore>,
}

impl ObjectRemover {
    /// Over the file store.
    pub fn new(store: Arc<dyn BlobStore>) -> Self {
        Self { store }
    }

    /// Deletes the objects at `paths` that are `user`'s keys. A failure is logged and
    /// left to the daily sweep: no row refers to the object any more, so it is never
    /// served.
    pub async fn remove_paths(&self, user: UserId, paths: &[String]) {
        for path in paths {
            match ObjectKey::parse(path) {
                Ok(key) if key.owner() == user => {
                    if let Err(err) = self.store.delete(&key).await {
                        tracing::warn!(key = %key, error = %err,
                            "could not delete an unreferenced object");
                    }
                }
                _ => tracing::debug!(path, "unreferenced path is not a local object key"),
            }
        }
    }
}

/// API views of file rows: signed URLs for all, one audit `INSERT` for the photos among them.
async fn views(
    conn: &mut AsyncPgConnection,
    urls: &PhotoUrls,
    user: UserId,
    rows: Vec<ClientFileRow>,
    meta: &AccessMeta,
) -> Result<Vec<ClientFileView>, AppError> {
    let kinds = rows
        .iter()
        .map(ClientFileRow::kind)
        .collect::<Result<Vec<_>, _>>()?;
    let photos: Vec<(ContactId, String)> = rows
        .iter()
        .zip(&kinds)
        .filter(|(_, kind)| **kind == FileType::Photo)
        .map(|(row, _)| (row.contact(), row.file_path.clone()))
        .collect();
    let mut photo_urls = urls.sign_each(conn, user, &photos, meta).await?.into_iter();
    let mut out = Vec::with_capacity(rows.len());
    for (row, kind) in rows.into_iter().zip(kinds) {
        // `photos` lists the photo rows in row order, so their URLs come back in that order.
        let signed = if kind == FileType::Photo {
            photo_urls.next().flatten()
        } else {
            sign_own(urls, user, &row.file_path)
        };
        out.push(ClientFileView {
            id: row.id,
            contact_id: row.contact(),
            file_type: kind,
            file_path: row.file_path,
            mime_type: row.mime_type,
            file_size: row.file_size,
            created_at: row.created_at,
            url: signed.as_ref().map(|s| s.path_and_query.clone()),
            expires_at: signed.map(|s| s.expires_at),
        });
    }
    Ok(out)
}

fn sign_own(urls: &PhotoUrls, user: UserId, path: &str) -> Option<SignedUrl> {
    ObjectKey::parse(path)
        .ok()
        .filter(|k| k.owner() == user)
        .map(|k| urls.sign_unaudited(&k))
}

fn one(mut views: Vec<ClientFileView>) -> Result<ClientFileView, AppError> {
    views
        .pop()
        .ok_or_else(|| AppError::internal("a stored file produced no view"))
}
