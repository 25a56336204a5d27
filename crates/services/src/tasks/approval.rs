use futures_util::FutureExt;
use omnicrm_domain::entities::TaskStatus;
use omnicrm_domain::tasks::{ApproveTask, RejectTask, TaskView};
use omnicrm_domain::{TaskId, UserId};
use omnicrm_problem::AppError;
use omnicrm_repo::AsyncPgConnection;
use omnicrm_repo::tasks::{TaskChanges, TaskRow, TasksRepository};
use time::OffsetDateTime;

use super::{Links, TasksService, check_links, one_with_links};

impl TasksService {
    /// Approves a suggestion: it becomes `todo`, with the edits applied. 409 when the task
    /// is not awaiting approval; 404 when it is not the user's.
    pub async fn approve_task(
        &self,
        user: UserId,
        id: TaskId,
        input: ApproveTask,
    ) -> Result<TaskView, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    pending(conn, user, id).await?;
                    let links = Links {
                        project: input.project_id,
                        zone: input.zone_id,
                        ..Links::default()
                    };
                    check_links(conn, user, &links).await?;
                    let changes = TaskChanges {
                        status: Some(TaskStatus::Todo.as_str().to_owned()),
                        name: input.name.map(|n| n.trim().to_owned()),
                        priority: input.priority.map(|p| p.as_str().to_owned()),
                        due_date: input.due_date.map(Some),
                        project_id: input.project_id.map(|p| Some(p.into_uuid())),
                        zone_id: input.zone_id.map(Some),
                        ..TaskChanges::default()
                    };
                    let row = TasksRepository::update(conn, user, id, &changes).await?;
                    one_with_links(conn, user, row).await
                }
                .boxed()
            })
            .await
    }

    /// Rejects a suggestion: it becomes `canceled` and keeps the reason and the time, so
    /// the suggestions that fail can be studied. 409 when the task is not awaiting
    /// approval; 404 when it is not the user's.
    pub async fn reject_task(
        &self,
        user: UserId,
        id: TaskId,
        input: RejectTask,
    ) -> Result<TaskView, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    pending(conn, user, id).await?;
                    let changes = TaskChanges {
                        status: Some(TaskStatus::Canceled.as_str().to_owned()),
                        rejection_reason: Some(input.reason.map(|r| r.trim().to_owned())),
                        rejected_at: Some(Some(OffsetDateTime::now_utc())),
                        ..TaskChanges::default()
                    };
                    let row = TasksRepository::update(conn, user, id, &changes).await?;
                    one_with_links(conn, user, row).await
                }
                .boxed()
            })
            .await
    }
}

/// The task, locked, when it awaits approval; 409 when it does not, 404 when absent.
async fn pending(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: TaskId,
) -> Result<TaskRow, AppError> {
    let row = TasksRepository::find_for_update(conn, user, id).await?;
    if row.status != TaskStatus::PendingApproval.as_str() {
        return Err(AppError::conflict(format!(
            "the task is {}, not awaiting approval",
            row.status
        )));
    }
    Ok(row)
}
