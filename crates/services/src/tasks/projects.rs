use futures_util::FutureExt;
use omnicrm_domain::entities::ProjectStatus;
use omnicrm_domain::tasks::{
    CreateProject, ProjectListQuery, ProjectView, TaskListQuery, TaskSort, TaskView, UpdateProject,
};
use omnicrm_domain::{Page, PageQuery, PaginationMeta, ProjectId, SortOrder, UserId};
use omnicrm_problem::AppError;
use omnicrm_repo::AsyncPgConnection;
use omnicrm_repo::tasks::{
    NewProjectRow, ProjectChanges, ProjectRow, ProjectsRepository, TasksRepository,
};
use serde_json::Value;

use super::{Links, TasksService, check_links, with_links};

impl TasksService {
    /// Creates a project; a zone that does not exist is 400 at `/zoneId`.
    pub async fn create_project(
        &self,
        user: UserId,
        input: CreateProject,
    ) -> Result<ProjectView, AppError> {
        let row = NewProjectRow {
            user_id: user.into_uuid(),
            id: uuid::Uuid::now_v7(),
            name: input.name.trim().to_owned(),
            status: input
                .status
                .unwrap_or(ProjectStatus::Active)
                .as_str()
                .to_owned(),
            due_date: input.due_date,
            details: Value::Object(input.details.unwrap_or_default()),
            zone_id: input.zone_id,
        };
        self.db
            .tenant(user, move |conn| {
                async move {
                    let links = Links {
                        zone: row.zone_id,
                        ..Links::default()
                    };
                    check_links(conn, user, &links).await?;
                    omnicrm_repo::tenants::ensure(conn, user).await?;
                    let stored = ProjectsRepository::insert(conn, &row).await?;
                    with_progress(conn, user, vec![stored])
                        .await?
                        .pop()
                        .ok_or_else(|| {
                            AppError::internal(
                                "the created project vanished inside its transaction",
                            )
                        })
                }
                .boxed()
            })
            .await
    }

    /// One project with its progress, or 404.
    pub async fn get_project(&self, user: UserId, id: ProjectId) -> Result<ProjectView, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let row = ProjectsRepository::find(conn, user, id).await?;
                    with_progress(conn, user, vec![row])
                        .await?
                        .pop()
                        .ok_or_else(AppError::not_found)
                }
                .boxed()
            })
            .await
    }

    /// One page of the user's projects (newest first) with the total.
    pub async fn list_projects(
        &self,
        user: UserId,
        query: ProjectListQuery,
    ) -> Result<Page<ProjectView>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let rows = ProjectsRepository::list(conn, user, &query).await?;
                    let total = ProjectsRepository::count(conn, user, &query).await?;
                    Ok(Page {
                        items: with_progress(conn, user, rows).await?,
                        pagination: PaginationMeta::new(query.page_request(), total),
                    })
                }
                .boxed()
            })
            .await
    }

    /// Applies a PATCH; 404 when the project is not the user's.
    pub async fn update_project(
        &self,
        user: UserId,
        id: ProjectId,
        input: UpdateProject,
    ) -> Result<ProjectView, AppError> {
        let changes = ProjectChanges {
            name: input.name.flatten().map(|n| n.trim().to_owned()),
            status: input.status.flatten().map(|s| s.as_str().to_owned()),
            due_date: input.due_date,
            details: input.details.map(|d| Value::Object(d.unwrap_or_default())),
            zone_id: input.zone_id,
        };
        self.db
            .tenant(user, move |conn| {
                async move {
                    ProjectsRepository::find(conn, user, id).await?;
                    let links = Links {
                        zone: changes.zone_id.flatten(),
                        ..Links::default()
                    };
                    check_links(conn, user, &links).await?;
                    let row = ProjectsRepository::update(conn, user, id, &changes).await?;
                    with_progress(conn, user, vec![row])
                        .await?
                        .pop()
                        .ok_or_else(AppError::not_found)
                }
                .boxed()
            })
            .await
    }

    /// Deletes a project and its tasks; 404 when absent.
    pub async fn delete_project(&self, user: UserId, id: ProjectId) -> Result<(), AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { ProjectsRepository::delete(conn, user, id).await }.boxed()
            })
            .await
    }

    /// One page of a project's tasks (soonest due first; suggestions awaiting approval
    /// left out); 404 when the project is not the user's.
    pub async fn project_tasks(
        &self,
        user: UserId,
        id: ProjectId,
        page: PageQuery,
    ) -> Result<Page<TaskView>, AppError> {
        let query = TaskListQuery {
            project_id: Some(id),
            sort: TaskSort::DueDate,
            order: SortOrder::Asc,
            page: page.page,
            page_size: page.page_size,
            ..TaskListQuery::default()
        };
        self.db
            .tenant(user, move |conn| {
                async move {
                    ProjectsRepository::find(conn, user, id).await?;
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
}

async fn with_progress(
    conn: &mut AsyncPgConnection,
    user: UserId,
    rows: Vec<ProjectRow>,
) -> Result<Vec<ProjectView>, AppError> {
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
    let mut progress = ProjectsRepository::progress_of(conn, user, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let p = progress.remove(&row.id).unwrap_or_default();
            row.into_project(p)
        })
        .collect()
}
