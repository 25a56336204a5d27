//! The AI layer's tables: `ai_quotas` (monthly credits), `ai_usage` (one row per model
//! call), and the assistant's `threads`, `messages` and `tool_invocations`.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date as SqlDate, Int4, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::{ChatMessageId, ContactId, ThreadId, ToolInvocationId, UserId};
use omnicrm_problem::AppError;
use serde_json::Value;
use time::{Date, OffsetDateTime};

use crate::error::RepoErrorExt;
use crate::schema::{ai_quotas, ai_usage, messages, threads, tool_invocations};

/// Spends one credit of the month starting `period_start`, in one statement. A row of an
/// earlier month is reset to `monthly - 1` (the rollover); otherwise the row is
/// decremented only while credits are left. `ON CONFLICT DO UPDATE` locks the row and its
/// `WHERE` sees the latest version, so concurrent spenders never overdraw.
const SPEND: &str = "\
INSERT INTO ai_quotas AS q (user_id, credits_left, period_start) VALUES ($1, $2 - 1, $3)
ON CONFLICT (user_id) DO UPDATE SET
    credits_left = CASE WHEN q.period_start < EXCLUDED.period_start THEN $2 - 1
                        ELSE q.credits_left - 1 END,
    period_start = GREATEST(q.period_start, EXCLUDED.period_start)
WHERE q.period_start < EXCLUDED.period_start OR q.credits_left > 0
RETURNING credits_left";

#[derive(QueryableByName)]
struct CreditsLeft {
    #[diesel(sql_type = Int4)]
    credits_left: i32,
}

#[derive(QueryableByName)]
struct Sum {
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// Totals of the user's model calls since a moment.
#[derive(Debug, Clone, Copy, Default, QueryableByName)]
pub struct UsageTotals {
    /// Model calls.
    #[diesel(sql_type = BigInt)]
    pub requests: i64,
    /// Prompt tokens.
    #[diesel(sql_type = BigInt)]
    pub input_tokens: i64,
    /// Completion tokens.
    #[diesel(sql_type = BigInt)]
    pub output_tokens: i64,
    /// Cost, millionths of a US dollar.
    #[diesel(sql_type = BigInt)]
    pub cost_usd_micros: i64,
}

/// A thread row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = threads)]
pub struct ThreadRow {
    /// Id.
    pub id: ThreadId,
    /// Title.
    pub title: Option<String>,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last change (a new message touches it).
    pub updated_at: OffsetDateTime,
}

/// A message row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = messages)]
pub struct MessageRow {
    /// Id.
    pub id: ChatMessageId,
    /// Thread.
    pub thread_id: ThreadId,
    /// `user`, `assistant`, `system` or `tool`.
    pub role: String,
    /// `{"text": ..}` and, on assistant messages, the tool calls and pending actions.
    pub content: Value,
    /// Created.
    pub created_at: OffsetDateTime,
}

/// A tool invocation row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tool_invocations)]
pub struct ToolInvocationRow {
    /// Id (also the id of a pending action).
    pub id: ToolInvocationId,
    /// The assistant message that called it.
    pub message_id: ChatMessageId,
    /// Tool name.
    pub tool: String,
    /// Arguments.
    pub args: Value,
    /// Result; `{"status": "awaiting_confirmation"}` while a write waits for the user;
    /// NULL when the tool failed.
    pub result: Option<Value>,
    /// Run time.
    pub latency_ms: Option<i32>,
    /// Created.
    pub created_at: OffsetDateTime,
}

/// Statements of the AI tables; run inside [`crate::Db::tenant`].
#[derive(Debug, Clone, Copy, Default)]
pub struct AiRepository;

impl AiRepository {
    /// Spends one credit (one atomic upsert that also rolls the month over); `None` when the
    /// month's credits are used up.
    pub async fn spend_credit(
        conn: &mut AsyncPgConnection,
        user: UserId,
        monthly: i32,
        period_start: Date,
    ) -> Result<Option<i32>, AppError> {
        if monthly <= 0 {
            return Ok(None);
        }
        crate::tenants::ensure(conn, user).await?;
        let row: Option<CreditsLeft> = diesel::sql_query(SPEND)
            .bind::<SqlUuid, _>(user)
            .bind::<Int4, _>(monthly)
            .bind::<SqlDate, _>(period_start)
            .get_result(conn)
            .await
            .optional()
            .map_db_error()?;
        Ok(row.map(|r| r.credits_left))
    }

    /// The quota row: credits left and the month they belong to.
    pub async fn quota(
        conn: &mut AsyncPgConnection,
        user: UserId,
    ) -> Result<Option<(i32, Date)>, AppError> {
        ai_quotas::table
            .filter(ai_quotas::user_id.eq(user))
            .select((ai_quotas::credits_left, ai_quotas::period_start))
            .first(conn)
            .await
            .optional()
            .map_db_error()
    }

    /// Cost of the user's calls since `since` (millionths of a dollar).
    pub async fn cost_since(
        conn: &mut AsyncPgConnection,
        user: UserId,
        since: OffsetDateTime,
    ) -> Result<i64, AppError> {
        let sum: Sum = diesel::sql_query(
            "SELECT coalesce(sum(cost_usd_micros), 0)::bigint AS total FROM ai_usage \
             WHERE user_id = $1 AND created_at >= $2",
        )
        .bind::<SqlUuid, _>(user)
        .bind::<Timestamptz, _>(since)
        .get_result(conn)
        .await
        .map_db_error()?;
        Ok(sum.total)
    }

    /// Totals of the user's calls since `since`.
    pub async fn totals_since(
        conn: &mut AsyncPgConnection,
        user: UserId,
        since: OffsetDateTime,
    ) -> Result<UsageTotals, AppError> {
        diesel::sql_query(
            "SELECT count(*)::bigint AS requests, \
                    coalesce(sum(input_tokens), 0)::bigint AS input_tokens, \
                    coalesce(sum(output_tokens), 0)::bigint AS output_tokens, \
                    coalesce(sum(cost_usd_micros), 0)::bigint AS cost_usd_micros \
             FROM ai_usage WHERE user_id = $1 AND created_at >= $2",
        )
        .bind::<SqlUuid, _>(user)
        .bind::<Timestamptz, _>(since)
        .get_result(conn)
        .await
        .map_db_error()
    }

    /// Records one model call.
    pub async fn record_usage(
        conn: &mut AsyncPgConnection,
        user: UserId,
        model: &str,
        input_tokens: i32,
        output_tokens: i32,
        cost_usd_micros: i64,
    ) -> Result<(), AppError> {
        crate::tenants::ensure(conn, user).await?;
        diesel::insert_into(ai_usage::table)
            .values((
                ai_usage::user_id.eq(user),
                ai_usage::id.eq(uuid::Uuid::now_v7()),
                ai_usage::model.eq(model),
                ai_usage::input_tokens.eq(input_tokens.max(0)),
                ai_usage::output_tokens.eq(output_tokens.max(0)),
                ai_usage::cost_usd_micros.eq(cost_usd_micros.max(0)),
            ))
            .execute(conn)
            .await
            .map(drop)
            .map_db_error()
    }

    /// A contact's newest interactions (type, subject, the first 500 characters of the
    /// body, when), newest first; 404 when the contact is not the user's.
    pub async fn recent_interactions(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
        limit: i64,
    ) -> Result<Vec<Value>, AppError> {
        use crate::schema::{contacts, interactions};
        contacts::table
            .filter(contacts::user_id.eq(user).and(contacts::id.eq(contact)))
            .select(contacts::id)
            .first::<uuid::Uuid>(conn)
            .await
            .map_db_error()?;
        let rows: Vec<(String, Option<String>, Option<String>, OffsetDateTime)> =
            interactions::table
                .filter(interactions::user_id.eq(user))
                .filter(interactions::contact_id.eq(Some(contact)))
                .order(interactions::occurred_at.desc())
                .limit(limit)
                .select((
                    interactions::type_,
                    interactions::subject,
                    diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Text>>(
                        "left(interactions.body_text, 500)",
                    ),
                    interactions::occurred_at,
                ))
                .load(conn)
                .await
                .map_db_error()?;
        Ok(rows
            .into_iter()
            .map(|(kind, subject, body, at)| {
                serde_json::json!({
                    "type": kind,
                    "subject": subject,
                    "body": body,
                    "occurredAt": at
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default(),
                })
            })
            .collect())
    }

    /// Creates a thread.
    pub async fn insert_thread(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ThreadId,
        title: Option<&str>,
    ) -> Result<ThreadRow, AppError> {
        crate::tenants::ensure(conn, user).await?;
        diesel::insert_into(threads::table)
            .values((
                threads::user_id.eq(user),
                threads::id.eq(id),
                threads::title.eq(title),
            ))
            .returning(ThreadRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// One page of threads, most recently active first, and the total.
    pub async fn list_threads(
        conn: &mut AsyncPgConnection,
        user: UserId,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<ThreadRow>, i64), AppError> {
        let rows = threads::table
            .filter(threads::user_id.eq(user))
            .order((threads::updated_at.desc(), threads::id.desc()))
            .limit(limit)
            .offset(offset)
            .select(ThreadRow::as_select())
            .load(conn)
            .await
            .map_db_error()?;
        let total = threads::table
            .filter(threads::user_id.eq(user))
            .count()
            .get_result(conn)
            .await
            .map_db_error()?;
        Ok((rows, total))
    }

    /// One thread (404 when it is not the user's).
    pub async fn find_thread(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ThreadId,
    ) -> Result<ThreadRow, AppError> {
        threads::table
            .filter(threads::user_id.eq(user).and(threads::id.eq(id)))
            .select(ThreadRow::as_select())
            .first(conn)
            .await
            .map_db_error()
    }

    /// Renames a thread (404 when it is not the user's).
    pub async fn rename_thread(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ThreadId,
        title: &str,
    ) -> Result<ThreadRow, AppError> {
        diesel::update(threads::table.filter(threads::user_id.eq(user).and(threads::id.eq(id))))
            .set(threads::title.eq(title))
            .returning(ThreadRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// Marks the thread active now (a trigger sets `updated_at`).
    pub async fn touch_thread(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ThreadId,
    ) -> Result<(), AppError> {
        diesel::update(threads::table.filter(threads::user_id.eq(user).and(threads::id.eq(id))))
            .set(threads::updated_at.eq(diesel::dsl::now))
            .execute(conn)
            .await
            .map(drop)
            .map_db_error()
    }

    /// Deletes a thread with its messages and tool invocations; false when it was not the
    /// user's.
    pub async fn delete_thread(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ThreadId,
    ) -> Result<bool, AppError> {
        diesel::delete(threads::table.filter(threads::user_id.eq(user).and(threads::id.eq(id))))
            .execute(conn)
            .await
            .map(|n| n > 0)
            .map_db_error()
    }

    /// Appends a message.
    pub async fn insert_message(
        conn: &mut AsyncPgConnection,
        user: UserId,
        thread: ThreadId,
        role: &str,
        content: &Value,
    ) -> Result<MessageRow, AppError> {
        diesel::insert_into(messages::table)
            .values((
                messages::user_id.eq(user),
                messages::id.eq(ChatMessageId::generate()),
                messages::thread_id.eq(thread),
                messages::role.eq(role),
                messages::content.eq(content),
            ))
            .returning(MessageRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// Replaces a message's content.
    pub async fn update_message(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ChatMessageId,
        content: &Value,
    ) -> Result<MessageRow, AppError> {
        diesel::update(messages::table.filter(messages::user_id.eq(user).and(messages::id.eq(id))))
            .set(messages::content.eq(content))
            .returning(MessageRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// The newest `limit` messages of a thread, oldest first.
    pub async fn recent_messages(
        conn: &mut AsyncPgConnection,
        user: UserId,
        thread: ThreadId,
        limit: i64,
    ) -> Result<Vec<MessageRow>, AppError> {
        let mut rows: Vec<MessageRow> = messages::table
            .filter(
                messages::user_id
                    .eq(user)
                    .and(messages::thread_id.eq(thread)),
            )
            .order((messages::created_at.desc(), messages::id.desc()))
            .limit(limit)
            .select(MessageRow::as_select())
            .load(conn)
            .await
            .map_db_error()?;
        rows.reverse();
        Ok(rows)
    }

    /// Records a tool invocation.
    pub async fn insert_invocation(
        conn: &mut AsyncPgConnection,
        user: UserId,
        message: ChatMessageId,
        tool: &str,
        args: &Value,
        result: Option<&Value>,
        latency_ms: Option<i32>,
    ) -> Result<ToolInvocationRow, AppError> {
        diesel::insert_into(tool_invocations::table)
            .values((
                tool_invocations::user_id.eq(user),
                tool_invocations::id.eq(ToolInvocationId::generate()),
                tool_invocations::message_id.eq(message),
                tool_invocations::tool.eq(tool),
                tool_invocations::args.eq(args),
                tool_invocations::result.eq(result),
                tool_invocations::latency_ms.eq(latency_ms),
            ))
            .returning(ToolInvocationRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// The tool invocations of a thread's messages, oldest first.
    pub async fn thread_invocations(
        conn: &mut AsyncPgConnection,
        user: UserId,
        thread: ThreadId,
    ) -> Result<Vec<ToolInvocationRow>, AppError> {
        let ids = messages::table
            .filter(
                messages::user_id
                    .eq(user)
                    .and(messages::thread_id.eq(thread)),
            )
            .select(messages::id);
        tool_invocations::table
            .filter(tool_invocations::user_id.eq(user))
            .filter(tool_invocations::message_id.eq_any(ids))
            .order((tool_invocations::created_at, tool_invocations::id))
            .select(ToolInvocationRow::as_select())
            .load(conn)
            .await
            .map_db_error()
    }

    /// Claims a pending action of a thread for running: its result becomes
    /// `{"status": "running"}` when it was awaiting confirmation. `None` when there is no
    /// such pending action (unknown, another thread's, or already confirmed). The row
    /// lock serialises two confirmations of the same action: the second sees `running`.
    pub async fn claim_pending(
        conn: &mut AsyncPgConnection,
        user: UserId,
        thread: ThreadId,
        id: ToolInvocationId,
    ) -> Result<Option<ToolInvocationRow>, AppError> {
        let ids = messages::table
            .filter(
                messages::user_id
                    .eq(user)
                    .and(messages::thread_id.eq(thread)),
            )
            .select(messages::id);
        diesel::update(
            tool_invocations::table
                .filter(tool_invocations::user_id.eq(user))
                .filter(tool_invocations::id.eq(id))
                .filter(tool_invocations::message_id.eq_any(ids))
                .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "tool_invocations.result ->> 'status' = 'awaiting_confirmation'",
                )),
        )
        .set(tool_invocations::result.eq(Some(serde_json::json!({ "status": "running" }))))
        .returning(ToolInvocationRow::as_returning())
        .get_result(conn)
        .await
        .optional()
        .map_db_error()
    }

    /// Stores the outcome of an invocation (`None`: the tool failed).
    pub async fn finish_invocation(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ToolInvocationId,
        result: Option<&Value>,
        latency_ms: i32,
    ) -> Result<(), AppError> {
        diesel::update(
            tool_invocations::table.filter(
                tool_invocations::user_id
                    .eq(user)
                    .and(tool_invocations::id.eq(id)),
            ),
        )
        .set((
            tool_invocations::result.eq(result),
            tool_invocations::latency_ms.eq(Some(latency_ms.max(0))),
        ))
        .execute(conn)
        .await
        .map(drop)
        .map_db_error()
    }
}
