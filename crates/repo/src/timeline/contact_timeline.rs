//! A contact's interactions and notes merged, newest first, keyset-paginated on
//! `(occurred_at, id)`.

use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::{ContactId, UserId};
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::RepoErrorExt;

/// One merged row.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct TimelineRow {
    /// Interaction or note id.
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// `email`, `meeting` or `note`.
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// When it happened.
    #[diesel(sql_type = Timestamptz)]
    pub occurred_at: OffsetDateTime,
    /// Subject or title.
    #[diesel(sql_type = Nullable<Text>)]
    pub subject: Option<String>,
    /// The start of the text.
    #[diesel(sql_type = Nullable<Text>)]
    pub snippet: Option<String>,
    /// `gmail`, `calendar`, `manual`, `note`, ..
    #[diesel(sql_type = Text)]
    pub source: String,
    /// The provider's id (the note id for notes).
    #[diesel(sql_type = Text)]
    pub source_id: String,
}

/// Up to `limit` items of `contact`'s timeline before `before` (exclusive), newest first.
pub async fn page(
    conn: &mut AsyncPgConnection,
    user: UserId,
    contact: ContactId,
    before: Option<(OffsetDateTime, Uuid)>,
    limit: i64,
) -> Result<Vec<TimelineRow>, AppError> {
    let (at, id) = before.unzip();
    // Each branch is read in index order and cut at `limit` before the merge.
    diesel::sql_query(
        "SELECT * FROM (
             (SELECT i.id,
                     CASE WHEN i.type = 'email' THEN 'email' ELSE 'meeting' END AS kind,
                     i.occurred_at, i.subject,
                     left(coalesce(i.source_meta ->> 'snippet', i.body_text), 200) AS snippet,
                     i.source, i.source_id
              FROM interactions i
              WHERE i.user_id = $1 AND i.contact_id = $2
                AND i.type IN ('email', 'calendar_event', 'meeting')
                AND ($3::timestamptz IS NULL OR (i.occurred_at, i.id) < ($3, $4))
              ORDER BY i.occurred_at DESC, i.id DESC
              LIMIT $5)
             UNION ALL
             (SELECT n.id, 'note', n.created_at, NULL, left(n.content_plain, 200),
                     'note', n.id::text
              FROM notes n
              WHERE n.user_id = $1 AND n.contact_id = $2
                AND ($3::timestamptz IS NULL OR (n.created_at, n.id) < ($3, $4))
              ORDER BY n.created_at DESC, n.id DESC
              LIMIT $5)
         ) AS merged
         ORDER BY occurred_at DESC, id DESC
         LIMIT $5",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<SqlUuid, _>(contact)
    .bind::<Nullable<Timestamptz>, _>(at)
    .bind::<Nullable<SqlUuid>, _>(id)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
    .map_db_error()
}
