//! Reads of the contact detail view: a contact's newest notes, its tags, identities and
//! the current state of its consents. Small read queries of their own (the notes, tags
//! and consents features own the writes), returning domain types.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::contacts::{ConsentSummary, DETAIL_NOTE_COUNT, NotePreview, TagSummary};
use omnicrm_domain::entities::{ConsentType, ContactIdentity, TagCategory};
use omnicrm_domain::{ContactId, UserId};
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::identities::ContactIdentitiesRepository;
use crate::schema::{client_consents, contact_tags, notes, tags};

diesel::define_sql_function!(
    /// `left(text, n)`: the first n characters.
    fn left(text: diesel::sql_types::Text, n: diesel::sql_types::Integer) -> diesel::sql_types::Text
);

/// The reads behind `GET /contacts/{id}`. Each takes a shared connection so a service
/// can pipeline them.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContactDetailRepository;

impl ContactDetailRepository {
    /// The newest notes, previewed (first 500 characters), newest first.
    pub async fn latest_notes(
        mut conn: &AsyncPgConnection,
        user: UserId,
        contact: ContactId,
    ) -> Result<Vec<NotePreview>, AppError> {
        let rows: Vec<(Uuid, String, OffsetDateTime)> = notes::table
            .filter(notes::user_id.eq(user))
            .filter(notes::contact_id.eq(contact))
            .order((notes::created_at.desc(), notes::id.desc()))
            .limit(DETAIL_NOTE_COUNT)
            .select((
                notes::id,
                left(notes::content_plain, 500),
                notes::created_at,
            ))
            .load(&mut conn)
            .await
            .map_db_error()?;
        Ok(rows
            .into_iter()
            .map(|(id, content_plain, created_at)| NotePreview {
                id: id.into(),
                content_plain,
                created_at,
            })
            .collect())
    }

    /// The contact's tags by name.
    pub async fn tags(
        mut conn: &AsyncPgConnection,
        user: UserId,
        contact: ContactId,
    ) -> Result<Vec<TagSummary>, AppError> {
        let rows: Vec<(Uuid, String, String, String)> = contact_tags::table
            .inner_join(
                tags::table.on(tags::user_id
                    .eq(contact_tags::user_id)
                    .and(tags::id.eq(contact_tags::tag_id))),
            )
            .filter(contact_tags::user_id.eq(user))
            .filter(contact_tags::contact_id.eq(contact))
            .order((tags::name.asc(), tags::id.asc()))
            .select((tags::id, tags::name, tags::color, tags::category))
            .load(&mut conn)
            .await
            .map_db_error()?;
        rows.into_iter()
            .map(|(id, name, color, category)| {
                let category = TagCategory::parse(&category).ok_or_else(|| {
                    AppError::internal(format!("tags.category holds unknown value {category:?}"))
                })?;
                Ok(TagSummary {
                    id: id.into(),
                    name,
                    color,
                    category,
                })
            })
            .collect()
    }

    /// The tags of each of `contacts` by name (for the list; one query for any number).
    pub async fn tags_of_many(
        mut conn: &AsyncPgConnection,
        user: UserId,
        contacts: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, Vec<TagSummary>>, AppError> {
        let mut out: std::collections::HashMap<Uuid, Vec<TagSummary>> =
            std::collections::HashMap::new();
        if contacts.is_empty() {
            return Ok(out);
        }
        let rows: Vec<(Uuid, Uuid, String, String, String)> = contact_tags::table
            .inner_join(
                tags::table.on(tags::user_id
                    .eq(contact_tags::user_id)
                    .and(tags::id.eq(contact_tags::tag_id))),
            )
            .filter(contact_tags::user_id.eq(user))
            .filter(contact_tags::contact_id.eq_any(contacts.to_vec()))
            .order((tags::name.asc(), tags::id.asc()))
            .select((
                contact_tags::contact_id,
                tags::id,
                tags::name,
                tags::color,
                tags::category,
            ))
            .load(&mut conn)
            .await
            .map_db_error()?;
        for (contact, id, name, color, category) in rows {
            let category = TagCategory::parse(&category).ok_or_else(|| {
                AppError::internal(format!("tags.category holds unknown value {category:?}"))
            })?;
            out.entry(contact).or_default().push(TagSummary {
                id: id.into(),
                name,
                color,
                category,
            });
        }
        Ok(out)
    }

    /// The contact's identities, oldest first.
    pub async fn identities(
        conn: &AsyncPgConnection,
        user: UserId,
        contact: ContactId,
    ) -> Result<Vec<ContactIdentity>, AppError> {
        ContactIdentitiesRepository::for_contact(conn, user, contact)
            .await?
            .into_iter()
            .map(ContactIdentity::try_from)
            .collect()
    }

    /// The newest decision per consent type (types without one are absent).
    pub async fn consents(
        mut conn: &AsyncPgConnection,
        user: UserId,
        contact: ContactId,
    ) -> Result<Vec<ConsentSummary>, AppError> {
        let rows: Vec<(String, bool, OffsetDateTime, String)> = client_consents::table
            .filter(client_consents::user_id.eq(user))
            .filter(client_consents::contact_id.eq(contact))
            .distinct_on(client_consents::consent_type)
            .order((
                client_consents::consent_type.asc(),
                client_consents::granted_at.desc(),
                client_consents::created_at.desc(),
                client_consents::id.desc(),
            ))
            .select((
                client_consents::consent_type,
                client_consents::granted,
                client_consents::granted_at,
                client_consents::consent_text_version,
            ))
            .load(&mut conn)
            .await
            .map_db_error()?;
        rows.into_iter()
            .map(|(consent_type, granted, granted_at, version)| {
                let consent_type = ConsentType::parse(&consent_type).ok_or_else(|| {
                    AppError::internal(format!(
                        "client_consents.consent_type holds unknown value {consent_type:?}"
                    ))
                })?;
                Ok(ConsentSummary {
                    consent_type,
                    granted,
                    granted_at,
                    version,
                })
            })
            .collect()
    }
}
