//! The inbox: quick and voice captures, their rule-based suggestions (in the user's time
//! zone), and turning them into tasks: by the caller (`process`), as suggestions awaiting
//! approval (`intelligent`, the queue's job), or many at once (`bulk`, one transaction).

use std::collections::{HashMap, HashSet};

use futures_util::FutureExt;
use omnicrm_domain::entities::{TaskPriority, TaskStatus};
use omnicrm_domain::inbox::{
    BulkInboxAction, BulkInboxOutcome, BulkInboxRequest, BulkInboxResult, BulkInboxResults,
    CaptureInbox, InboxDetails, InboxItemStatus, InboxItemView, InboxListQuery, InboxProcessed,
    InboxQueueStats, InboxStatsView, InboxSuggestion, InboxTaskInput, InboxVoice,
    IntelligentCapture, ProcessInbox, SuggestedTask, UpdateInboxItem,
};
use omnicrm_domain::inbox_rules::split_capture;
use omnicrm_domain::tasks::TaskView;
use omnicrm_domain::{InboxItemId, Page, PaginationMeta, TaskId, UserId};
use omnicrm_jobs::{EnqueueOptions, enqueue};
use omnicrm_problem::{AppError, FieldError};
use omnicrm_repo::inbox::{InboxChanges, InboxRepository, InboxRow, NewInboxRow};
use omnicrm_repo::tasks::{NewTaskRow, ProjectsRepository, TasksRepository, zone_exists};
use omnicrm_repo::{AsyncPgConnection, Db};
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::{TasksService, with_links};
use crate::job_kinds::InboxProcess;

/// What the suggestion needs besides the text: the user's local today and the zones.
struct SuggestionContext {
    today: Date,
    zones: HashMap<String, Uuid>,
}

impl SuggestionContext {
    async fn load(conn: &mut AsyncPgConnection, user: UserId) -> Result<Self, AppError> {
        let today = TasksRepository::local_today(conn, user).await?;
        let zones = InboxRepository::zone_ids(conn).await?.into_iter().collect();
        Ok(Self { today, zones })
    }

    fn suggest(&self, text: &str) -> InboxSuggestion {
        let mut tasks: Vec<SuggestedTask> = split_capture(text, self.today)
            .into_iter()
            .map(|draft| {
                let zone_name = draft.zone.map(|z| z.name().to_owned());
                SuggestedTask {
                    zone_id: zone_name.as_ref().and_then(|n| self.zones.get(n).copied()),
                    zone_name,
                    name: draft.name,
                    due_date: draft.due_date,
                    priority: draft.priority,
                }
            })
            .filter(|t| !t.name.is_empty())
            .collect();
        if tasks.is_empty() {
            // Only bullets or punctuation: the whole text is the one task.
            tasks.push(SuggestedTask {
                name: text.trim().chars().take(200).collect(),
                due_date: None,
                priority: None,
                zone_id: None,
                zone_name: None,
            });
        }
        InboxSuggestion { tasks }
    }

    fn view(&self, row: InboxRow) -> Result<InboxItemView, AppError> {
        let (status, details) = row.decode()?;
        Ok(InboxItemView {
            suggestion: self.suggest(&row.raw_text),
            id: row.id,
            user_id: row.user_id,
            raw_text: row.raw_text,
            status,
            source: details.source,
            processed_at: row.processed_at,
            created_task_id: row.created_task_id,
            task_ids: details.task_ids,
            queued_at: details.queued_at,
            voice: details.voice,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// The storage key of a voice capture's recording.
fn voice_key(row: &InboxRow) -> Option<String> {
    row.decode().ok()?.1.voice.map(|v| v.object_key)
}

fn to_json(details: &InboxDetails) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(details).map_err(|e| AppError::internal(format!("inbox details: {e}")))
}

/// A new item's row.
pub(crate) fn new_row(
    user: UserId,
    raw_text: &str,
    source: Option<String>,
    queued_at: Option<OffsetDateTime>,
    voice: Option<InboxVoice>,
) -> Result<NewInboxRow, AppError> {
    let details = InboxDetails {
        source: Some(source.unwrap_or_else(|| "manual".to_owned())),
        task_ids: Vec::new(),
        queued_at,
        voice,
    };
    Ok(NewInboxRow {
        user_id: user,
        id: InboxItemId::generate(),
        raw_text: raw_text.to_owned(),
        status: InboxItemStatus::Unprocessed.as_str().to_owned(),
        processed_at: None,
        created_task_id: None,
        details: to_json(&details)?,
    })
}

/// Inserts an item (queued: with its job, in the same transaction) and answers its view.
pub(crate) async fn insert_item(
    conn: &mut AsyncPgConnection,
    user: UserId,
    row: &NewInboxRow,
    queue: bool,
) -> Result<InboxItemView, AppError> {
    omnicrm_repo::tenants::ensure(conn, user).await?;
    let stored = InboxRepository::insert(conn, row).await?;
    if queue {
        let options = EnqueueOptions {
            user_id: Some(user.into_uuid()),
            ..EnqueueOptions::default()
        };
        enqueue(conn, &InboxProcess { item_id: row.id }, &options)
            .await
            .map_err(AppError::internal)?;
    }
    SuggestionContext::load(conn, user).await?.view(stored)
}

/// The tasks to make, checked: each project must be the user's and each zone exist (400
/// pointing at `/tasks/{i}/projectId` or `/tasks/{i}/zoneId`).
async fn check_task_links(
    conn: &mut AsyncPgConnection,
    user: UserId,
    tasks: &[InboxTaskInput],
) -> Result<(), AppError> {
    let mut problems = Vec::new();
    for (i, task) in tasks.iter().enumerate() {
        if let Some(project) = task.project_id
            && !ProjectsRepository::lock_if_exists(conn, user, project).await?
        {
            problems.push(FieldError::new(
                format!("/tasks/{i}/projectId"),
                "not_found",
                "no such project",
            ));
        }
        if let Some(zone) = task.zone_id
            && !zone_exists(conn, zone).await?
        {
            problems.push(FieldError::new(
                format!("/tasks/{i}/zoneId"),
                "not_found",
                "no such zone",
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(problems))
    }
}

fn suggested_inputs(suggestion: InboxSuggestion) -> Vec<InboxTaskInput> {
    suggestion
        .tasks
        .into_iter()
        .map(|t| InboxTaskInput {
            name: t.name,
            priority: t.priority,
            due_date: t.due_date,
            project_id: None,
            zone_id: t.zone_id,
        })
        .collect()
}

/// Makes `tasks` from the item `row` with `status`, marks the item processed and answers
/// both. The item must be locked and unprocessed.
async fn make_tasks(
    conn: &mut AsyncPgConnection,
    user: UserId,
    ctx: &SuggestionContext,
    row: InboxRow,
    tasks: Vec<InboxTaskInput>,
    status: TaskStatus,
) -> Result<InboxProcessed, AppError> {
    let mut rows = Vec::with_capacity(tasks.len());
    for task in tasks {
        let new = NewTaskRow {
            user_id: user.into_uuid(),
            id: Uuid::now_v7(),
            project_id: task.project_id.map(|p| p.into_uuid()),
            zone_id: task.zone_id,
            name: task.name.trim().to_owned(),
            status: status.as_str().to_owned(),
            priority: task
                .priority
                .unwrap_or(TaskPriority::Medium)
                .as_str()
                .to_owned(),
            due_date: task.due_date,
            details: json!({ "inboxItemId": row.id }),
            recurrence: None,
        };
        rows.push(TasksRepository::insert(conn, &new).await?);
    }
    let task_ids: Vec<TaskId> = rows.iter().map(|r| TaskId::from(r.id)).collect();
    let (_, mut details) = row.decode()?;
    details.task_ids = task_ids.clone();
    details.queued_at = None;
    let changes = InboxChanges {
        status: Some(InboxItemStatus::Processed.as_str().to_owned()),
        processed_at: Some(Some(OffsetDateTime::now_utc())),
        created_task_id: Some(task_ids.first().copied()),
        details: Some(to_json(&details)?),
        ..InboxChanges::default()
    };
    let stored = InboxRepository::update(conn, user, row.id, &changes).await?;
    Ok(InboxProcessed {
        item: ctx.view(stored)?,
        tasks: with_links(conn, user, rows).await?,
    })
}

async fn lock_one(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: InboxItemId,
) -> Result<InboxRow, AppError> {
    InboxRepository::lock_many(conn, user, &[id])
        .await?
        .pop()
        .ok_or_else(AppError::not_found)
}

/// The queue's job: makes the suggested tasks of a queued item, awaiting approval. An item
/// gone, or no longer unprocessed (the user got there first), is left alone.
pub(crate) async fn process_queued(
    db: &Db,
    user: UserId,
    id: InboxItemId,
) -> Result<usize, AppError> {
    db.tenant(user, move |conn| {
        async move {
            let Some(row) = InboxRepository::lock_many(conn, user, &[id]).await?.pop() else {
                return Ok(0);
            };
            if row.status != InboxItemStatus::Unprocessed.as_str() {
                return Ok(0);
            }
            let ctx = SuggestionContext::load(conn, user).await?;
            let tasks = suggested_inputs(ctx.suggest(&row.raw_text));
            let made =
                make_tasks(conn, user, &ctx, row, tasks, TaskStatus::PendingApproval).await?;
            Ok(made.tasks.len())
        }
        .boxed()
    })
    .await
}

impl TasksService {
    /// Captures a text; with `queue`, a job makes its suggested tasks later.
    pub async fn capture_inbox(
        &self,
        user: UserId,
        input: CaptureInbox,
    ) -> Result<InboxItemView, AppError> {
        let queued_at = input.queue.then(OffsetDateTime::now_utc);
        let row = new_row(user, &input.raw_text, input.source, queued_at, None)?;
        let queue = input.queue;
        self.db
            .tenant(user, move |conn| {
                async move { insert_item(conn, user, &row, queue).await }.boxed()
            })
            .await
    }

    /// Captures a text and files its suggested tasks as awaiting approval, at once.
    pub async fn intelligent_capture(
        &self,
        user: UserId,
        input: IntelligentCapture,
    ) -> Result<InboxProcessed, AppError> {
        let row = new_row(user, &input.raw_text, input.source, None, None)?;
        self.db
            .tenant(user, move |conn| {
                async move {
                    omnicrm_repo::tenants::ensure(conn, user).await?;
                    let stored = InboxRepository::insert(conn, &row).await?;
                    let ctx = SuggestionContext::load(conn, user).await?;
                    let tasks = suggested_inputs(ctx.suggest(&stored.raw_text));
                    make_tasks(conn, user, &ctx, stored, tasks, TaskStatus::PendingApproval).await
                }
                .boxed()
            })
            .await
    }

    /// One item, or 404.
    pub async fn get_inbox_item(
        &self,
        user: UserId,
        id: InboxItemId,
    ) -> Result<InboxItemView, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let row = InboxRepository::find(conn, user, id).await?;
                    SuggestionContext::load(conn, user).await?.view(row)
                }
                .boxed()
            })
            .await
    }

    /// One page of items, newest first.
    pub async fn list_inbox(
        &self,
        user: UserId,
        query: InboxListQuery,
    ) -> Result<Page<InboxItemView>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let rows = InboxRepository::list(conn, user, &query).await?;
                    let total = InboxRepository::count(conn, user, &query).await?;
                    let ctx = SuggestionContext::load(conn, user).await?;
                    Ok(Page {
                        items: rows
                            .into_iter()
                            .map(|r| ctx.view(r))
                            .collect::<Result<_, _>>()?,
                        pagination: PaginationMeta::new(query.page_request(), total),
                    })
                }
                .boxed()
            })
            .await
    }

    /// Counts per status and of the last 24 hours.
    pub async fn inbox_stats(&self, user: UserId) -> Result<InboxStatsView, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { InboxRepository::stats(conn, user).await }.boxed()
            })
            .await
    }

    /// The user's items waiting for the queue's job.
    pub async fn inbox_queue(&self, user: UserId) -> Result<InboxQueueStats, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let (total_queued, oldest_queued_at) =
                        InboxRepository::queue(conn, user).await?;
                    Ok(InboxQueueStats {
                        total_queued,
                        oldest_queued_at,
                    })
                }
                .boxed()
            })
            .await
    }

    /// Applies a PATCH; `processedAt` follows the status. 404 when absent.
    pub async fn update_inbox_item(
        &self,
        user: UserId,
        id: InboxItemId,
        input: UpdateInboxItem,
    ) -> Result<InboxItemView, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let current = lock_one(conn, user, id).await?;
                    let status = input.status.flatten();
                    let processed_at = status.and_then(|s| {
                        let was = current.status == InboxItemStatus::Processed.as_str();
                        match (s, was) {
                            (InboxItemStatus::Processed, true) => None,
                            (InboxItemStatus::Processed, false) => {
                                Some(Some(OffsetDateTime::now_utc()))
                            }
                            _ => Some(None),
                        }
                    });
                    let changes = InboxChanges {
                        raw_text: input.raw_text.flatten(),
                        status: status.map(|s| s.as_str().to_owned()),
                        processed_at,
                        ..InboxChanges::default()
                    };
                    let stored = InboxRepository::update(conn, user, id, &changes).await?;
                    SuggestionContext::load(conn, user).await?.view(stored)
                }
                .boxed()
            })
            .await
    }

    /// Deletes an item (its tasks stay); 404 when absent. Answers the storage keys the
    /// deletion unreferenced (a voice capture's recording), for the caller to delete
    /// after the commit.
    pub async fn delete_inbox_item(
        &self,
        user: UserId,
        id: InboxItemId,
    ) -> Result<Vec<String>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let row = lock_one(conn, user, id).await?;
                    InboxRepository::delete(conn, user, id).await?;
                    Ok(voice_key(&row).into_iter().collect())
                }
                .boxed()
            })
            .await
    }

    /// Makes tasks from an unprocessed item (the caller's, or the suggestion's) and marks it
    /// processed. 404 when absent; 409 when not unprocessed.
    pub async fn process_inbox(
        &self,
        user: UserId,
        input: ProcessInbox,
    ) -> Result<InboxProcessed, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let row = lock_one(conn, user, input.item_id).await?;
                    if row.status != InboxItemStatus::Unprocessed.as_str() {
                        return Err(AppError::conflict("this item is not unprocessed"));
                    }
                    let ctx = SuggestionContext::load(conn, user).await?;
                    let tasks = match input.tasks {
                        Some(tasks) => {
                            check_task_links(conn, user, &tasks).await?;
                            tasks
                        }
                        None => suggested_inputs(ctx.suggest(&row.raw_text)),
                    };
                    make_tasks(conn, user, &ctx, row, tasks, TaskStatus::Todo).await
                }
                .boxed()
            })
            .await
    }

    /// Archives, deletes or processes up to 50 items in one transaction; one result per
    /// distinct id in request order (another user's id is `not_found`, never touched).
    /// Also answers the storage keys the deletions unreferenced (voice recordings), for
    /// the caller to delete after the commit.
    pub async fn bulk_inbox(
        &self,
        user: UserId,
        input: BulkInboxRequest,
    ) -> Result<(BulkInboxResults, Vec<String>), AppError> {
        let mut seen = HashSet::new();
        let ids: Vec<InboxItemId> = input
            .item_ids
            .into_iter()
            .filter(|id| seen.insert(*id))
            .collect();
        let action = input.action;
        self.db
            .tenant(user, move |conn| {
                async move {
                    let mut rows: HashMap<InboxItemId, InboxRow> =
                        InboxRepository::lock_many(conn, user, &ids)
                            .await?
                            .into_iter()
                            .map(|r| (r.id, r))
                            .collect();
                    let ctx = SuggestionContext::load(conn, user).await?;
                    let mut results = Vec::with_capacity(ids.len());
                    let mut unreferenced = Vec::new();
                    for id in ids {
                        let Some(row) = rows.remove(&id) else {
                            results.push(BulkInboxResult {
                                id,
                                outcome: BulkInboxOutcome::NotFound,
                                task_ids: Vec::new(),
                            });
                            continue;
                        };
                        let (outcome, task_ids) = match action {
                            BulkInboxAction::Archive => {
                                let changes = InboxChanges {
                                    status: Some(InboxItemStatus::Archived.as_str().to_owned()),
                                    processed_at: Some(None),
                                    ..InboxChanges::default()
                                };
                                InboxRepository::update(conn, user, id, &changes).await?;
                                (BulkInboxOutcome::Archived, Vec::new())
                            }
                            BulkInboxAction::Delete => {
                                InboxRepository::delete(conn, user, id).await?;
                                unreferenced.extend(voice_key(&row));
                                (BulkInboxOutcome::Deleted, Vec::new())
                            }
                            BulkInboxAction::Process => {
                                if row.status == InboxItemStatus::Unprocessed.as_str() {
                                    let tasks = suggested_inputs(ctx.suggest(&row.raw_text));
                                    let made =
                                        make_tasks(conn, user, &ctx, row, tasks, TaskStatus::Todo)
                                            .await?;
                                    (
                                        BulkInboxOutcome::Processed,
                                        made.tasks.iter().map(|t: &TaskView| t.id).collect(),
                                    )
                                } else {
                                    (BulkInboxOutcome::Skipped, Vec::new())
                                }
                            }
                        };
                        results.push(BulkInboxResult {
                            id,
                            outcome,
                            task_ids,
                        });
                    }
                    Ok((BulkInboxResults { results }, unreferenced))
                }
                .boxed()
            })
            .await
    }
}
