//! Statements of Google normalisation: claim a run's pending raw events, upsert their
//! interactions, link contacts, mark the raw events and count them in the run's ledger.

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

/// A pending raw event, claimed (locked) by this transaction.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct PendingRawEvent {
    /// The raw event.
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// `gmail` or `calendar` (others are not normalised here).
    #[diesel(sql_type = Text)]
    pub provider: String,
    /// The provider's id (Gmail message id, Calendar event id).
    #[diesel(sql_type = Text)]
    pub source_id: String,
    /// When the provider says it happened.
    #[diesel(sql_type = Timestamptz)]
    pub occurred_at: OffsetDateTime,
    /// The payload as JSON text, or `None` when it is larger than the claim's limit (it is
    /// then never read into memory).
    #[diesel(sql_type = Nullable<Text>)]
    pub payload: Option<String>,
}

/// Claims up to `limit` pending raw events of `batch` (others' claims are skipped, so two
/// normalisers never take the same row).
pub async fn claim_pending(
    conn: &mut AsyncPgConnection,
    user: UserId,
    batch: Uuid,
    limit: i64,
    max_payload_bytes: i32,
) -> Result<Vec<PendingRawEvent>, AppError> {
    diesel::sql_query(
        "SELECT id, provider, source_id, occurred_at,
                CASE WHEN pg_column_size(payload) <= $4 THEN payload::text END AS payload
         FROM raw_events
         WHERE user_id = $1 AND batch_id = $2 AND processing_status = 'pending'
         ORDER BY id
         LIMIT $3
         FOR UPDATE SKIP LOCKED",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<SqlUuid, _>(batch)
    .bind::<BigInt, _>(limit)
    .bind::<Integer, _>(max_payload_bytes)
    .load(conn)
    .await
    .map_db_error()
}

#[derive(diesel::QueryableByName)]
struct EmailRow {
    #[diesel(sql_type = Text)]
    email: String,
}

/// The practitioner's own addresses: the connected Google accounts' emails, lower-cased.
pub async fn own_addresses(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> Result<Vec<String>, AppError> {
    let rows: Vec<EmailRow> = diesel::sql_query(
        "SELECT DISTINCT lower(btrim(config ->> 'email')) AS email
         FROM user_integrations
         WHERE user_id = $1 AND provider = 'google' AND jsonb_typeof(config -> 'email') = 'string'",
    )
    .bind::<SqlUuid, _>(user)
    .load(conn)
    .await
    .map_db_error()?;
    Ok(rows.into_iter().map(|r| r.email).collect())
}

/// An interaction to write.
#[derive(Debug, Clone)]
pub struct InteractionUpsert {
    /// `email` or `calendar_event`.
    pub kind: &'static str,
    /// Subject or title.
    pub subject: Option<String>,
    /// Text body or description.
    pub body_text: Option<String>,
    /// When it happened.
    pub occurred_at: OffsetDateTime,
    /// `gmail` or `calendar`.
    pub source: String,
    /// The provider's id.
    pub source_id: String,
    /// Provider details (addresses, attendees, labels, ..).
    pub source_meta: Value,
    /// The contact its participants matched; a link set by hand is kept instead.
    pub contact_id: Option<Uuid>,
}

/// Upserts a chunk's interactions in one statement: each `(source, source_id)` is
/// inserted, or updated when a normalised field or its automatic contact link changed (an
/// unchanged row is not written, so its `xmin` stays; a link set by hand is kept). `rows`
/// must not repeat a `(source, source_id)` (the raw events they come from are unique on it).
///
/// The link is written here rather than by a second `UPDATE .. FROM unnest(..)`: every row
/// is found through the conflict arbiter's unique index, so the statement's cost follows the
/// chunk, whatever the planner believes about the table. During a first sync the
/// statistics still describe an empty mailbox, and the separate update was planned as a
/// nested loop over all of the user's interactions (quadratic in the mailbox; ADR 0040).
pub async fn upsert_interactions(
    conn: &mut AsyncPgConnection,
    user: UserId,
    batch: Uuid,
    rows: Vec<InteractionUpsert>,
) -> Result<(), AppError> {
    if rows.is_empty() {
        return Ok(());
    }
    let n = rows.len();
    let (mut ids, mut kinds, mut subjects, mut bodies, mut times) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut sources, mut source_ids, mut metas, mut contacts) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for r in rows {
        ids.push(Uuid::now_v7());
        kinds.push(r.kind.to_owned());
        subjects.push(r.subject);
        bodies.push(r.body_text);
        times.push(r.occurred_at);
        sources.push(r.source);
        source_ids.push(r.source_id);
        metas.push(r.source_meta);
        contacts.push(r.contact_id);
    }
    diesel::sql_query(
        "INSERT INTO interactions
             (user_id, id, type, subject, body_text, occurred_at, source, source_id, source_meta,
              batch_id, contact_id)
         SELECT $1, id, type, subject, body_text, occurred_at, source, source_id, source_meta,
                $10, contact_id
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                     $7::text[], $8::text[], $9::jsonb[], $11::uuid[])
             AS t(id, type, subject, body_text, occurred_at, source, source_id, source_meta,
                  contact_id)
         ON CONFLICT (user_id, source, source_id) DO UPDATE
             SET type = EXCLUDED.type, subject = EXCLUDED.subject,
                 body_text = EXCLUDED.body_text, occurred_at = EXCLUDED.occurred_at,
                 source_meta = EXCLUDED.source_meta, batch_id = EXCLUDED.batch_id,
                 contact_id = CASE WHEN interactions.contact_linked_by = 'manual'
                                   THEN interactions.contact_id ELSE EXCLUDED.contact_id END
             WHERE (interactions.type, interactions.subject, interactions.body_text,
                    interactions.occurred_at, interactions.source_meta, interactions.contact_id)
                   IS DISTINCT FROM
                   (EXCLUDED.type, EXCLUDED.subject, EXCLUDED.body_text,
                    EXCLUDED.occurred_at, EXCLUDED.source_meta,
                    CASE WHEN interactions.contact_linked_by = 'manual'
                         THEN interactions.contact_id ELSE EXCLUDED.contact_id END)",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<Text>, _>(kinds)
    .bind::<Array<Nullable<Text>>, _>(subjects)
    .bind::<Array<Nullable<Text>>, _>(bodies)
    .bind::<Array<Timestamptz>, _>(times)
    .bind::<Array<Text>, _>(sources)
    .bind::<Array<Text>, _>(source_ids)
    .bind::<Array<Jsonb>, _>(metas)
    .bind::<SqlUuid, _>(batch)
    .bind::<Array<Nullable<SqlUuid>>, _>(contacts)
    .execute(conn)
    .await
    .map_db_error()?;
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct Analysed {
    #[diesel(sql_type = Array<Text>)]
    tables: Vec<String>,
}

/// Refreshes the planner's statistics of `raw_events` and `interactions` once a sync has
/// outgrown them (more rows changed since the last `ANALYZE` than the table then held), so
/// the chunk statements are not planned for the empty mailbox the statistics still
/// describe. Run it outside a transaction: `ANALYZE` holds its lock until commit. Answers
/// the tables analysed.
pub async fn refresh_statistics(conn: &mut AsyncPgConnection) -> Result<Vec<String>, AppError> {
    let row: Analysed = diesel::sql_query("SELECT refresh_sync_statistics() AS tables")
        .get_result(conn)
        .await
        .map_db_error()?;
    Ok(row.tables)
}

/// Deletes the interactions of `(source, source_id)` pairs in one statement.
pub async fn delete_interactions(
    conn: &mut AsyncPgConnection,
    user: UserId,
    keys: Vec<(String, String)>,
) -> Result<(), AppError> {
    if keys.is_empty() {
        return Ok(());
    }
    let (sources, source_ids): (Vec<String>, Vec<String>) = keys.into_iter().unzip();
    diesel::sql_query(
        "DELETE FROM interactions i
         USING unnest($2::text[], $3::text[]) AS t(source, source_id)
         WHERE i.user_id = $1 AND i.source = t.source AND i.source_id = t.source_id",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Array<Text>, _>(sources)
    .bind::<Array<Text>, _>(source_ids)
    .execute(conn)
    .await
    .map_db_error()?;
    Ok(())
}

/// Records email identities `(provider, contact, email)` in one statement (existing ones
/// stay; the first pair of an email wins).
pub async fn record_identities(
    conn: &mut AsyncPgConnection,
    user: UserId,
    identities: Vec<(String, Uuid, String)>,
) -> Result<(), AppError> {
    if identities.is_empty() {
        return Ok(());
    }
    let mut seen = std::collections::HashSet::new();
    let identities: Vec<(String, Uuid, String)> = identities
        .into_iter()
        .filter(|(_, _, email)| seen.insert(email.clone()))
        .collect();
    let ids: Vec<Uuid> = identities.iter().map(|_| Uuid::now_v7()).collect();
    let mut providers = Vec::with_capacity(identities.len());
    let mut contacts = Vec::with_capacity(identities.len());
    let mut emails = Vec::with_capacity(identities.len());
    for (provider, contact, email) in identities {
        providers.push(provider);
        contacts.push(contact);
        emails.push(email);
    }
    diesel::sql_query(
        "INSERT INTO contact_identities (user_id, id, contact_id, kind, provider, value)
         SELECT $1, t.id, t.contact_id, 'email', t.provider, t.email
         FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[]) AS t(id, contact_id, provider, email)
         WHERE NOT EXISTS (SELECT 1 FROM contact_identities ci
                           WHERE ci.user_id = $1 AND ci.kind = 'email' AND ci.value = t.email)
         ON CONFLICT DO NOTHING",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<SqlUuid>, _>(contacts)
    .bind::<Array<Text>, _>(providers)
    .bind::<Array<Text>, _>(emails)
    .execute(conn)
    .await
    .map_db_error()?;
    Ok(())
}

/// An email that belongs to a contact.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct EmailMatch {
    /// The lower-cased email.
    #[diesel(sql_type = Text)]
    pub email: String,
    /// The contact.
    #[diesel(sql_type = SqlUuid)]
    pub contact_id: Uuid,
    /// Whether an email identity records it (else it is the contact's primary email).
    #[diesel(sql_type = Bool)]
    pub has_identity: bool,
}

/// The contacts of `emails` (lower-cased): through an email identity, else a primary email
/// (case-insensitively). One row per email: the identity first, then the oldest contact.
pub async fn contacts_of_emails(
    conn: &mut AsyncPgConnection,
    user: UserId,
    emails: Vec<String>,
) -> Result<Vec<EmailMatch>, AppError> {
    if emails.is_empty() {
        return Ok(Vec::new());
    }
    diesel::sql_query(
        "SELECT DISTINCT ON (email) email, contact_id, has_identity FROM (
             SELECT ci.value AS email, ci.contact_id, true AS has_identity, 0 AS rank
             FROM contact_identities ci
             WHERE ci.user_id = $1 AND ci.kind = 'email' AND ci.value = ANY($2)
             UNION ALL
             SELECT lower(c.primary_email), c.id, false, 1
             FROM contacts c
             WHERE c.user_id = $1 AND lower(c.primary_email) = ANY($2)
         ) m
         ORDER BY email, rank, contact_id",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Array<Text>, _>(emails)
    .load(conn)
    .await
    .map_db_error()
}

/// The outcome recorded on one raw event.
#[derive(Debug, Clone)]
pub struct RawEventMark {
    /// The raw event.
    pub id: Uuid,
    /// `completed`, `skipped` or `failed`.
    pub status: &'static str,
    /// A stable code (never provider text): the skip reason or the failure.
    pub error: Option<&'static str>,
    /// `yes`, `identifiers_found` or `no_identifiers` (None: not attempted).
    pub extraction: Option<&'static str>,
}

/// Records the outcomes of claimed raw events in one statement.
pub async fn mark_raw_events(
    conn: &mut AsyncPgConnection,
    user: UserId,
    marks: &[RawEventMark],
) -> Result<(), AppError> {
    if marks.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = marks.iter().map(|m| m.id).collect();
    let statuses: Vec<String> = marks.iter().map(|m| m.status.to_owned()).collect();
    let errors: Vec<Option<String>> = marks.iter().map(|m| m.error.map(str::to_owned)).collect();
    let extraction: Vec<Option<String>> = marks
        .iter()
        .map(|m| m.extraction.map(str::to_owned))
        .collect();
    diesel::sql_query(
        "UPDATE raw_events r
         SET processing_status = t.status, processing_error = t.error,
             processing_attempts = r.processing_attempts + 1, processed_at = now(),
             contact_extraction_status = coalesce(t.extraction, r.contact_extraction_status),
             extracted_at = CASE WHEN t.extraction IS NULL THEN r.extracted_at ELSE now() END
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) AS t(id, status, error, extraction)
         WHERE r.user_id = $1 AND r.id = t.id",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<Text>, _>(statuses)
    .bind::<Array<Nullable<Text>>, _>(errors)
    .bind::<Array<Nullable<Text>>, _>(extraction)
    .execute(conn)
    .await
    .map_db_error()?;
    Ok(())
}

/// Adds a chunk's counts to the run's ledger row (`skipped` is `{reason: n}`; counts of a
/// reason already present are summed). No row (a batch without a ledger) is not an error.
pub async fn add_to_ledger(
    conn: &mut AsyncPgConnection,
    user: UserId,
    batch: Uuid,
    imported: i32,
    failed: i32,
    skipped: Value,
) -> Result<(), AppError> {
    diesel::sql_query(
        "UPDATE google_sync_runs
         SET imported = imported + $3, failed = failed + $4,
             skipped = (SELECT coalesce(jsonb_object_agg(k, n), '{}'::jsonb)
                        FROM (SELECT k, sum(n)::int AS n
                              FROM (SELECT key AS k, (value #>> '{}')::int AS n
                                    FROM jsonb_each(skipped)
                                    UNION ALL
                                    SELECT key, (value #>> '{}')::int FROM jsonb_each($5)) AS s
                              GROUP BY k) AS g)
         WHERE user_id = $1 AND id = $2",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<SqlUuid, _>(batch)
    .bind::<Integer, _>(imported)
    .bind::<Integer, _>(failed)
    .bind::<Jsonb, _>(skipped)
    .execute(conn)
    .await
    .map_db_error()?;
    Ok(())
}
