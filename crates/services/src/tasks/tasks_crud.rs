use futures_util::FutureExt;
use omnicrm_domain::entities::{TaskPriority, TaskStatus};
use omnicrm_domain::tasks::{CreateTask, TaskListQuery, TaskView, UpdateTask};
use omnicrm_domain::{ContactId, Page, PageQuery, PaginationMeta, TaskId, UserId};
use omnicrm_problem::AppError;
use omnicrm_repo::tasks::{
    NewTaskRow, TaskChanges, TaskLinksRepository, TaskScope, TasksRepository, client_details,
};
use serde_json::Value;

use super::recurring::spawn_next_if_completed;
use super::{Links, TasksService, check_links, dedup, ids, one_with_links, with_links};

impl TasksService {
    /// Creates a task. A project, zone, tag or contact that is not the user's is a 400
    /// pointing at it.
    pub async fn create_task(&self, user: UserId, input: CreateTask) -> Result<TaskView, AppError> {
        let CreateTask {
            name,
            status,
            priority,
            due_date,
            details,
            project_id,
            zone_id,
            recurrence,
            tag_ids,
            contact_ids,
        } = input;
        let id = TaskId::generate();
        let row = NewTaskRow {
            user_id: user.into_uuid(),
            id: id.into_uuid(),
            project_id: project_id.map(|p| p.into_uuid()),
            zone_id,
            name: name.trim().to_owned(),
            status: status.unwrap_or(TaskStatus::Todo).as_str().to_owned(),
            priority: priority.unwrap_or(TaskPriority::Medium).as_str().to_owned(),
            due_date,
            details: client_details(details.unwrap_or_default(), &Value::Null)?,
            recurrence,
        };
        let (tag_ids, contact_ids) = (dedup(tag_ids), dedup(contact_ids));
        self.db
            .tenant(user, move |conn| {
                async move {
                    let links = Links {
                        project: project_id,
                        zone: zone_id,
                        tags: &tag_ids,
                        contacts: &contact_ids,
                    };
                    check_links(conn, user, &links).await?;
                    omnicrm_repo::tenants::ensure(conn, user).await?;
                    let stored = TasksRepository::insert(conn, &row).await?;
                    TaskLinksRepository::replace_tags(conn, user, id, &ids(&tag_ids)).await?;
                    TaskLinksRepository::replace_contacts(conn, user, id, &ids(&contact_ids))
                        .await?;
                    one_with_links(conn, user, stored).await
                }
                .boxed()
            })
            .await
    }

    /// One task with its tags, contacts and subtasks, or 404.
    pub async fn get_task(&self, user: UserId, id: TaskId) -> Result<TaskView, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let row = TasksRepository::find(conn, user, id).await?;
                    one_with_links(conn, user, row).await
                }
                .boxed()
            })
            .await
    }

    /// One page of tasks matching `query` with the total.
    pub async fn list_tasks(
        &self,
        user: UserId,
        query: TaskListQuery,
    ) -> Result<Page<TaskView>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let (rows, total) = TasksRepository::list(conn, user, &query).await?;
                    Ok(Page {
                        items: with_links(conn, user, rows).await?,
                        pagination: PaginationMeta::new(query.page_request(), total),
                    })
                }
                .boxed()
            })
            .await
    }

    /// One page of a contact's open tasks (soonest due first); 404 when the contact is
    /// not the user's.
    pub async fn contact_tasks(
        &self,
        user: UserId,
        contact: ContactId,
        page: PageQuery,
    ) -> Result<Page<TaskView>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let owned = TaskLinksRepository::lock_contacts(conn, user, &[contact]).await?;
                    if owned.is_empty() {
                        return Err(AppError::not_found());
                    }
                    scope_page(conn, user, TaskScope::ContactOpen(contact), page).await
                }
                .boxed()
            })
            .await
    }

    /// One page of the suggestions awaiting approval (soonest due first).
    pub async fn pending_approval(
        &self,
        user: UserId,
        page: PageQuery,
    ) -> Result<Page<TaskView>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { scope_page(conn, user, TaskScope::PendingApproval, page).await }
                    .boxed()
            })
            .await
    }

    /// Applies a PATCH; 404 when the task is not the user's, 409 when it is a suggestion
    /// awaiting approval and the PATCH changes its status. Completing a recurring task
    /// creates its next occurrence.
    pub async fn update_task(
        &self,
        user: UserId,
        id: TaskId,
        input: UpdateTask,
    ) -> Result<TaskView, AppError> {
        let UpdateTask {
            name,
            status,
            priority,
            due_date,
            details,
            project_id,
            zone_id,
            recurrence,
            tag_ids,
            contact_ids,
        } = input;
        // `null` and `[]` both empty a set; absent leaves it alone.
        let tag_ids = tag_ids.map(|ids| dedup(ids.unwrap_or_default()));
        let contact_ids = contact_ids.map(|ids| dedup(ids.unwrap_or_default()));
        let status = status.flatten();
        self.db
            .tenant(user, move |conn| {
                async move {
                    let current = TasksRepository::find_for_update(conn, user, id).await?;
                    let pending = TaskStatus::PendingApproval.as_str();
                    if current.status == pending && status.is_some_and(|s| s.as_str() != pending) {
                        return Err(AppError::conflict(
                            "this task awaits approval: approve or reject it",
                        ));
                    }
                    let links = Links {
                        project: project_id.flatten(),
                        zone: zone_id.flatten(),
                        tags: tag_ids.as_deref().unwrap_or_default(),
                        contacts: contact_ids.as_deref().unwrap_or_default(),
                    };
                    check_links(conn, user, &links).await?;
                    let mut changes = TaskChanges {
                        name: name.flatten().map(|n| n.trim().to_owned()),
                        status: status.map(|s| s.as_str().to_owned()),
                        priority: priority.flatten().map(|p| p.as_str().to_owned()),
                        due_date,
                        details: details
                            .map(|d| client_details(d.unwrap_or_default(), &current.details))
                            .transpose()?,
                        project_id: project_id.map(|p| p.map(|p| p.into_uuid())),
                        zone_id,
                        recurrence,
                        ..TaskChanges::default()
                    };
                    if let Some(tags) = &tag_ids {
                        TaskLinksRepository::replace_tags(conn, user, id, &ids(tags)).await?;
                    }
                    if let Some(contacts) = &contact_ids {
                        TaskLinksRepository::replace_contacts(conn, user, id, &ids(contacts))
                            .await?;
                    }
                    spawn_next_if_completed(conn, user, &current, &mut changes).await?;
                    let links_changed = tag_ids.is_some() || contact_ids.is_some();
                    let row = if changes.is_empty() && !links_changed {
                        current
                    } else {
                        TasksRepository::update(conn, user, id, &changes).await?
                    };
                    one_with_links(conn, user, row).await
                }
                .boxed()
            })
            .await
    }

    /// Deletes a task with its links; 404 when absent.
    pub async fn delete_task(&self, user: UserId, id: TaskId) -> Result<(), AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { TasksRepository::delete(conn, user, id).await }.boxed()
            })
            .await
    }
}

async fn scope_page(
    conn: &mut omnicrm_repo::AsyncPgConnection,
    user: UserId,
    scope: TaskScope,
    page: PageQuery,
) -> Result<Page<TaskView>, AppError> {
    let request = page.page_request();
    let (rows, total) =
        TasksRepository::list_scope(conn, user, scope, request.limit(), request.offset()).await?;
    Ok(Page {
        items: with_links(conn, user, rows).await?,
        pagination: PaginationMeta::new(request, total),
    })
}
