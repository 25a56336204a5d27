//! A contact's timeline: its interactions and notes merged, newest first.

use futures_util::FutureExt;
use omnicrm_domain::timeline::{
    InteractionKind, InteractionListQuery, InteractionPage, InteractionView, RawEventListQuery,
    RawEventPage, RawEventView, TimelineItem, TimelineKind, TimelinePage, TimelineQuery,
    UpdateInteraction,
};
use omnicrm_domain::{ContactId, UserId};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::files::ContactPhotos;
use omnicrm_repo::timeline::contact_timeline::{self, TimelineRow};
use omnicrm_repo::timeline::interactions::{self, InteractionFilter, InteractionRow};
use omnicrm_repo::timeline::raw_events::{self, RawEventFilter, RawEventRow};
use uuid::Uuid;

use crate::cursor;

/// Reads contacts' timelines.
#[derive(Debug, Clone)]
pub struct TimelineService {
    db: Db,
}

fn item(row: TimelineRow) -> TimelineItem {
    TimelineItem {
        id: row.id,
        kind: match row.kind.as_str() {
            "email" => TimelineKind::Email,
            "note" => TimelineKind::Note,
            _ => TimelineKind::Meeting,
        },
        occurred_at: row.occurred_at,
        subject: row.subject,
        snippet: row.snippet,
        source: row.source,
        source_id: row.source_id,
    }
}

fn interaction(row: InteractionRow) -> InteractionView {
    InteractionView {
        id: row.id,
        contact_id: row.contact_id,
        contact_linked_by: row.contact_linked_by,
        type_: row.kind,
        subject: row.subject,
        body_text: row.body_text,
        occurred_at: row.occurred_at,
        source: row.source,
        source_id: row.source_id,
        source_meta: row.source_meta,
        batch_id: row.batch_id,
        created_at: row.created_at,
    }
}

fn raw_event(row: RawEventRow) -> RawEventView {
    RawEventView {
        id: row.id,
        provider: row.provider,
        payload: row.payload,
        occurred_at: row.occurred_at,
        source_id: row.source_id,
        batch_id: row.batch_id,
        created_at: row.created_at,
        processing_status: row.processing_status,
        processing_attempts: row.processing_attempts,
        processing_error: row.processing_error,
        processed_at: row.processed_at,
        contact_extraction_status: row.contact_extraction_status,
        extracted_at: row.extracted_at,
    }
}

impl TimelineService {
    /// One raw event of the user, with its payload (404 for anyone else's).
    pub async fn raw_event(&self, user: UserId, id: Uuid) -> Result<RawEventView, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    raw_events::find(conn, user, id)
                        .await?
                        .map(raw_event)
                        .ok_or_else(AppError::not_found)
                }
                .boxed()
            })
            .await
    }

    /// A page of the user's raw events, newest stored first, without payloads.
    pub async fn raw_events(
        &self,
        user: UserId,
        query: RawEventListQuery,
    ) -> Result<RawEventPage, AppError> {
        let before = cursor::position(query.cursor.as_deref())?;
        let filter = RawEventFilter {
            providers: query
                .provider
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
            statuses: query
                .processing_status
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            extraction: query
                .contact_extraction_status
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            batch_id: query.batch_id,
            created_after: query.created_after,
            created_before: query.created_before,
            before,
        };
        let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
        self.db
            .tenant(user, move |conn| {
                async move {
                    let mut rows =
                        raw_events::page(conn, user, filter, i64::from(query.limit) + 1).await?;
                    let next_cursor = cursor::cut_page(&mut rows, limit, |r| (r.created_at, r.id));
                    Ok(RawEventPage {
                        items: rows.into_iter().map(raw_event).collect(),
                        next_cursor,
                    })
                }
                .boxed()
            })
            .await
    }

    /// One interaction of the user (404 for anyone else's).
    pub async fn interaction(&self, user: UserId, id: Uuid) -> Result<InteractionView, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    interactions::find(conn, user, id)
                        .await?
                        .map(interaction)
                        .ok_or_else(AppError::not_found)
                }
                .boxed()
            })
            .await
    }

    /// A page of the user's interactions, newest first.
    pub async fn interactions(
        &self,
        user: UserId,
        query: InteractionListQuery,
    ) -> Result<InteractionPage, AppError> {
        let before = cursor::position(query.cursor.as_deref())?;
        let filter = InteractionFilter {
            contact_id: query.contact_id,
            types: query.kind.map(|k| match k {
                InteractionKind::Email => vec!["email".to_owned()],
                InteractionKind::Meeting => {
                    vec!["calendar_event".to_owned(), "meeting".to_owned()]
                }
            }),
            source: query.provider.map(|p| p.as_str().to_owned()),
            from: query.from,
            to: query.to,
            search: query.search,
            before,
        };
        let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
        self.db
            .tenant(user, move |conn| {
                async move {
                    let mut rows =
                        interactions::page(conn, user, filter, i64::from(query.limit) + 1).await?;
                    let next_cursor = cursor::cut_page(&mut rows, limit, |r| (r.occurred_at, r.id));
                    Ok(InteractionPage {
                        items: rows.into_iter().map(interaction).collect(),
                        next_cursor,
                    })
                }
                .boxed()
            })
            .await
    }

    /// Links the interaction to a contact of the user (or unlinks it) by hand; a contact
    /// that is not the user's is 400 on `/contactId`.
    pub async fn update_interaction(
        &self,
        user: UserId,
        id: Uuid,
        body: UpdateInteraction,
    ) -> Result<InteractionView, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    if let Some(contact) = body.contact_id
                        && !ContactPhotos::contact_exists(conn, user, ContactId::from(contact))
                            .await?
                    {
                        return Err(AppError::invalid_field(
                            "/contactId",
                            "not_found",
                            "no such contact",
                        ));
                    }
                    if !interactions::set_contact(conn, user, id, body.contact_id).await? {
                        return Err(AppError::not_found());
                    }
                    interactions::find(conn, user, id)
                        .await?
                        .map(interaction)
                        .ok_or_else(AppError::not_found)
                }
                .boxed()
            })
            .await
    }

    /// Wraps the database.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// A page of `contact`'s timeline; 404 when the contact is not the user's.
    pub async fn contact_timeline(
        &self,
        user: UserId,
        contact: ContactId,
        query: TimelineQuery,
    ) -> Result<TimelinePage, AppError> {
        let before = cursor::position(query.cursor.as_deref())?;
        let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
        self.db
            .tenant(user, move |conn| {
                async move {
                    if !ContactPhotos::contact_exists(conn, user, contact).await? {
                        return Err(AppError::not_found());
                    }
                    let mut rows = contact_timeline::page(
                        conn,
                        user,
                        contact,
                        before,
                        i64::from(query.limit) + 1,
                    )
                    .await?;
                    let next_cursor = cursor::cut_page(&mut rows, limit, |r| (r.occurred_at, r.id));
                    Ok(TimelinePage {
                        items: rows.into_iter().map(item).collect(),
                        next_cursor,
                    })
                }
                .boxed()
            })
            .await
    }
}
