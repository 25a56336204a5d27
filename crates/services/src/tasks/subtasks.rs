use futures_util::FutureExt;
use omnicrm_domain::tasks::{CreateSubtask, MAX_SUBTASKS, ReorderSubtasks, Subtask, UpdateSubtask};
use omnicrm_domain::{TaskId, UserId};
use omnicrm_problem::AppError;
use omnicrm_repo::AsyncPgConnection;
use omnicrm_repo::tasks::{TaskChanges, TasksRepository, subtasks_of, with_subtasks};
use uuid::Uuid;

use super::TasksService;

impl TasksService {
    /// The task's subtasks in order; 404 when the task is not the user's.
    pub async fn subtasks(&self, user: UserId, task: TaskId) -> Result<Vec<Subtask>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let row = TasksRepository::find(conn, user, task).await?;
                    Ok(subtasks_of(&row.details))
                }
                .boxed()
            })
            .await
    }

    /// Appends a subtask (not done); 404 when the task is not the user's, 409 when it
    /// already has the most subtasks a task can have.
    pub async fn add_subtask(
        &self,
        user: UserId,
        task: TaskId,
        input: CreateSubtask,
    ) -> Result<Subtask, AppError> {
        let subtask = Subtask {
            id: Uuid::now_v7(),
            title: input.title.trim().to_owned(),
            completed: false,
            duration: input.duration,
        };
        self.db
            .tenant(user, move |conn| {
                async move {
                    edit(conn, user, task, |list| {
                        if list.len() >= MAX_SUBTASKS {
                            return Err(AppError::conflict(format!(
                                "a task has at most {MAX_SUBTASKS} subtasks"
                            )));
                        }
                        list.push(subtask.clone());
                        Ok(subtask)
                    })
                    .await
                }
                .boxed()
            })
            .await
    }

    /// Changes one subtask; 404 when the task or the subtask is not the user's.
    pub async fn update_subtask(
        &self,
        user: UserId,
        task: TaskId,
        id: Uuid,
        input: UpdateSubtask,
    ) -> Result<Subtask, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    edit(conn, user, task, |list| {
                        let subtask = list
                            .iter_mut()
                            .find(|s| s.id == id)
                            .ok_or_else(AppError::not_found)?;
                        if let Some(title) = input.title {
                            subtask.title = title.trim().to_owned();
                        }
                        if let Some(completed) = input.completed {
                            subtask.completed = completed;
                        }
                        if let Some(duration) = input.duration {
                            subtask.duration = duration;
                        }
                        Ok(subtask.clone())
                    })
                    .await
                }
                .boxed()
            })
            .await
    }

    /// Removes one subtask; 404 when the task or the subtask is not the user's.
    pub async fn delete_subtask(
        &self,
        user: UserId,
        task: TaskId,
        id: Uuid,
    ) -> Result<(), AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    edit(conn, user, task, |list| {
                        let before = list.len();
                        list.retain(|s| s.id != id);
                        if list.len() == before {
                            return Err(AppError::not_found());
                        }
                        Ok(())
                    })
                    .await
                }
                .boxed()
            })
            .await
    }

    /// Puts the subtasks in the order of `ids`, which must name each of them once (400
    /// otherwise); 404 when the task is not the user's.
    pub async fn reorder_subtasks(
        &self,
        user: UserId,
        task: TaskId,
        input: ReorderSubtasks,
    ) -> Result<Vec<Subtask>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    edit(conn, user, task, |list| {
                        let mut reordered = Vec::with_capacity(list.len());
                        for id in &input.ids {
                            match list.iter().position(|s| s.id == *id) {
                                Some(at) => reordered.push(list.swap_remove(at)),
                                None => return Err(not_a_permutation()),
                            }
                        }
                        if !list.is_empty() {
                            return Err(not_a_permutation());
                        }
                        *list = reordered;
                        Ok(list.clone())
                    })
                    .await
                }
                .boxed()
            })
            .await
    }
}

fn not_a_permutation() -> AppError {
    AppError::invalid_field(
        "/ids",
        "not_a_permutation",
        "list every subtask of the task exactly once",
    )
}

/// Read-modify-write of a task's subtasks under the task's row lock.
async fn edit<T>(
    conn: &mut AsyncPgConnection,
    user: UserId,
    task: TaskId,
    change: impl FnOnce(&mut Vec<Subtask>) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let row = TasksRepository::find_for_update(conn, user, task).await?;
    let mut list = subtasks_of(&row.details);
    let out = change(&mut list)?;
    let changes = TaskChanges {
        details: Some(with_subtasks(&row.details, &list)?),
        ..TaskChanges::default()
    };
    TasksRepository::update(conn, user, task, &changes).await?;
    Ok(out)
}
