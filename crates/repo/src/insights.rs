//! `ai_insights`: the insights the jobs write, the practitioner's reads and status
//! changes, and the figures the heuristics and the model are given.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::{AiInsightId, ContactId, UserId};
use omnicrm_problem::AppError;
use serde_json::Value;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::schema::ai_insights;

/// An insight row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ai_insights)]
pub struct InsightRow {
    /// Id.
    pub id: AiInsightId,
    /// `contact`, `segment` or `inbox`.
    pub subject_type: String,
    /// The subject's id.
    pub subject_id: Option<Uuid>,
    /// Kind.
    pub kind: String,
    /// Content.
    pub content: Value,
    /// Model (or `heuristic`).
    pub model: Option<String>,
    /// Prompt or formula version.
    pub prompt_version: Option<String>,
    /// `new`, `viewed`, `dismissed` or `applied`.
    pub status: String,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// Which insights a page holds.
#[derive(Debug, Clone, Default)]
pub struct InsightFilter {
    /// Any of these kinds (empty: all).
    pub kinds: Vec<&'static str>,
    /// Any of these statuses (empty: all).
    pub statuses: Vec<&'static str>,
    /// Only about this subject.
    pub subject_id: Option<Uuid>,
    /// After this `(created_at, id)` position (newest first).
    pub after: Option<(OffsetDateTime, Uuid)>,
    /// Rows to read.
    pub limit: i64,
}

/// A new insight.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ai_insights)]
pub struct NewInsight {
    /// Owner.
    pub user_id: UserId,
    /// Id.
    pub id: AiInsightId,
    /// `contact` or `segment`.
    pub subject_type: &'static str,
    /// The subject's id.
    pub subject_id: Option<Uuid>,
    /// Kind.
    pub kind: &'static str,
    /// Content.
    pub content: Value,
    /// Model (or `heuristic`).
    pub model: Option<String>,
    /// Dedup key.
    pub fingerprint: Option<String>,
    /// Prompt or formula version.
    pub prompt_version: Option<String>,
}

/// What the heuristics read about one contact.
#[derive(Debug, Clone, QueryableByName)]
pub struct ContactSignalsRow {
    /// The contact.
    #[diesel(sql_type = SqlUuid)]
    pub contact_id: Uuid,
    /// Latest interaction or note.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_contact_at: Option<OffsetDateTime>,
    /// Interactions and notes in the last 90 days.
    #[diesel(sql_type = BigInt)]
    pub touches_90d: i64,
    /// Has an email address or phone number.
    #[diesel(sql_type = Bool)]
    pub reachable: bool,
    /// Linked tasks not done or cancelled.
    #[diesel(sql_type = BigInt)]
    pub open_tasks: i64,
    /// Open tasks past their due date.
    #[diesel(sql_type = BigInt)]
    pub overdue_tasks: i64,
    /// The latest data-processing consent decision (`None`: never asked).
    #[diesel(sql_type = Nullable<Bool>)]
    pub consent_granted: Option<bool>,
}

/// The figures of the weekly digest.
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct DigestRow {
    /// Contacts created since the week start.
    #[diesel(sql_type = BigInt)]
    pub new_contacts: i64,
    /// Interactions since the week start.
    #[diesel(sql_type = BigInt)]
    pub interactions: i64,
    /// Notes since the week start.
    #[diesel(sql_type = BigInt)]
    pub notes: i64,
    /// Tasks completed since the week start.
    #[diesel(sql_type = BigInt)]
    pub tasks_completed: i64,
    /// Open tasks past their due date.
    #[diesel(sql_type = BigInt)]
    pub overdue_tasks: i64,
}

/// One email thread of a contact (`email_threads`).
#[derive(Debug, Clone, QueryableByName)]
pub struct EmailThreadRow {
    /// The contact.
    #[diesel(sql_type = SqlUuid)]
    pub contact_id: Uuid,
    /// The subject of its latest message.
    #[diesel(sql_type = Nullable<Text>)]
    pub subject: Option<String>,
    /// Its messages (among the contact's latest emails read).
    #[diesel(sql_type = BigInt)]
    pub messages: i64,
    /// Its first message.
    #[diesel(sql_type = Timestamptz)]
    pub first_at: OffsetDateTime,
    /// Its last message.
    #[diesel(sql_type = Timestamptz)]
    pub last_at: OffsetDateTime,
    /// `inbound`, `outbound`, or empty when not recorded, of its last message.
    #[diesel(sql_type = Text)]
    pub last_direction: String,
}

/// An earlier contact that looks like one of a batch (`duplicate_contacts`).
#[derive(Debug, Clone, QueryableByName)]
pub struct DuplicateRow {
    /// The contact of the batch.
    #[diesel(sql_type = SqlUuid)]
    pub contact_id: Uuid,
    /// The earlier contact it looks like.
    #[diesel(sql_type = SqlUuid)]
    pub other_id: Uuid,
    /// The earlier contact's display name.
    #[diesel(sql_type = Text)]
    pub other_name: String,
    /// `email`, `phone`, `name`.
    #[diesel(sql_type = diesel::sql_types::Array<Text>)]
    pub reasons: Vec<String>,
}

/// Each contact's latest `threads` email threads among its latest `messages` emails: a
/// thread is Gmail's `threadId`, else the subject without its `Re:`/`Fwd:` prefixes.
const EMAIL_THREADS: &str = r"
SELECT c.id AS contact_id, t.subject, t.messages, t.first_at, t.last_at, t.last_direction
FROM unnest($2::uuid[]) AS c (id)
CROSS JOIN LATERAL (
    SELECT (array_agg(g.subject ORDER BY g.occurred_at DESC, g.id DESC))[1] AS subject,
           count(*) AS messages, min(g.occurred_at) AS first_at, max(g.occurred_at) AS last_at,
           (array_agg(g.direction ORDER BY g.occurred_at DESC, g.id DESC))[1] AS last_direction
    FROM (
        SELECT i.id, i.subject, i.occurred_at,
               coalesce(i.source_meta ->> 'direction', '') AS direction,
               coalesce(nullif(i.source_meta ->> 'threadId', ''),
                        'subject:' || lower(regexp_replace(coalesce(i.subject, ''),
                                                           '^\s*((re|fwd?|aw)\s*:\s*)+', '', 'i')))
                   AS thread
        FROM interactions AS i
        WHERE i.user_id = $1 AND i.contact_id = c.id AND i.type = 'email'
        ORDER BY i.occurred_at DESC
        LIMIT $3
    ) AS g
    GROUP BY g.thread
    ORDER BY max(g.occurred_at) DESC
    LIMIT $4
) AS t
ORDER BY c.id, t.last_at DESC";

/// What the model is told about a contact: its profile, and its latest notes and
/// interactions (newest first).
#[derive(Debug, Clone, Default)]
pub struct ContactContext {
    /// Name.
    pub display_name: String,
    /// Lifecycle stage.
    pub lifecycle_stage: Option<String>,
    /// Client status.
    pub client_status: String,
    /// `(when, text)` of the latest notes (already redacted on write).
    pub notes: Vec<(OffsetDateTime, String)>,
    /// `(when, type, subject, body)` of the latest interactions.
    pub interactions: Vec<(OffsetDateTime, String, Option<String>, Option<String>)>,
}

#[derive(QueryableByName)]
struct NoteText {
    #[diesel(sql_type = Timestamptz)]
    created_at: OffsetDateTime,
    #[diesel(sql_type = Text)]
    text: String,
}

#[derive(QueryableByName)]
struct InteractionText {
    #[diesel(sql_type = Timestamptz)]
    occurred_at: OffsetDateTime,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    subject: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    body: Option<String>,
}

#[derive(QueryableByName)]
struct JobId {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// One statement per contact batch: the figures of [`ContactSignalsRow`]. `$1` user,
/// `$2` now, `$3` the contact ids (NULL: every contact after `$4`, by id), `$5` limit.
const CONTACT_SIGNALS: &str = "\
SELECT c.id AS contact_id,
       GREATEST(i.last_at, n.last_at) AS last_contact_at,
       COALESCE(i.recent, 0) + COALESCE(n.recent, 0) AS touches_90d,
       (c.primary_email IS NOT NULL OR c.primary_phone IS NOT NULL) AS reachable,
       COALESCE(t.open, 0) AS open_tasks,
       COALESCE(t.overdue, 0) AS overdue_tasks,
       cs.granted AS consent_granted
FROM contacts c
LEFT JOIN LATERAL (
    SELECT max(occurred_at) AS last_at,
           count(*) FILTER (WHERE occurred_at > $2 - interval '90 days' AND occurred_at <= $2) AS recent
    FROM interactions WHERE user_id = c.user_id AND contact_id = c.id) i ON true
LEFT JOIN LATERAL (
    SELECT max(created_at) AS last_at,
           count(*) FILTER (WHERE created_at > $2 - interval '90 days') AS recent
    FROM notes WHERE user_id = c.user_id AND contact_id = c.id) n ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS open,
           count(*) FILTER (WHERE tk.due_date < ($2 AT TIME ZONE 'UTC')::date) AS overdue
    FROM task_contacts tc JOIN tasks tk ON tk.user_id = tc.user_id AND tk.id = tc.task_id
    WHERE tc.user_id = c.user_id AND tc.contact_id = c.id
      AND tk.status IN ('todo', 'in_progress')) t ON true
LEFT JOIN LATERAL (
    SELECT granted FROM client_consents
    WHERE user_id = c.user_id AND contact_id = c.id AND consent_type = 'data_processing'
    ORDER BY granted_at DESC, created_at DESC LIMIT 1) cs ON true
WHERE c.user_id = $1
  AND ($3::uuid[] IS NULL OR c.id = ANY($3))
  AND ($4::uuid IS NULL OR c.id > $4)
ORDER BY c.id
LIMIT $5";

const DIGEST: &str = "\
SELECT (SELECT count(*) FROM contacts WHERE user_id = $1 AND created_at >= $2) AS new_contacts,
       (SELECT count(*) FROM interactions WHERE user_id = $1 AND occurred_at >= $2
            AND occurred_at <= $3) AS interactions,
       (SELECT count(*) FROM notes WHERE user_id = $1 AND created_at >= $2) AS notes,
       (SELECT count(*) FROM tasks WHERE user_id = $1 AND status = 'done'
            AND completed_at >= $2) AS tasks_completed,
       (SELECT count(*) FROM tasks WHERE user_id = $1 AND status IN ('todo', 'in_progress')
            AND due_date < ($3 AT TIME ZONE 'UTC')::date) AS overdue_tasks";

/// Queries over `ai_insights`.
#[derive(Debug, Clone, Copy, Default)]
pub struct InsightsRepository;

impl InsightsRepository {
    /// A page (`limit` rows) newest first.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        user: UserId,
        filter: &InsightFilter,
    ) -> Result<Vec<InsightRow>, AppError> {
        let mut q: ai_insights::BoxedQuery<'static, Pg> = ai_insights::table
            .filter(ai_insights::user_id.eq(user))
            .into_boxed();
        if !filter.kinds.is_empty() {
            q = q.filter(ai_insights::kind.eq_any(filter.kinds.clone()));
        }
        if !filter.statuses.is_empty() {
            q = q.filter(ai_insights::status.eq_any(filter.statuses.clone()));
        }
        if let Some(subject) = filter.subject_id {
            q = q.filter(ai_insights::subject_id.eq(subject));
        }
        if let Some((at, id)) = filter.after {
            q = q.filter(
                ai_insights::created_at
                    .lt(at)
                    .or(ai_insights::created_at.eq(at).and(ai_insights::id.lt(id))),
            );
        }
        q.order((ai_insights::created_at.desc(), ai_insights::id.desc()))
            .limit(filter.limit)
            .select(InsightRow::as_select())
            .load(conn)
            .await
            .map_db_error()
    }

    /// One insight.
    pub async fn get(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: AiInsightId,
    ) -> Result<Option<InsightRow>, AppError> {
        ai_insights::table
            .filter(ai_insights::user_id.eq(user))
            .filter(ai_insights::id.eq(id))
            .select(InsightRow::as_select())
            .first(conn)
            .await
            .optional()
            .map_db_error()
    }

    /// Sets the status; `None` when there is no such insight.
    pub async fn set_status(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: AiInsightId,
        status: &'static str,
    ) -> Result<Option<InsightRow>, AppError> {
        diesel::update(
            ai_insights::table
                .filter(ai_insights::user_id.eq(user))
                .filter(ai_insights::id.eq(id)),
        )
        .set(ai_insights::status.eq(status))
        .returning(InsightRow::as_returning())
        .get_result(conn)
        .await
        .optional()
        .map_db_error()
    }

    /// Deletes an insight; whether it existed.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: AiInsightId,
    ) -> Result<bool, AppError> {
        let n = diesel::delete(
            ai_insights::table
                .filter(ai_insights::user_id.eq(user))
                .filter(ai_insights::id.eq(id)),
        )
        .execute(conn)
        .await
        .map_db_error()?;
        Ok(n > 0)
    }

    /// Whether an insight with this fingerprint exists (its inputs were seen before).
    pub async fn has_fingerprint(
        conn: &mut AsyncPgConnection,
        user: UserId,
        fingerprint: &str,
    ) -> Result<bool, AppError> {
        diesel::select(diesel::dsl::exists(
            ai_insights::table
                .filter(ai_insights::user_id.eq(user))
                .filter(ai_insights::fingerprint.eq(fingerprint)),
        ))
        .get_result(conn)
        .await
        .map_db_error()
    }

    /// Stores an insight unless its fingerprint exists (`false` then). A new one
    /// supersedes the unread (`new`) insights of the same kind about the same subject:
    /// those the practitioner has seen, dismissed or applied are kept as history.
    pub async fn insert(conn: &mut AsyncPgConnection, row: &NewInsight) -> Result<bool, AppError> {
        let inserted = diesel::insert_into(ai_insights::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(conn)
            .await
            .map_db_error()?;
        if inserted == 0 {
            return Ok(false);
        }
        let mut stale = diesel::delete(ai_insights::table)
            .filter(ai_insights::user_id.eq(row.user_id))
            .filter(ai_insights::kind.eq(row.kind))
            .filter(ai_insights::subject_type.eq(row.subject_type))
            .filter(ai_insights::status.eq("new"))
            .filter(ai_insights::id.ne(row.id))
            .into_boxed();
        stale = match row.subject_id {
            Some(subject) => stale.filter(ai_insights::subject_id.eq(subject)),
            None => stale.filter(ai_insights::subject_id.is_null()),
        };
        stale.execute(conn).await.map_db_error()?;
        Ok(true)
    }

    /// Deletes the unread (`new`) insights of `kinds[i]` about contact `contacts[i]`
    /// (their cause has gone); those viewed, dismissed or applied are the practitioner's
    /// history and stay. Returns how many went.
    pub async fn withdraw_unread(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contacts: Vec<Uuid>,
        kinds: Vec<&'static str>,
    ) -> Result<usize, AppError> {
        diesel::sql_query(
            "DELETE FROM ai_insights AS a \
             USING unnest($2::uuid[], $3::text[]) AS w (contact, kind) \
             WHERE a.user_id = $1 AND a.subject_type = 'contact' AND a.subject_id = w.contact \
               AND a.kind = w.kind AND a.status = 'new'",
        )
        .bind::<SqlUuid, _>(user.into_uuid())
        .bind::<diesel::sql_types::Array<SqlUuid>, _>(contacts)
        .bind::<diesel::sql_types::Array<Text>, _>(kinds)
        .execute(conn)
        .await
        .map_db_error()
    }

    /// Whether the user has this contact.
    pub async fn contact_exists(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
    ) -> Result<bool, AppError> {
        use crate::schema::contacts;
        diesel::select(diesel::dsl::exists(
            contacts::table
                .filter(contacts::user_id.eq(user))
                .filter(contacts::id.eq(contact)),
        ))
        .get_result(conn)
        .await
        .map_db_error()
    }

    /// The heuristics' figures of `contacts` (or of the next `limit` contacts by id after
    /// `after`).
    pub async fn contact_signals(
        conn: &mut AsyncPgConnection,
        user: UserId,
        now: OffsetDateTime,
        contacts: Option<Vec<Uuid>>,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<ContactSignalsRow>, AppError> {
        diesel::sql_query(CONTACT_SIGNALS)
            .bind::<SqlUuid, _>(user.into_uuid())
            .bind::<Timestamptz, _>(now)
            .bind::<Nullable<diesel::sql_types::Array<SqlUuid>>, _>(contacts)
            .bind::<Nullable<SqlUuid>, _>(after)
            .bind::<BigInt, _>(limit)
            .load(conn)
            .await
            .map_db_error()
    }

    /// The weekly digest's counts since `week_start` (quiet contacts and consent gaps
    /// come from [`Self::contact_signals`]).
    pub async fn digest(
        conn: &mut AsyncPgConnection,
        user: UserId,
        week_start: Date,
        now: OffsetDateTime,
    ) -> Result<DigestRow, AppError> {
        let since = week_start.with_time(time::Time::MIDNIGHT).assume_utc();
        diesel::sql_query(DIGEST)
            .bind::<SqlUuid, _>(user.into_uuid())
            .bind::<Timestamptz, _>(since)
            .bind::<Timestamptz, _>(now)
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// What the model is told about a contact (`None`: no such contact): the latest
    /// `per_source` notes and interactions, each cut to `max_chars` characters.
    pub async fn contact_context(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
        per_source: i64,
        max_chars: i32,
    ) -> Result<Option<ContactContext>, AppError> {
        use crate::schema::contacts;
        let profile: Option<(String, Option<String>, String)> = contacts::table
            .filter(contacts::user_id.eq(user))
            .filter(contacts::id.eq(contact))
            .select((
                contacts::display_name,
                contacts::lifecycle_stage,
                contacts::client_status,
            ))
            .first(conn)
            .await
            .optional()
            .map_db_error()?;
        let Some((display_name, lifecycle_stage, client_status)) = profile else {
            return Ok(None);
        };
        let notes: Vec<NoteText> = diesel::sql_query(
            "SELECT created_at, left(content_plain, $4) AS text FROM notes \
             WHERE user_id = $1 AND contact_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3",
        )
        .bind::<SqlUuid, _>(user.into_uuid())
        .bind::<SqlUuid, _>(contact.into_uuid())
        .bind::<BigInt, _>(per_source)
        .bind::<Int4, _>(max_chars)
        .load(conn)
        .await
        .map_db_error()?;
        let interactions: Vec<InteractionText> = diesel::sql_query(
            "SELECT occurred_at, type AS kind, left(subject, $4) AS subject, \
                    left(body_text, $4) AS body FROM interactions \
             WHERE user_id = $1 AND contact_id = $2 ORDER BY occurred_at DESC, id DESC LIMIT $3",
        )
        .bind::<SqlUuid, _>(user.into_uuid())
        .bind::<SqlUuid, _>(contact.into_uuid())
        .bind::<BigInt, _>(per_source)
        .bind::<Int4, _>(max_chars)
        .load(conn)
        .await
        .map_db_error()?;
        Ok(Some(ContactContext {
            display_name,
            lifecycle_stage,
            client_status,
            notes: notes.into_iter().map(|n| (n.created_at, n.text)).collect(),
            interactions: interactions
                .into_iter()
                .map(|i| (i.occurred_at, i.kind, i.subject, i.body))
                .collect(),
        }))
    }

    /// The latest `threads` email threads of each of `contacts`, among each one's latest
    /// `messages` emails (bounded per contact, through `interactions_user_contact_occurred_idx`).
    pub async fn email_threads(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contacts: Vec<Uuid>,
        messages: i64,
        threads: i64,
    ) -> Result<Vec<EmailThreadRow>, AppError> {
        diesel::sql_query(EMAIL_THREADS)
            .bind::<SqlUuid, _>(user.into_uuid())
            .bind::<diesel::sql_types::Array<SqlUuid>, _>(contacts)
            .bind::<BigInt, _>(messages)
            .bind::<BigInt, _>(threads)
            .load(conn)
            .await
            .map_db_error()
    }

    /// For each of `contacts` (the session tenant's), up to `per_contact` contacts created
    /// before it that share an email or a phone with it, or have a very similar name,
    /// through the definer function `tenant_duplicate_contacts` (indexed; the tenant's
    /// rows only).
    pub async fn duplicate_contacts(
        conn: &mut AsyncPgConnection,
        contacts: Vec<Uuid>,
        per_contact: i32,
    ) -> Result<Vec<DuplicateRow>, AppError> {
        diesel::sql_query(
            "SELECT contact_id, other_id, other_name, reasons \
             FROM tenant_duplicate_contacts($1, $2)",
        )
        .bind::<diesel::sql_types::Array<SqlUuid>, _>(contacts)
        .bind::<Int4, _>(per_contact)
        .load(conn)
        .await
        .map_db_error()
    }

    /// Which of `kinds` the contact has an insight of that a model (not `heuristic`)
    /// wrote, in any status.
    pub async fn model_kinds_about(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
        heuristic: &str,
        kinds: Vec<&'static str>,
    ) -> Result<Vec<String>, AppError> {
        ai_insights::table
            .filter(ai_insights::user_id.eq(user))
            .filter(ai_insights::subject_type.eq("contact"))
            .filter(ai_insights::subject_id.eq(contact.into_uuid()))
            .filter(ai_insights::kind.eq_any(kinds))
            .filter(ai_insights::model.is_distinct_from(heuristic))
            .select(ai_insights::kind)
            .distinct()
            .load(conn)
            .await
            .map_db_error()
    }

    /// The id of the user's queued or running job with `unique_key`.
    pub async fn job_by_unique_key(
        conn: &mut AsyncPgConnection,
        user: UserId,
        unique_key: &str,
    ) -> Result<Option<Uuid>, AppError> {
        let rows: Vec<JobId> =
            diesel::sql_query("SELECT id FROM job_queue WHERE user_id = $1 AND unique_key = $2")
                .bind::<SqlUuid, _>(user.into_uuid())
                .bind::<Text, _>(unique_key)
                .load(conn)
                .await
                .map_db_error()?;
        Ok(rows.into_iter().next().map(|r| r.id))
    }

    /// Turns up to `limit` of the writes' refresh marks (`insights_pending`, every
    /// tenant's) into debounced `insights.contact` jobs, through the definer function
    /// `insights_dispatch` (ADR 0046). Returns how many marks it took: fewer than `limit`
    /// means none are left, or another dispatcher holds the lock and is taking them.
    pub async fn dispatch_refreshes(
        conn: &mut AsyncPgConnection,
        limit: i32,
    ) -> Result<i32, AppError> {
        #[derive(QueryableByName)]
        struct Taken {
            #[diesel(sql_type = Int4)]
            taken: i32,
        }
        let row: Taken = diesel::sql_query("SELECT insights_dispatch($1) AS taken")
            .bind::<Int4, _>(limit)
            .get_result(conn)
            .await
            .map_db_error()?;
        Ok(row.taken)
    }
}
