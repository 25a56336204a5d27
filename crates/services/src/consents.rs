//! Consents of a practitioner's clients: record, list, withdraw, current status.

use futures_util::FutureExt;
use omnicrm_domain::consents::{
    ConsentListQuery, ConsentRecord, ConsentStatus, CreateConsent, RequestOrigin,
};
use omnicrm_domain::entities::{ClientConsent, ConsentType};
use omnicrm_domain::{ContactId, Page, PaginationMeta, UserId};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::consents::ConsentsRepository;
use omnicrm_repo::contacts::ContactsRepository;
use uuid::Uuid;

/// The consent history of contacts. Every operation first checks that the contact is the
/// user's (404 otherwise, also for another user's contact).
#[derive(Debug, Clone)]
pub struct ConsentsService {
    db: Db,
}

impl ConsentsService {
    /// Wraps the database handle.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Records a consent decision made from `origin`.
    pub async fn create(
        &self,
        user: UserId,
        contact: ContactId,
        input: CreateConsent,
        origin: RequestOrigin,
    ) -> Result<ClientConsent, AppError> {
        let record = ConsentRecord::from_input(input, &origin);
        self.db
            .tenant(user, move |conn| {
                async move {
                    // Locked, as files and tags lock their parent: a delete racing this
                    // insert waits, or has already happened (404), never a failed FK check.
                    ContactsRepository::lock_for_child(conn, user, contact).await?;
                    ConsentsRepository::insert(conn, user, contact, &record).await
                }
                .boxed()
            })
            .await
    }

    /// One consent of the contact, or 404.
    pub async fn get(
        &self,
        user: UserId,
        contact: ContactId,
        consent_id: Uuid,
    ) -> Result<ClientConsent, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { ConsentsRepository::find(conn, user, contact, consent_id).await }
                    .boxed()
            })
            .await
    }

    /// A page of the contact's consent history, newest first.
    pub async fn list(
        &self,
        user: UserId,
        contact: ContactId,
        query: ConsentListQuery,
    ) -> Result<Page<ClientConsent>, AppError> {
        let page = query.page_request();
        self.db
            .tenant(user, move |conn| {
                async move {
                    ContactsRepository::find(conn, user, contact).await?;
                    let items = ConsentsRepository::list(conn, user, contact, page).await?;
                    let total = ConsentsRepository::count(conn, user, contact).await?;
                    Ok(Page {
                        items,
                        pagination: PaginationMeta::new(page, total),
                    })
                }
                .boxed()
            })
            .await
    }

    /// Withdraws the consent type of `consent_id`: appends a row with `granted = false`
    /// (same type and text version) and keeps the history. 409 when that type is not
    /// currently granted.
    pub async fn revoke(
        &self,
        user: UserId,
        contact: ContactId,
        consent_id: Uuid,
        origin: RequestOrigin,
    ) -> Result<ClientConsent, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    // Locked like create: the withdrawal row is an insert too.
                    ContactsRepository::lock_for_child(conn, user, contact).await?;
                    let target = ConsentsRepository::find(conn, user, contact, consent_id).await?;
                    let current =
                        ConsentsRepository::latest(conn, user, contact, target.consent_type)
                            .await?;
                    if !current.is_some_and(|c| c.granted) {
                        return Err(AppError::conflict(
                            "this consent type is not currently granted",
                        ));
                    }
                    let record = ConsentRecord {
                        consent_type: target.consent_type,
                        consent_text_version: target.consent_text_version,
                        granted: false,
                        signature_svg: None,
                        signature_image_url: None,
                        ip_address: origin.ip_address.clone(),
                        user_agent: origin.user_agent_trimmed(),
                    };
                    ConsentsRepository::insert(conn, user, contact, &record).await
                }
                .boxed()
            })
            .await
    }

    /// Whether the contact currently consents to `consent_type` (newest decision wins;
    /// no decision at all is "not granted").
    pub async fn status(
        &self,
        user: UserId,
        contact: ContactId,
        consent_type: ConsentType,
    ) -> Result<ConsentStatus, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    ContactsRepository::find(conn, user, contact).await?;
                    let latest =
                        ConsentsRepository::latest(conn, user, contact, consent_type).await?;
                    Ok(ConsentStatus {
                        contact_id: contact,
                        consent_type,
                        granted: latest.as_ref().is_some_and(|c| c.granted),
                        granted_at: latest.as_ref().map(|c| c.granted_at),
                        version: latest.map(|c| c.consent_text_version),
                    })
                }
                .boxed()
            })
            .await
    }
}
