//! Contact identities and ignored identifiers: list, create, read, change, delete.
//! Values are normalised on the way in (see [`crate::identifier_normalization`]), so uniqueness and
//! lookups compare one spelling.

use futures_util::FutureExt;
use omnicrm_domain::entities::{ContactIdentity, IgnoredIdentifier};
use omnicrm_domain::identities::{
    ContactIdentityQuery, CreateContactIdentity, CreateIgnoredIdentifier, IgnoredIdentifierQuery,
    UpdateContactIdentity, UpdateIgnoredIdentifier,
};
use omnicrm_domain::{Page, PaginationMeta, UserId};
use omnicrm_problem::AppError;
use omnicrm_repo::contacts::ContactsRepository;
use omnicrm_repo::identities::{
    ContactIdentitiesRepository, ContactIdentityChanges, IgnoredIdentifiersRepository,
    NewContactIdentityRow, NewIgnoredIdentifierRow,
};
use omnicrm_repo::{Db, tenants};
use uuid::Uuid;

use crate::identifier_normalization::normalize_identifier;
use crate::phone::PhoneRegion;

/// The identifier use cases.
#[derive(Debug, Clone)]
pub struct IdentitiesService {
    db: Db,
    region: PhoneRegion,
}

impl IdentitiesService {
    /// Wraps the database handle; `region` reads phone numbers without a country code.
    pub fn new(db: Db, region: PhoneRegion) -> Self {
        Self { db, region }
    }

    /// One page of the user's contact identities.
    pub async fn list_identities(
        &self,
        user: UserId,
        query: ContactIdentityQuery,
    ) -> Result<Page<ContactIdentity>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let (rows, total) =
                        ContactIdentitiesRepository::list(conn, user, &query).await?;
                    Ok(Page {
                        items: rows
                            .into_iter()
                            .map(ContactIdentity::try_from)
                            .collect::<Result<_, _>>()?,
                        pagination: PaginationMeta::new(query.page_request(), total),
                    })
                }
                .boxed()
            })
            .await
    }

    /// One identity; 404 when it is not the user's.
    pub async fn get_identity(&self, user: UserId, id: Uuid) -> Result<ContactIdentity, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    ContactIdentitiesRepository::find(conn, user, id)
                        .await?
                        .try_into()
                }
                .boxed()
            })
            .await
    }

    /// Adds an identity to one of the user's contacts (404 otherwise); 409 when the user
    /// already has this (kind, value, provider).
    pub async fn create_identity(
        &self,
        user: UserId,
        input: CreateContactIdentity,
    ) -> Result<ContactIdentity, AppError> {
        let value = normalize_identifier(input.kind, &input.value, self.region, "/value")?;
        let row = NewContactIdentityRow {
            user_id: user.into_uuid(),
            id: Uuid::now_v7(),
            contact_id: input.contact_id.into_uuid(),
            kind: input.kind.as_str().to_owned(),
            provider: input.provider.map(|p| p.trim().to_owned()),
            value,
        };
        self.db
            .tenant(user, move |conn| {
                async move {
                    if !ContactsRepository::exists(conn, user, input.contact_id).await? {
                        return Err(AppError::not_found().with_detail("the contact does not exist"));
                    }
                    ContactIdentitiesRepository::insert(conn, &row)
                        .await?
                        .try_into()
                }
                .boxed()
            })
            .await
    }

    /// Changes kind, value or provider; the value is normalised for the resulting kind.
    /// 404 when absent, 409 when the result is taken.
    pub async fn update_identity(
        &self,
        user: UserId,
        id: Uuid,
        input: UpdateContactIdentity,
    ) -> Result<ContactIdentity, AppError> {
        let region = self.region;
        self.db
            .tenant(user, move |conn| {
                async move {
                    let mut changes = ContactIdentityChanges {
                        provider: input.provider.map(|p| p.map(|p| p.trim().to_owned())),
                        ..ContactIdentityChanges::default()
                    };
                    let new_kind = input.kind.flatten();
                    let new_value = input.value.flatten();
                    if new_kind.is_some() || new_value.is_some() {
                        let current: ContactIdentity =
                            ContactIdentitiesRepository::find(conn, user, id)
                                .await?
                                .try_into()?;
                        let kind = new_kind.unwrap_or(current.kind);
                        // A kind change alone re-validates the stored value for the new kind.
                        let (raw, pointer) = match &new_value {
                            Some(v) => (v.as_str(), "/value"),
                            None => (current.value.as_str(), "/kind"),
                        };
                        changes.value = Some(normalize_identifier(kind, raw, region, pointer)?);
                        changes.kind = Some(kind.as_str().to_owned());
                    }
                    ContactIdentitiesRepository::update(conn, user, id, &changes)
                        .await?
                        .try_into()
                }
                .boxed()
            })
            .await
    }

    /// Deletes an identity; 404 when absent.
    pub async fn delete_identity(&self, user: UserId, id: Uuid) -> Result<(), AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { ContactIdentitiesRepository::delete(conn, user, id).await }.boxed()
            })
            .await
    }

    /// One page of the user's ignored identifiers.
    pub async fn list_ignored(
        &self,
        user: UserId,
        query: IgnoredIdentifierQuery,
    ) -> Result<Page<IgnoredIdentifier>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let (rows, total) =
                        IgnoredIdentifiersRepository::list(conn, user, &query).await?;
                    Ok(Page {
                        items: rows
                            .into_iter()
                            .map(IgnoredIdentifier::try_from)
                            .collect::<Result<_, _>>()?,
                        pagination: PaginationMeta::new(query.page_request(), total),
                    })
                }
                .boxed()
            })
            .await
    }

    /// One ignored identifier; 404 when it is not the user's.
    pub async fn get_ignored(&self, user: UserId, id: Uuid) -> Result<IgnoredIdentifier, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    IgnoredIdentifiersRepository::find(conn, user, id)
                        .await?
                        .try_into()
                }
                .boxed()
            })
            .await
    }

    /// Ignores an identifier (normalised like identities); 409 when already ignored.
    pub async fn create_ignored(
        &self,
        user: UserId,
        input: CreateIgnoredIdentifier,
    ) -> Result<IgnoredIdentifier, AppError> {
        let row = NewIgnoredIdentifierRow {
            user_id: user.into_uuid(),
            id: Uuid::now_v7(),
            kind: input.kind.as_str().to_owned(),
            value: normalize_identifier(input.kind, &input.value, self.region, "/value")?,
            reason: input.reason,
        };
        self.db
            .tenant(user, move |conn| {
                async move {
                    tenants::ensure(conn, user).await?;
                    IgnoredIdentifiersRepository::insert(conn, &row)
                        .await?
                        .try_into()
                }
                .boxed()
            })
            .await
    }

    /// Changes the reason (the only mutable field); 404 when absent.
    pub async fn update_ignored(
        &self,
        user: UserId,
        id: Uuid,
        input: UpdateIgnoredIdentifier,
    ) -> Result<IgnoredIdentifier, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let row = match input.reason {
                        None => IgnoredIdentifiersRepository::find(conn, user, id).await?,
                        Some(reason) => {
                            IgnoredIdentifiersRepository::set_reason(conn, user, id, reason).await?
                        }
                    };
                    row.try_into()
                }
                .boxed()
            })
            .await
    }

    /// Stops ignoring an identifier; 404 when absent.
    pub async fn delete_ignored(&self, user: UserId, id: Uuid) -> Result<(), AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { IgnoredIdentifiersRepository::delete(conn, user, id).await }.boxed()
            })
            .await
    }
}
