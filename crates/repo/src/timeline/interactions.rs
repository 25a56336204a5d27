//! Reads of interactions and the hand-made contact link.

use diesel::sql_types::{BigInt, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::sql::SqlBuilder;

/// One interaction row.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct InteractionRow {
    /// Id.
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// The linked contact.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub contact_id: Option<Uuid>,
    /// `auto` or `manual`.
    #[diesel(sql_type = Text)]
    pub contact_linked_by: String,
    /// The type column.
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// Subject or title.
    #[diesel(sql_type = Nullable<Text>)]
    pub subject: Option<String>,
    /// Body or description.
    #[diesel(sql_type = Nullable<Text>)]
    pub body_text: Option<String>,
    /// When it happened.
    #[diesel(sql_type = Timestamptz)]
    pub occurred_at: OffsetDateTime,
    /// Provider.
    #[diesel(sql_type = Text)]
    pub source: String,
    /// Provider id.
    #[diesel(sql_type = Text)]
    pub source_id: String,
    /// Provider details.
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub source_meta: Option<Value>,
    /// Sync run.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub batch_id: Option<Uuid>,
    /// Stored at.
    #[diesel(sql_type = Timestamptz)]
    pub created_at: OffsetDateTime,
}

const COLUMNS: &str = "id, contact_id, contact_linked_by, type AS kind, subject, body_text, \
                       occurred_at, source, source_id, source_meta, batch_id, created_at";

/// Filters of an interaction list.
#[derive(Debug, Clone, Default)]
pub struct InteractionFilter {
    /// Only this contact's.
    pub contact_id: Option<Uuid>,
    /// Only these types.
    pub types: Option<Vec<String>>,
    /// Only this source.
    pub source: Option<String>,
    /// At or after.
    pub from: Option<OffsetDateTime>,
    /// Before.
    pub to: Option<OffsetDateTime>,
    /// Case-insensitive substring of subject or body.
    pub search: Option<String>,
    /// Keyset position: items strictly older.
    pub before: Option<(OffsetDateTime, Uuid)>,
}

/// One interaction of the user.
pub async fn find(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: Uuid,
) -> Result<Option<InteractionRow>, AppError> {
    let rows: Vec<InteractionRow> = diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM interactions WHERE user_id = $1 AND id = $2"
    ))
    .bind::<SqlUuid, _>(user)
    .bind::<SqlUuid, _>(id)
    .load(conn)
    .await
    .map_db_error()?;
    Ok(rows.into_iter().next())
}

/// Up to `limit` interactions matching `filter`, newest first.
pub async fn page(
    conn: &mut AsyncPgConnection,
    user: UserId,
    filter: InteractionFilter,
    limit: i64,
) -> Result<Vec<InteractionRow>, AppError> {
    let mut b = SqlBuilder::new();
    let u = b.bind::<SqlUuid, _>(user);
    b.push(&format!(
        "SELECT {COLUMNS} FROM interactions WHERE user_id = {u}"
    ));
    if let Some(c) = filter.contact_id {
        let c = b.bind::<SqlUuid, _>(c);
        b.push(&format!(" AND contact_id = {c}"));
    }
    if let Some(types) = filter.types {
        let t = b.bind::<diesel::sql_types::Array<Text>, _>(types);
        b.push(&format!(" AND type = ANY({t})"));
    }
    if let Some(s) = filter.source {
        let s = b.bind::<Text, _>(s);
        b.push(&format!(" AND source = {s}"));
    }
    if let Some(from) = filter.from {
        let f = b.bind::<Timestamptz, _>(from);
        b.push(&format!(" AND occurred_at >= {f}"));
    }
    if let Some(to) = filter.to {
        let t = b.bind::<Timestamptz, _>(to);
        b.push(&format!(" AND occurred_at < {t}"));
    }
    if let Some(search) = filter.search {
        let p = b.bind::<Text, _>(crate::text::contains_pattern(&search));
        b.push(&format!(" AND (subject ILIKE {p} OR body_text ILIKE {p})"));
    }
    if let Some((at, id)) = filter.before {
        let a = b.bind::<Timestamptz, _>(at);
        let i = b.bind::<SqlUuid, _>(id);
        b.push(&format!(" AND (occurred_at, id) < ({a}, {i})"));
    }
    let l = b.bind::<BigInt, _>(limit);
    b.push(&format!(" ORDER BY occurred_at DESC, id DESC LIMIT {l}"));
    b.build().load(conn).await.map_db_error()
}

/// Links (or unlinks, `None`) the interaction by hand; `false` if it is not the user's.
pub async fn set_contact(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: Uuid,
    contact: Option<Uuid>,
) -> Result<bool, AppError> {
    let n = diesel::sql_query(
        "UPDATE interactions SET contact_id = $3, contact_linked_by = 'manual'
         WHERE user_id = $1 AND id = $2",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<SqlUuid, _>(id)
    .bind::<Nullable<SqlUuid>, _>(contact)
    .execute(conn)
    .await
    .map_db_error()?;
    Ok(n > 0)
}
