//! AI insights: the practitioner's reads and status changes ([`InsightsService`]) and the
//! generation the insight jobs run ([`generate`]).
//!
//! Every insight is deduplicated by a fingerprint of its kind, subject, prompt (or
//! formula) version and inputs: unchanged inputs never make a new row, and for the
//! model's kinds never a new provider call (the fingerprint is checked before the call).

pub mod generate;
mod prompt;

use futures_util::FutureExt;
use omnicrm_domain::entities::{InsightKind, InsightSubjectType};
use omnicrm_domain::insights::{
    Insight, InsightListQuery, InsightPage, InsightStatus, RequestInsights, UpdateInsight,
};
use omnicrm_domain::{AiInsightId, UserId};
use omnicrm_jobs::{EnqueueOptions, Job as _, enqueue};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::insights::{InsightFilter, InsightRow, InsightsRepository};
use uuid::Uuid;

use crate::cursor::{cut_page, position};

/// When a user's practice insights are refreshed (Mondays 06:00 UTC): the weekly digest
/// of the week that starts, and the contact heuristics.
pub const WEEKLY_CRON: &str = "0 6 * * 1";

/// The schedule name of `user`'s weekly refresh.
pub fn weekly_schedule_name(user: UserId) -> String {
    format!("insights-weekly:{user}")
}

/// Installs (idempotently) the user's weekly refresh: a user who asks for insights once
/// gets the digest every week after. Erasure removes it with the user's schedules.
async fn weekly_schedule(
    conn: &mut omnicrm_repo::AsyncPgConnection,
    user: UserId,
) -> Result<(), AppError> {
    let schedule = omnicrm_jobs::Schedule {
        name: weekly_schedule_name(user),
        cron: WEEKLY_CRON.to_owned(),
        timezone: "UTC".to_owned(),
        kind: InsightsRefresh::KIND.to_owned(),
        queue: InsightsRefresh::QUEUE.to_owned(),
        payload: serde_json::json!({}),
        skip_if_running: true,
        user_id: Some(user.into_uuid()),
        concurrency_key: None,
    };
    omnicrm_jobs::upsert_schedule(conn, &schedule, time::OffsetDateTime::now_utc())
        .await
        .map_err(AppError::from)?;
    Ok(())
}
use crate::job_kinds::{InsightsContact, InsightsRefresh};

/// Reads, status changes and generation requests of insights; cheap to clone.
#[derive(Debug, Clone)]
pub struct InsightsService {
    db: Db,
}

fn view(row: InsightRow) -> Result<Insight, AppError> {
    let bad = |what: &str| AppError::internal(format!("ai_insights.{what} holds an unknown value"));
    Ok(Insight {
        id: row.id,
        subject_type: InsightSubjectType::parse(&row.subject_type)
            .ok_or_else(|| bad("subject_type"))?,
        subject_id: row.subject_id,
        kind: InsightKind::parse(&row.kind).ok_or_else(|| bad("kind"))?,
        status: InsightStatus::parse(&row.status).ok_or_else(|| bad("status"))?,
        content: row.content,
        model: row.model,
        prompt_version: row.prompt_version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

impl InsightsService {
    /// The service.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// A page of the user's insights, newest first.
    pub async fn list(
        &self,
        user: UserId,
        query: InsightListQuery,
    ) -> Result<InsightPage, AppError> {
        let limit = usize::try_from(query.limit).unwrap_or(50);
        let filter = InsightFilter {
            kinds: query.kind.iter().map(|k| k.as_str()).collect(),
            statuses: query.status.iter().map(|s| s.as_str()).collect(),
            subject_id: query.subject_id.map(|c| c.into_uuid()),
            after: position(query.cursor.as_deref())?,
            limit: i64::try_from(limit + 1).unwrap_or(i64::MAX),
        };
        let mut rows = self
            .db
            .tenant(user, move |conn| {
                async move { InsightsRepository::list(conn, user, &filter).await }.boxed()
            })
            .await?;
        let next_cursor = cut_page(&mut rows, limit, |r| (r.created_at, r.id.into_uuid()));
        Ok(InsightPage {
            items: rows.into_iter().map(view).collect::<Result<_, _>>()?,
            next_cursor,
        })
    }

    /// A contact's insights; 404 when the user has no such contact.
    pub async fn list_for_contact(
        &self,
        user: UserId,
        contact: omnicrm_domain::ContactId,
        query: InsightListQuery,
    ) -> Result<InsightPage, AppError> {
        let exists = self
            .db
            .tenant(user, move |conn| {
                async move { InsightsRepository::contact_exists(conn, user, contact).await }.boxed()
            })
            .await?;
        if !exists {
            return Err(AppError::not_found());
        }
        self.list(user, query).await
    }

    /// One insight; 404 when it is not the user's.
    pub async fn get(&self, user: UserId, id: AiInsightId) -> Result<Insight, AppError> {
        let row = self
            .db
            .tenant(user, move |conn| {
                async move { InsightsRepository::get(conn, user, id).await }.boxed()
            })
            .await?
            .ok_or_else(AppError::not_found)?;
        view(row)
    }

    /// Sets the status (viewed, dismissed, applied).
    pub async fn update(
        &self,
        user: UserId,
        id: AiInsightId,
        input: UpdateInsight,
    ) -> Result<Insight, AppError> {
        let status = InsightStatus::from(input.status).as_str();
        let row = self
            .db
            .tenant(user, move |conn| {
                async move { InsightsRepository::set_status(conn, user, id, status).await }.boxed()
            })
            .await?
            .ok_or_else(AppError::not_found)?;
        view(row)
    }

    /// Deletes an insight.
    pub async fn delete(&self, user: UserId, id: AiInsightId) -> Result<(), AppError> {
        let deleted = self
            .db
            .tenant(user, move |conn| {
                async move { InsightsRepository::delete(conn, user, id).await }.boxed()
            })
            .await?;
        if deleted {
            Ok(())
        } else {
            Err(AppError::not_found())
        }
    }

    /// Queues the generation (one job per user and subject: while one is queued or
    /// running, asking again answers that job). Returns the job id; 404 for a contact that
    /// is not the user's.
    pub async fn request(&self, user: UserId, input: RequestInsights) -> Result<Uuid, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let options = EnqueueOptions {
                        user_id: Some(user.into_uuid()),
                        ..EnqueueOptions::default()
                    };
                    let (enqueued, key) = match input.subject_id {
                        Some(contact) => {
                            if !InsightsRepository::contact_exists(conn, user, contact).await? {
                                return Err(
                                    AppError::not_found().with_detail("the contact does not exist")
                                );
                            }
                            let job = InsightsContact {
                                contact_id: contact.into_uuid(),
                                kinds: input.kinds,
                                automatic: false,
                            };
                            let key = job.unique().map(|(k, _)| k).unwrap_or_default();
                            (enqueue(conn, &job, &options).await?, key)
                        }
                        None => {
                            let job = InsightsRefresh {
                                kinds: input.kinds,
                                for_user: user.into_uuid(),
                            };
                            let key = job.unique().map(|(k, _)| k).unwrap_or_default();
                            (enqueue(conn, &job, &options).await?, key)
                        }
                    };
                    weekly_schedule(conn, user).await?;
                    if let Some(id) = enqueued {
                        return Ok(id);
                    }
                    InsightsRepository::job_by_unique_key(conn, user, &key)
                        .await?
                        .ok_or_else(|| AppError::contention("the queued generation just finished"))
                }
                .boxed()
            })
            .await
    }
}
