//! Contact suggestions: calendar attendees and email correspondents aggregated per email in
//! one statement.

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::UserId;
use omnicrm_domain::contacts::suggestions::{
    MAX_EVENT_TITLES, SUGGESTION_WINDOW_MONTHS, SYSTEM_DOMAINS, SYSTEM_LOCAL_PART_MARKERS,
};
use omnicrm_problem::AppError;
use time::OffsetDateTime;

use crate::error::RepoErrorExt;
use crate::sql::SqlBuilder;

/// One person who is not a contact yet, aggregated over the window's calendar events and
/// emails.
#[derive(Debug, Clone, QueryableByName)]
pub struct AttendeeRow {
    /// Lower-cased, trimmed email.
    #[diesel(sql_type = Text)]
    pub email: String,
    /// The most recent non-blank display name the attendee had.
    #[diesel(sql_type = Nullable<Text>)]
    pub display_name: Option<String>,
    /// Distinct calendar events.
    #[diesel(sql_type = BigInt)]
    pub event_count: i64,
    /// Distinct emails (as sender, recipient or in copy).
    #[diesel(sql_type = BigInt)]
    pub email_count: i64,
    /// Start of the most recent event, or date of the most recent email.
    #[diesel(sql_type = Timestamptz)]
    pub last_event_date: OffsetDateTime,
    /// Distinct titles, most recent first.
    #[diesel(sql_type = Array<Text>)]
    pub event_titles: Vec<String>,
}

/// Reads suggestion candidates.
#[derive(Debug, Clone, Copy, Default)]
pub struct SuggestionsRepository;

impl SuggestionsRepository {
    /// People of the user's `calendar_event` and `email` interactions of the last 6 months
    /// (events ahead count too), most events and emails first: calendar attendees, and the
    /// `from`, `to` and `cc` addresses of emails. Without: the user's own entry (`self:
    /// true`) and own addresses (the connected Google accounts), room and resource entries
    /// (`resource: true`), system addresses (no-reply senders, bounces, calendar
    /// resources), emails already on a contact (primary email, case-insensitively, or an
    /// email identity) and ignored emails.
    pub async fn candidates(
        conn: &mut AsyncPgConnection,
        user: UserId,
    ) -> Result<Vec<AttendeeRow>, AppError> {
        let mut b = SqlBuilder::new();
        let u = b.bind::<SqlUuid, _>(user);
        let months = b.bind::<Integer, _>(SUGGESTION_WINDOW_MONTHS);
        let domains = b.bind::<Array<Text>, _>(
            SYSTEM_DOMAINS
                .iter()
                .map(|d| (*d).to_owned())
                .collect::<Vec<_>>(),
        );
        let markers = b.bind::<Array<Text>, _>(
            SYSTEM_LOCAL_PART_MARKERS
                .iter()
                .map(|m| (*m).to_owned())
                .collect::<Vec<_>>(),
        );
        let max_titles = b.bind::<BigInt, _>(i64::try_from(MAX_EVENT_TITLES).unwrap_or(10));
        b.push(&format!(
            "WITH attendee AS (
                SELECT lower(btrim(a ->> 'email')) AS email,
                       nullif(btrim(a ->> 'displayName'), '') AS display_name,
                       i.id AS interaction_id,
                       i.occurred_at,
                       nullif(btrim(i.subject), '') AS title,
                       true AS is_event
                FROM interactions i
                CROSS JOIN LATERAL jsonb_array_elements(
                    CASE WHEN jsonb_typeof(i.source_meta -> 'attendees') = 'array'
                         THEN i.source_meta -> 'attendees' ELSE '[]'::jsonb END) AS a
                WHERE i.user_id = {u}
                  AND i.type = 'calendar_event'
                  AND i.occurred_at >= now() - make_interval(months => {months})
                  AND jsonb_typeof(a) = 'object'
                  AND jsonb_typeof(a -> 'email') = 'string'
                  AND coalesce(a -> 'self', 'false') <> 'true'::jsonb
                  AND coalesce(a -> 'resource', 'false') <> 'true'::jsonb
                UNION ALL
                -- Email correspondents, as the normaliser stores them: `from` is an
                -- address object, `to` and `cc` arrays of them ({{email, name}}).
                SELECT lower(btrim(a ->> 'email')),
                       nullif(btrim(a ->> 'name'), ''),
                       i.id,
                       i.occurred_at,
                       NULL,
                       false
                FROM interactions i
                CROSS JOIN LATERAL jsonb_array_elements(
                    CASE WHEN jsonb_typeof(i.source_meta -> 'from') = 'object'
                         THEN jsonb_build_array(i.source_meta -> 'from') ELSE '[]'::jsonb END
                    || CASE WHEN jsonb_typeof(i.source_meta -> 'to') = 'array'
                            THEN i.source_meta -> 'to' ELSE '[]'::jsonb END
                    || CASE WHEN jsonb_typeof(i.source_meta -> 'cc') = 'array'
                            THEN i.source_meta -> 'cc' ELSE '[]'::jsonb END) AS a
                WHERE i.user_id = {u}
                  AND i.type = 'email'
                  AND i.occurred_at >= now() - make_interval(months => {months})
                  AND jsonb_typeof(a) = 'object'
                  AND jsonb_typeof(a -> 'email') = 'string'
            ),
            own AS (
                SELECT lower(btrim(config ->> 'email')) AS email
                FROM user_integrations
                WHERE user_id = {u} AND provider = 'google'
                  AND jsonb_typeof(config -> 'email') = 'string'
            ),
            candidate AS (
                SELECT * FROM attendee
                WHERE email ~ '^[^@[:space:]]+@[^@[:space:]]+$'
                  AND NOT (split_part(email, '@', 2) = ANY({domains}))
                  AND NOT EXISTS (SELECT 1 FROM unnest({markers}::text[]) AS m(marker)
                                  WHERE strpos(split_part(email, '@', 1), m.marker) > 0)
                  AND NOT EXISTS (SELECT 1 FROM contacts c
                                  WHERE c.user_id = {u} AND lower(c.primary_email) = attendee.email)
                  AND NOT EXISTS (SELECT 1 FROM contact_identities ci
                                  WHERE ci.user_id = {u} AND ci.kind = 'email'
                                    AND ci.value = attendee.email)
                  AND NOT EXISTS (SELECT 1 FROM ignored_identifiers ig
                                  WHERE ig.user_id = {u} AND ig.kind = 'email'
                                    AND ig.value = attendee.email)
                  AND NOT EXISTS (SELECT 1 FROM own WHERE own.email = attendee.email)
            ),
            title AS (
                SELECT email, title, max(occurred_at) AS seen
                FROM candidate WHERE title IS NOT NULL GROUP BY email, title
            )
            SELECT a.email,
                   (array_agg(a.display_name ORDER BY a.occurred_at DESC)
                        FILTER (WHERE a.display_name IS NOT NULL))[1] AS display_name,
                   count(DISTINCT a.interaction_id) FILTER (WHERE a.is_event) AS event_count,
                   count(DISTINCT a.interaction_id) FILTER (WHERE NOT a.is_event) AS email_count,
                   max(a.occurred_at) AS last_event_date,
                   coalesce((SELECT array_agg(t.title ORDER BY t.seen DESC, t.title)
                             FROM (SELECT title, seen FROM title
                                   WHERE title.email = a.email
                                   ORDER BY seen DESC, title LIMIT {max_titles}) AS t),
                            '{{}}') AS event_titles
            FROM candidate a
            GROUP BY a.email
            ORDER BY count(DISTINCT a.interaction_id) DESC, last_event_date DESC, a.email"
        ));
        b.build().load(conn).await.map_db_error()
    }
}
