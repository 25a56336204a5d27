//! Onboarding links: the practitioner's token administration and the public flow (link
//! status, page tracking, photo upload, form submission).
//!
//! The public side knows only a token. It finds the tenant through the `SECURITY DEFINER`
//! lookup (`sha256(token)` → owner and token id), then works in the owner's ordinary
//! tenant transaction. Unknown, expired, disabled and used-up tokens all answer the same
//! 404, so the answer says nothing about which it was.

use std::sync::Arc;

use futures_util::FutureExt;
use omnicrm_domain::consents::{ConsentRecord, RequestOrigin};
use omnicrm_domain::contacts::{CreateContact, UpdateContact};
use omnicrm_domain::entities::{FileType, OnboardingToken};
use omnicrm_domain::onboarding::{
    CreateOnboardingToken, MAX_PENDING_UPLOADS_PER_TOKEN, OnboardingClient, OnboardingSubmit,
    OnboardingSubmitted, OnboardingTokenCreated, OnboardingTokenInfo, OnboardingTokenListQuery,
    PHOTO_MAX_SIDE, PhotoUploaded, PractitionerInfo, PublicTokenStatus, TrackAction,
};
use omnicrm_domain::{ContactId, OnboardingTokenId, Page, PaginationMeta, UserId};
use omnicrm_integrations::{BlobStore, ImageError, ObjectKey, prepare_photo, sniff};
use omnicrm_problem::{AppError, ErrorCode};
use omnicrm_repo::consents::ConsentsRepository;
use omnicrm_repo::contacts::{ContactChanges, ContactsRepository, NewContactRow};
use omnicrm_repo::files::{ClientFilesRepository, ContactPhotos, NewClientFileRow};
use omnicrm_repo::onboarding::{
    NewOnboardingTokenRow, NewUploadRow, OnboardingRepository, TokenCounter, TokenRef,
};
use omnicrm_repo::stored_objects::StoredObjects;
use omnicrm_repo::{AsyncPgConnection, Db};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::onboarding_tokens::{generate_token, hash_token, public_link};

/// Storage area of onboarding photos: `<owner>/onboarding/<uuid>.jpg`.
pub const PHOTO_AREA: &str = "onboarding";
/// `source` of contacts created by the form.
pub const CONTACT_SOURCE: &str = "onboarding";
/// `lifecycleStage` of contacts created by the form.
pub const NEW_CLIENT_STAGE: &str = "New Client";

/// The one answer for every link that cannot be used.
pub fn invalid_link() -> AppError {
    AppError::not_found().with_detail("this onboarding link does not exist or is no longer valid")
}

/// Onboarding links and the public form.
#[derive(Debug, Clone)]
pub struct OnboardingService {
    db: Db,
    store: Arc<dyn BlobStore>,
    quota_bytes: u64,
}

impl OnboardingService {
    /// Wraps the database handle and the file store.
    pub fn new(db: Db, store: Arc<dyn BlobStore>) -> Self {
        Self {
            db,
            store,
            quota_bytes: crate::files::DEFAULT_STORAGE_QUOTA_MB * 1024 * 1024,
        }
    }

    /// Sets the practitioner's storage quota (`OMNICRM_STORAGE_QUOTA_MB`), which uploads
    /// through their links count against.
    #[must_use]
    pub fn with_storage_quota(mut self, bytes: u64) -> Self {
        self.quota_bytes = bytes;
        self
    }

    /// Creates a link valid for `hoursValid` hours; the token is in the answer and
    /// nowhere else (only its SHA-256 is stored). `public_url` is the server's base URL.
    pub async fn create_token(
        &self,
        user: UserId,
        input: CreateOnboardingToken,
        public_url: &str,
    ) -> Result<OnboardingTokenCreated, AppError> {
        let token = generate_token()?;
        let row = NewOnboardingTokenRow {
            user_id: user.into_uuid(),
            id: OnboardingTokenId::generate().into_uuid(),
            token_hash: hash_token(&token).to_vec(),
            label: input.label.map(|l| l.trim().to_owned()),
            expires_at: OffsetDateTime::now_utc() + Duration::hours(i64::from(input.hours_valid)),
            max_uses: i32::try_from(input.max_uses).unwrap_or(1),
            created_by: user.into_uuid(),
        };
        let stored = self
            .db
            .tenant(user, move |conn| {
                async move {
                    omnicrm_repo::tenants::ensure(conn, user).await?;
                    OnboardingRepository::insert_token(conn, &row).await
                }
                .boxed()
            })
            .await?;
        Ok(OnboardingTokenCreated {
            id: stored.id.into(),
            public_url: public_link(public_url, &token),
            token,
            expires_at: stored.expires_at,
            label: stored.label,
            max_uses: stored.max_uses,
        })
    }

    /// A page of the user's links, newest first.
    pub async fn list_tokens(
        &self,
        user: UserId,
        query: OnboardingTokenListQuery,
    ) -> Result<Page<OnboardingTokenInfo>, AppError> {
        let page = query.page_request();
        let (rows, total) = self
            .db
            .tenant(user, move |conn| {
                async move {
                    let rows = OnboardingRepository::list_tokens(conn, user, page).await?;
                    let total = OnboardingRepository::count_tokens(conn, user).await?;
                    Ok((rows, total))
                }
                .boxed()
            })
            .await?;
        let now = OffsetDateTime::now_utc();
        Ok(Page {
            items: rows
                .into_iter()
                .map(|r| OnboardingTokenInfo::new(r.into(), now))
                .collect(),
            pagination: PaginationMeta::new(page, total),
        })
    }

    /// One link, or 404.
    pub async fn get_token(
        &self,
        user: UserId,
        id: OnboardingTokenId,
    ) -> Result<OnboardingTokenInfo, AppError> {
        let row = self
            .db
            .tenant(user, move |conn| {
                async move { OnboardingRepository::find_token(conn, user, id).await }.boxed()
            })
            .await?;
        Ok(OnboardingTokenInfo::new(
            row.into(),
            OffsetDateTime::now_utc(),
        ))
    }

    /// Switches a link off for good (idempotent); 404 when absent.
    pub async fn disable_token(
        &self,
        user: UserId,
        id: OnboardingTokenId,
    ) -> Result<OnboardingTokenInfo, AppError> {
        let row = self
            .db
            .tenant(user, move |conn| {
                async move { OnboardingRepository::disable_token(conn, user, id).await }.boxed()
            })
            .await?;
        Ok(OnboardingTokenInfo::new(
            row.into(),
            OffsetDateTime::now_utc(),
        ))
    }

    /// Deletes a link and the photos uploaded with it that no submission attached.
    pub async fn delete_token(&self, user: UserId, id: OnboardingTokenId) -> Result<(), AppError> {
        let orphans = self
            .db
            .tenant(user, move |conn| {
                async move {
                    let keys = OnboardingRepository::pending_upload_keys(conn, user, id).await?;
                    OnboardingRepository::delete_token(conn, user, id).await?;
                    Ok(keys)
                }
                .boxed()
            })
            .await?;
        for key in orphans {
            self.remove_object(&key).await;
        }
        Ok(())
    }

    /// What the public page shows about a usable link; 404 otherwise.
    pub async fn public_status(&self, token: &str) -> Result<PublicTokenStatus, AppError> {
        let found = self.resolve(token).await?;
        let user = found.user;
        self.db
            .tenant(user, move |conn| {
                async move {
                    let token = active_token(conn, found, false).await?;
                    let practitioner = OnboardingRepository::practitioner(conn, user)
                        .await?
                        .map(|(name, organization)| PractitionerInfo { name, organization });
                    Ok(PublicTokenStatus {
                        valid: true,
                        expires_at: token.expires_at,
                        label: token.label,
                        practitioner,
                    })
                }
                .boxed()
            })
            .await
    }

    /// Records a page view (`access_count`, `last_accessed_at`) or a form start
    /// (`form_started_count`) of a usable link; 404 otherwise.
    pub async fn track_access(&self, token: &str, action: TrackAction) -> Result<(), AppError> {
        let found = self.resolve(token).await?;
        let counter = match action {
            TrackAction::PageView => TokenCounter::Access,
            TrackAction::FormStart => TokenCounter::FormStarted,
        };
        self.db
            .tenant(found.user, move |conn| {
                async move {
                    active_token(conn, found, false).await?;
                    OnboardingRepository::bump_counter(conn, found.user, found.token_id, counter)
                        .await
                }
                .boxed()
            })
            .await
    }

    /// Stores a photo uploaded through a usable link: the type comes from the bytes (415
    /// otherwise), the image is re-encoded without metadata, and the stored object is
    /// bound to the token so only a submission with the same token can attach it.
    pub async fn upload_photo(
        &self,
        token: &str,
        bytes: Vec<u8>,
    ) -> Result<PhotoUploaded, AppError> {
        let found = self.resolve(token).await?;
        // Cheap check before the expensive decode.
        self.db
            .tenant(found.user, move |conn| {
                async move { active_token(conn, found, false).await.map(drop) }.boxed()
            })
            .await?;
        // The upload counts against the practitioner's storage quota (before the decode).
        check_quota(&self.db, found.user, bytes.len() as u64, self.quota_bytes).await?;
        if !sniff(&bytes).is_some_and(|kind| kind.is_photo()) {
            return Err(unsupported_photo());
        }
        let original_size = size_i32(bytes.len())?;
        let prepared = tokio::task::spawn_blocking(move || prepare_photo(&bytes, PHOTO_MAX_SIDE))
            .await
            .map_err(AppError::internal)?
            .map_err(|err| match err {
                ImageError::Unsupported | ImageError::Undecodable(_) => {
                    unsupported_photo().with_source(err)
                }
                ImageError::Encode(_) => AppError::internal(err),
            })?;
        let file_size = size_i32(prepared.bytes.len())?;
        let key = ObjectKey::generate(found.user, PHOTO_AREA, prepared.ext)?;
        self.store.put(&key, prepared.bytes).await?;
        let row = NewUploadRow {
            user_id: found.user.into_uuid(),
            id: Uuid::now_v7(),
            token_id: found.token_id.into_uuid(),
            object_key: key.as_str().to_owned(),
            mime_type: prepared.mime.to_owned(),
            file_size,
            original_size,
        };
        let recorded = self
            .db
            .tenant(found.user, move |conn| {
                async move {
                    // Locked: concurrent uploads of one link count one after another.
                    active_token(conn, found, true).await?;
                    let pending =
                        OnboardingRepository::count_pending_uploads(conn, found.user, found.token_id)
                            .await?;
                    if pending >= MAX_PENDING_UPLOADS_PER_TOKEN {
                        return Err(AppError::conflict(format!(
                            "at most {MAX_PENDING_UPLOADS_PER_TOKEN} photos can wait for this link's submission"
                        )));
                    }
                    OnboardingRepository::insert_upload(conn, &row).await
                }
                .boxed()
            })
            .await;
        match recorded {
            Ok(row) => Ok(PhotoUploaded {
                file_path: row.object_key,
                file_size: row.file_size,
                original_size: row.original_size,
            }),
            Err(err) => {
                self.remove_object(key.as_str()).await;
                Err(err)
            }
        }
    }

    /// Submits the public form in one tenant transaction: lock the token and re-check it,
    /// create the contact (or update the practitioner's contact with this email), attach
    /// the photo uploaded with this token, record the consent, count the use. Any failure
    /// leaves nothing behind.
    pub async fn submit(
        &self,
        input: OnboardingSubmit,
        origin: RequestOrigin,
    ) -> Result<OnboardingSubmitted, AppError> {
        let found = self.resolve(&input.token).await?;
        let user = found.user;
        let consent = ConsentRecord {
            consent_type: input.consent.consent_type,
            consent_text_version: input.consent.consent_text_version.trim().to_owned(),
            granted: input.consent.granted,
            signature_svg: input.consent.signature_svg,
            signature_image_url: input.consent.signature_image_url,
            ip_address: origin.ip_address.clone(),
            user_agent: origin.user_agent_trimmed(),
        };
        let photo_path = input.photo_path;
        let client = input.client;
        let (contact_id, replaced_photo) = self
            .db
            .tenant(user, move |conn| {
                async move {
                    active_token(conn, found, true).await?;
                    let contact = upsert_contact(conn, user, client).await?;
                    let mut replaced_photo = None;
                    if let Some(path) = photo_path {
                        let upload = OnboardingRepository::take_upload(
                            conn,
                            user,
                            found.token_id,
                            path.trim(),
                        )
                        .await?
                        .ok_or_else(|| {
                            AppError::invalid_field(
                                "/photoPath",
                                "unknown_upload",
                                "not a photo uploaded with this onboarding link",
                            )
                        })?;
                        let file = NewClientFileRow::new(
                            user,
                            contact,
                            FileType::Photo,
                            &upload.object_key,
                            &upload.mime_type,
                            usize::try_from(upload.file_size).map_err(AppError::internal)?,
                        )?;
                        // An existing contact's earlier photo is replaced, as by the photo
                        // route: its row goes now, its object after the commit.
                        replaced_photo = ContactPhotos::lock_current(conn, user, contact).await?;
                        if let Some(previous) = &replaced_photo {
                            ClientFilesRepository::delete_by_path(conn, user, previous).await?;
                        }
                        ClientFilesRepository::insert(conn, &file).await?;
                        ContactPhotos::set(conn, user, contact, Some(&upload.object_key)).await?;
                    }
                    ConsentsRepository::insert(conn, user, contact, &consent).await?;
                    OnboardingRepository::record_submission(conn, user, found.token_id).await?;
                    Ok((contact, replaced_photo))
                }
                .boxed()
            })
            .await?;
        if let Some(key) = replaced_photo.and_then(|path| ObjectKey::parse(&path).ok())
            && let Err(err) = self.store.delete(&key).await
        {
            tracing::warn!(error = %err, key = %key, "could not delete a replaced photo");
        }
        Ok(OnboardingSubmitted { contact_id })
    }

    /// The token's tenant and id, or the uniform 404.
    async fn resolve(&self, token: &str) -> Result<TokenRef, AppError> {
        if token.is_empty() || token.len() > 200 {
            return Err(invalid_link());
        }
        let hash = hash_token(token);
        self.db
            .unscoped(move |conn| {
                async move { OnboardingRepository::lookup(conn, &hash).await }.boxed()
            })
            .await?
            .ok_or_else(invalid_link)
    }

    async fn remove_object(&self, key: &str) {
        let removed = match ObjectKey::parse(key) {
            Ok(key) => self.store.delete(&key).await.map_err(AppError::from),
            Err(err) => Err(AppError::from(err)),
        };
        if let Err(err) = removed {
            tracing::warn!(error = %err, "could not remove an onboarding photo");
        }
    }
}

/// The token row if it is usable now (optionally locked `FOR UPDATE`), else the 404.
async fn active_token(
    conn: &mut AsyncPgConnection,
    found: TokenRef,
    lock: bool,
) -> Result<OnboardingToken, AppError> {
    let row = if lock {
        OnboardingRepository::lock_token(conn, found.user, found.token_id).await
    } else {
        OnboardingRepository::find_token(conn, found.user, found.token_id).await
    };
    let token: OnboardingToken = match row {
        Ok(row) => row.into(),
        Err(err) if err.code() == ErrorCode::NotFound => return Err(invalid_link()),
        Err(err) => return Err(err),
    };
    if !token.is_active(OffsetDateTime::now_utc()) {
        return Err(invalid_link());
    }
    Ok(token)
}

/// Creates the contact, or updates the practitioner's oldest contact with this email
/// (case-insensitive): only the fields the form filled in overwrite stored values.
async fn upsert_contact(
    conn: &mut AsyncPgConnection,
    user: UserId,
    client: OnboardingClient,
) -> Result<ContactId, AppError> {
    let email = client.primary_email.trim().to_owned();
    // Two submissions with this email (or a create of it) wait here for each other.
    omnicrm_repo::tenants::lock_for_contact_insert(conn, user).await?;
    if let Some(existing) = OnboardingRepository::find_contact_by_email(conn, user, &email).await? {
        let changes = ContactChanges::from_input(UpdateContact {
            display_name: Some(Some(client.display_name)),
            primary_phone: client.primary_phone.map(Some),
            date_of_birth: client.date_of_birth.map(Some),
            emergency_contact_name: client.emergency_contact_name.map(Some),
            emergency_contact_phone: client.emergency_contact_phone.map(Some),
            referral_source: client.referral_source.map(Some),
            address: client.address.map(Some),
            health_context: client.health_context.map(Some),
            preferences: client.preferences.map(Some),
            ..UpdateContact::default()
        })?;
        ContactsRepository::update(conn, user, existing, &changes).await?;
        return Ok(existing);
    }
    let id = ContactId::generate();
    let row = NewContactRow::from_input(
        user,
        id,
        CreateContact {
            display_name: client.display_name,
            primary_email: Some(email),
            primary_phone: client.primary_phone,
            source: Some(CONTACT_SOURCE.to_owned()),
            lifecycle_stage: Some(NEW_CLIENT_STAGE.to_owned()),
            referral_source: client.referral_source,
            date_of_birth: client.date_of_birth,
            emergency_contact_name: client.emergency_contact_name,
            emergency_contact_phone: client.emergency_contact_phone,
            address: client.address,
            health_context: client.health_context,
            preferences: client.preferences,
            ..CreateContact::default()
        },
    )?;
    ContactsRepository::insert(conn, &row).await?;
    Ok(id)
}

fn unsupported_photo() -> AppError {
    AppError::new(ErrorCode::UnsupportedMediaType)
        .with_detail("the file is not a JPEG, PNG, WebP or GIF image that can be decoded")
}

fn size_i32(len: usize) -> Result<i32, AppError> {
    i32::try_from(len).map_err(AppError::internal)
}

/// 413 `quota_exceeded` when `incoming` more bytes would take `user`'s stored files past
/// `quota` (as `FilesService::check_quota`).
async fn check_quota(db: &Db, user: UserId, incoming: u64, quota: u64) -> Result<(), AppError> {
    let used = db
        .tenant(user, move |conn| {
            async move { StoredObjects::usage_bytes(conn, user).await }.boxed()
        })
        .await?;
    if u64::try_from(used).unwrap_or(0).saturating_add(incoming) > quota {
        return Err(AppError::storage_quota_exceeded(quota));
    }
    Ok(())
}
