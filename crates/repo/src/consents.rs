//! `client_consents`: the consent history of contacts. One insert function serves the
//! practitioner's API and the public onboarding submission alike.

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::consents::ConsentRecord;
use omnicrm_domain::entities::{ClientConsent, ConsentType};
use omnicrm_domain::{ContactId, PageRequest, UserId};
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::schema::client_consents;

/// A `client_consents` row as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = client_consents, check_for_backend(diesel::pg::Pg))]
#[allow(missing_docs, reason = "the fields are the table's columns one to one")]
pub struct ConsentRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub contact_id: Uuid,
    pub consent_type: String,
    pub consent_text_version: String,
    pub granted: bool,
    pub granted_at: OffsetDateTime,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub signature_svg: Option<String>,
    pub signature_image_url: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl TryFrom<ConsentRow> for ClientConsent {
    type Error = AppError;

    fn try_from(row: ConsentRow) -> Result<Self, AppError> {
        let consent_type = ConsentType::parse(&row.consent_type).ok_or_else(|| {
            AppError::internal(format!(
                "client_consents.consent_type holds unknown value {:?}",
                row.consent_type
            ))
        })?;
        Ok(Self {
            id: row.id,
            user_id: row.user_id.into(),
            contact_id: row.contact_id.into(),
            consent_type,
            consent_text_version: row.consent_text_version,
            granted: row.granted,
            granted_at: row.granted_at,
            ip_address: row.ip_address,
            user_agent: row.user_agent,
            signature_svg: row.signature_svg,
            signature_image_url: row.signature_image_url,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// Queries over `client_consents` (every one also filters `user_id` explicitly).
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsentsRepository;

impl ConsentsRepository {
    /// Appends a consent decision to the contact's history. The caller has checked the
    /// contact; the composite foreign key refuses another tenant's contact anyway.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
        record: &ConsentRecord,
    ) -> Result<ClientConsent, AppError> {
        diesel::insert_into(client_consents::table)
            .values((
                client_consents::user_id.eq(user),
                client_consents::id.eq(Uuid::now_v7()),
                client_consents::contact_id.eq(contact),
                client_consents::consent_type.eq(record.consent_type.as_str()),
                client_consents::consent_text_version.eq(&record.consent_text_version),
                client_consents::granted.eq(record.granted),
                client_consents::ip_address.eq(record.ip_address.as_deref()),
                client_consents::user_agent.eq(record.user_agent.as_deref()),
                client_consents::signature_svg.eq(record.signature_svg.as_deref()),
                client_consents::signature_image_url.eq(record.signature_image_url.as_deref()),
            ))
            .returning(ConsentRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()?
            .try_into()
    }

    /// One consent of the contact, or 404.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
        id: Uuid,
    ) -> Result<ClientConsent, AppError> {
        client_consents::table
            .filter(client_consents::user_id.eq(user))
            .filter(client_consents::contact_id.eq(contact))
            .filter(client_consents::id.eq(id))
            .select(ConsentRow::as_select())
            .first(conn)
            .await
            .map_db_error()?
            .try_into()
    }

    /// A page of the contact's consents, newest first.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
        page: PageRequest,
    ) -> Result<Vec<ClientConsent>, AppError> {
        let rows: Vec<ConsentRow> = client_consents::table
            .filter(client_consents::user_id.eq(user))
            .filter(client_consents::contact_id.eq(contact))
            .order((
                client_consents::granted_at.desc(),
                client_consents::id.desc(),
            ))
            .select(ConsentRow::as_select())
            .limit(page.limit())
            .offset(page.offset())
            .load(conn)
            .await
            .map_db_error()?;
        rows.into_iter().map(ClientConsent::try_from).collect()
    }

    /// How many consents the contact has.
    pub async fn count(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
    ) -> Result<u64, AppError> {
        let total: i64 = client_consents::table
            .filter(client_consents::user_id.eq(user))
            .filter(client_consents::contact_id.eq(contact))
            .select(count_star())
            .get_result(conn)
            .await
            .map_db_error()?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// The newest decision of one type (the type's current status), if any. Ties on
    /// `granted_at` (one transaction) go to the later id (v7 ids are time-ordered).
    pub async fn latest(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
        consent_type: ConsentType,
    ) -> Result<Option<ClientConsent>, AppError> {
        let row: Option<ConsentRow> = client_consents::table
            .filter(client_consents::user_id.eq(user))
            .filter(client_consents::contact_id.eq(contact))
            .filter(client_consents::consent_type.eq(consent_type.as_str()))
            .order((
                client_consents::granted_at.desc(),
                client_consents::id.desc(),
            ))
            .select(ConsentRow::as_select())
            .first(conn)
            .await
            .optional()
            .map_db_error()?;
        row.map(ClientConsent::try_from).transpose()
    }
}
