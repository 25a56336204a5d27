//! Reads of raw events (`/data-intelligence/raw-events`).

use diesel::sql_types::{
    Array, BigInt, Bool, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::sql::SqlBuilder;

/// One raw event row (`payload` only when asked for).
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct RawEventRow {
    /// Id.
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// Provider.
    #[diesel(sql_type = Text)]
    pub provider: String,
    /// Payload.
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub payload: Option<Value>,
    /// Occurred at.
    #[diesel(sql_type = Timestamptz)]
    pub occurred_at: OffsetDateTime,
    /// Provider id.
    #[diesel(sql_type = Text)]
    pub source_id: String,
    /// Sync run.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub batch_id: Option<Uuid>,
    /// Stored at.
    #[diesel(sql_type = Timestamptz)]
    pub created_at: OffsetDateTime,
    /// Processing status.
    #[diesel(sql_type = Text)]
    pub processing_status: String,
    /// Attempts.
    #[diesel(sql_type = Integer)]
    pub processing_attempts: i32,
    /// Error code.
    #[diesel(sql_type = Nullable<Text>)]
    pub processing_error: Option<String>,
    /// Processed at.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub processed_at: Option<OffsetDateTime>,
    /// Extraction status.
    #[diesel(sql_type = Nullable<Text>)]
    pub contact_extraction_status: Option<String>,
    /// Extracted at.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub extracted_at: Option<OffsetDateTime>,
}

fn columns(with_payload: &str) -> String {
    format!(
        "id, provider, CASE WHEN {with_payload} THEN payload END AS payload, occurred_at, \
         source_id, batch_id, created_at, processing_status, processing_attempts, \
         processing_error, processed_at, contact_extraction_status, extracted_at"
    )
}

/// Filters of a raw event list.
#[derive(Debug, Clone, Default)]
pub struct RawEventFilter {
    /// Only these providers (empty: all).
    pub providers: Vec<String>,
    /// Only these processing states (empty: all).
    pub statuses: Vec<String>,
    /// Only these extraction states (empty: all).
    pub extraction: Vec<String>,
    /// Only this batch.
    pub batch_id: Option<Uuid>,
    /// Stored at or after.
    pub created_after: Option<OffsetDateTime>,
    /// Stored before.
    pub created_before: Option<OffsetDateTime>,
    /// Keyset position: items stored strictly earlier.
    pub before: Option<(OffsetDateTime, Uuid)>,
}

/// One raw event of the user, with its payload.
pub async fn find(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: Uuid,
) -> Result<Option<RawEventRow>, AppError> {
    let rows: Vec<RawEventRow> = diesel::sql_query(format!(
        "SELECT {} FROM raw_events WHERE user_id = $1 AND id = $2",
        columns("$3")
    ))
    .bind::<SqlUuid, _>(user)
    .bind::<SqlUuid, _>(id)
    .bind::<Bool, _>(true)
    .load(conn)
    .await
    .map_db_error()?;
    Ok(rows.into_iter().next())
}

/// Up to `limit` raw events matching `filter`, newest stored first, without payloads.
pub async fn page(
    conn: &mut AsyncPgConnection,
    user: UserId,
    filter: RawEventFilter,
    limit: i64,
) -> Result<Vec<RawEventRow>, AppError> {
    let mut b = SqlBuilder::new();
    let u = b.bind::<SqlUuid, _>(user);
    b.push(&format!(
        "SELECT {} FROM raw_events WHERE user_id = {u}",
        columns("false")
    ));
    for (column, values) in [
        ("provider", filter.providers),
        ("processing_status", filter.statuses),
        ("contact_extraction_status", filter.extraction),
    ] {
        if !values.is_empty() {
            let v = b.bind::<Array<Text>, _>(values);
            b.push(&format!(" AND {column} = ANY({v})"));
        }
    }
    if let Some(batch) = filter.batch_id {
        let v = b.bind::<SqlUuid, _>(batch);
        b.push(&format!(" AND batch_id = {v}"));
    }
    if let Some(after) = filter.created_after {
        let v = b.bind::<Timestamptz, _>(after);
        b.push(&format!(" AND created_at >= {v}"));
    }
    if let Some(before) = filter.created_before {
        let v = b.bind::<Timestamptz, _>(before);
        b.push(&format!(" AND created_at < {v}"));
    }
    if let Some((at, id)) = filter.before {
        let a = b.bind::<Timestamptz, _>(at);
        let i = b.bind::<SqlUuid, _>(id);
        b.push(&format!(" AND (created_at, id) < ({a}, {i})"));
    }
    let l = b.bind::<BigInt, _>(limit);
    b.push(&format!(" ORDER BY created_at DESC, id DESC LIMIT {l}"));
    b.build().load(conn).await.map_db_error()
}
