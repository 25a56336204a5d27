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
use omnicrm_domain::contacts::{ContactHistoryKind, CreateContact};
use omnicrm_domain::entities::{FileType, OnboardingToken};
use omnicrm_domain::onboarding::{
    CreateOnboardingToken, MAX_PENDING_UPLOADS_PER_REMAINING_USE, MAX_PENDING_UPLOADS_PER_VISITOR,
    OnboardingClient, OnboardingSubmit, OnboardingSubmitted, OnboardingTokenCreated,
    OnboardingTokenInfo, OnboardingTokenListQuery, PHOTO_MAX_SIDE, PhotoUploaded, PractitionerInfo,
    PublicTokenStatus, TrackAction,
};
use omnicrm_domain::{ContactId, OnboardingTokenId, Page, PaginationMeta, UserId};
use omnicrm_integrations::{BlobStore, ImageError, ObjectKey, sniff};
use omnicrm_problem::{AppError, ErrorCode};
use omnicrm_repo::consents::ConsentsRepository;
use omnicrm_repo::contacts::{ContactDuplicatesRepository, ContactsRepository, NewContactRow};
use omnicrm_repo::files::{ClientFilesRepository, ContactPhotos, NewClientFileRow};
use omnicrm_repo::onboarding::{
    NewOnboardingTokenRow, NewUploadRow, OnboardingRepository, PendingUploads, TokenCounter,
    TokenRef,
};
use omnicrm_repo::stored_objects::StoredObjects;
use omnicrm_repo::{AsyncPgConnection, Db};

use crate::phone::PhoneRegion;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::contacts::duplicates::find_all;
use crate::image_decodes::prepare_photo_in_pool;
use crate::onboarding_tokens::{generate_token, hash_token, public_link, token_fingerprint};

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
    region: PhoneRegion,
    quota_bytes: u64,
}

impl OnboardingService {
    /// Wraps the database handle and the file store; `region` reads phone numbers without
    /// a country code when a submission is compared with existing contacts.
    pub fn new(db: Db, store: Arc<dyn BlobStore>, region: PhoneRegion) -> Self {
        Self {
            db,
            store,
            region,
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
    /// `visitor` is the client's rate-limit identity (its address, an IPv6 client's /64):
    /// the pending photos of one link are capped per visitor and, more loosely, per link.
    pub async fn upload_photo(
        &self,
        token: &str,
        visitor: &str,
        bytes: Vec<u8>,
    ) -> Result<PhotoUploaded, AppError> {
        let found = self.resolve(token).await?;
        let visitor = token_fingerprint(visitor);
        // Every cap before the expensive decode (the pending cap again, locked, at insert).
        let checked = visitor.clone();
        self.db
            .tenant(found.user, move |conn| {
                let visitor = checked.clone();
                async move { ensure_pending_room(conn, found, false, &visitor).await }.boxed()
            })
            .await?;
        // The upload counts against the practitioner's storage quota (before the decode).
        check_quota(&self.db, found.user, bytes.len() as u64, self.quota_bytes).await?;
        if !sniff(&bytes).is_some_and(|kind| kind.is_photo()) {
            return Err(unsupported_photo());
        }
        let original_size = size_i32(bytes.len())?;
        let prepared = prepare_photo_in_pool(bytes, PHOTO_MAX_SIDE)
            .await?
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
            visitor: Some(visitor),
        };
        let recorded = self
            .db
            .tenant(found.user, move |conn| {
                async move {
                    // Locked: concurrent uploads of one link count one after another.
                    let visitor = row.visitor.as_deref().unwrap_or_default();
                    ensure_pending_room(conn, found, true, visitor).await?;
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
    /// create a new contact (never touching an existing one), mark it as a possible
    /// duplicate of the practitioner's contacts with the same email or phone, attach the
    /// photo uploaded with this token, record the consent and the submission in the new
    /// contact's history, count the use. Any failure leaves nothing behind.
    ///
    /// The answer and the work are the same whether or not the email or phone is known:
    /// the same statements run (the marks are one insert over a possibly empty list), and
    /// the id answered is always the new contact's, so the form reveals nothing about the
    /// practitioner's contacts.
    pub async fn submit(
        &self,
        input: OnboardingSubmit,
        origin: RequestOrigin,
    ) -> Result<OnboardingSubmitted, AppError> {
        let found = self.resolve(&input.token).await?;
        let user = found.user;
        let region = self.region;
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
        let row = new_contact_row(user, input.client)?;
        let contact = ContactId::from(row.id);
        self.db
            .tenant(user, move |conn| {
                async move {
                    active_token(conn, found, true).await?;
                    // Before the match: a concurrent submission or create of the same
                    // person waits here and then sees this one's contact.
                    omnicrm_repo::tenants::lock_for_contact_insert(conn, user).await?;
                    let matches = find_all(
                        conn,
                        user,
                        region,
                        row.primary_email.as_deref(),
                        row.primary_phone.as_deref(),
                    )
                    .await?;
                    ContactsRepository::insert(conn, &row).await?;
                    ContactDuplicatesRepository::mark(conn, user, contact, &matches).await?;
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
                        ClientFilesRepository::insert(conn, &file).await?;
                        ContactPhotos::set(conn, user, contact, Some(&upload.object_key)).await?;
                    }
                    ConsentsRepository::insert(conn, user, contact, &consent).await?;
                    ContactDuplicatesRepository::record(
                        conn,
                        user,
                        contact,
                        ContactHistoryKind::OnboardingSubmission,
                        &serde_json::json!({ "tokenId": found.token_id }),
                    )
                    .await?;
                    OnboardingRepository::record_submission(conn, user, found.token_id).await?;
                    Ok(())
                }
                .boxed()
            })
            .await?;
        Ok(OnboardingSubmitted {
            contact_id: contact,
        })
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

/// The contact a submission creates (`source = onboarding`, stage `New Client`).
fn new_contact_row(user: UserId, client: OnboardingClient) -> Result<NewContactRow, AppError> {
    NewContactRow::from_input(
        user,
        ContactId::generate(),
        CreateContact {
            display_name: client.display_name,
            primary_email: Some(client.primary_email.trim().to_owned()),
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
    )
}

/// 409 when the visitor already has its share of photos waiting for this link, or the link
/// has as many waiting as its remaining submissions can use.
fn check_pending_uploads(token: &OnboardingToken, pending: PendingUploads) -> Result<(), AppError> {
    if pending.visitor >= MAX_PENDING_UPLOADS_PER_VISITOR {
        return Err(AppError::conflict(format!(
            "at most {MAX_PENDING_UPLOADS_PER_VISITOR} photos from one visitor can wait for this link's submission"
        )));
    }
    let remaining = i64::from(token.remaining_uses()).max(1);
    if pending.total >= remaining.saturating_mul(MAX_PENDING_UPLOADS_PER_REMAINING_USE) {
        return Err(AppError::conflict(
            "this link has as many photos waiting as its remaining submissions can use",
        ));
    }
    Ok(())
}

/// 409 when the visitor or the link has its most photos waiting for a submission (the
/// token row locked when `lock`, as at insert, so concurrent uploads count one by one).
async fn ensure_pending_room(
    conn: &mut AsyncPgConnection,
    found: TokenRef,
    lock: bool,
    visitor: &str,
) -> Result<(), AppError> {
    let token = active_token(conn, found, lock).await?;
    let pending =
        OnboardingRepository::count_pending_uploads(conn, found.user, found.token_id, visitor)
            .await?;
    check_pending_uploads(&token, pending)
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
