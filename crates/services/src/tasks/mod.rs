//! OmniMomentum's work side: zones, projects, tasks (tags, contacts, subtasks, approval of
//! suggestions, recurrence) and the stats. Every link a request names (project, zone, tag,
//! contact) is checked to be the user's (or a zone) inside the same transaction, and
//! reported as a 400 pointing at it, the same answer as for one that does not exist.

mod approval;
mod inbox;
mod projects;
mod recurring;
mod subtasks;
mod tasks_crud;
mod zones;

pub(crate) use inbox::process_queued;
pub(crate) use inbox::{insert_item, new_row};

use std::collections::HashSet;
use std::hash::Hash;

use omnicrm_domain::{ContactId, ProjectId, TagId, UserId};
use omnicrm_problem::{AppError, FieldError};
use omnicrm_repo::notes::NoteLinksRepository;
use omnicrm_repo::tasks::{
    ProjectsRepository, TaskLinks, TaskLinksRepository, TaskRow, zone_exists,
};
use omnicrm_repo::{AsyncPgConnection, Db};
use uuid::Uuid;

/// Zones, projects, tasks and the OmniMomentum stats of one practitioner.
#[derive(Debug, Clone)]
pub struct TasksService {
    db: Db,
}

impl TasksService {
    /// Wraps the database handle.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

/// The links a task write names, each with its index in the request (for pointers).
#[derive(Debug, Default)]
struct Links<'a> {
    project: Option<ProjectId>,
    zone: Option<Uuid>,
    tags: &'a [(usize, TagId)],
    contacts: &'a [(usize, ContactId)],
}

/// Checks that every named link is the user's (a zone: exists), locking the rows that are
/// until the transaction ends; 400 with one error per bad link.
async fn check_links(
    conn: &mut AsyncPgConnection,
    user: UserId,
    links: &Links<'_>,
) -> Result<(), AppError> {
    let mut problems = Vec::new();
    if let Some(project) = links.project
        && !ProjectsRepository::lock_if_exists(conn, user, project).await?
    {
        problems.push(FieldError::new(
            "/projectId",
            "not_found",
            "no such project",
        ));
    }
    if let Some(zone) = links.zone
        && !zone_exists(conn, zone).await?
    {
        problems.push(FieldError::new("/zoneId", "not_found", "no such zone"));
    }
    let owned = NoteLinksRepository::lock_tags(conn, user, &ids(links.tags)).await?;
    for (index, tag) in links.tags {
        if !owned.contains(&tag.into_uuid()) {
            problems.push(FieldError::new(
                format!("/tagIds/{index}"),
                "not_found",
                "no such tag",
            ));
        }
    }
    let owned = TaskLinksRepository::lock_contacts(conn, user, &ids(links.contacts)).await?;
    for (index, contact) in links.contacts {
        if !owned.contains(&contact.into_uuid()) {
            problems.push(FieldError::new(
                format!("/contactIds/{index}"),
                "not_found",
                "no such contact",
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(problems))
    }
}

/// Turns rows into tasks carrying their tags and contacts (two pipelined queries for any
/// number).
async fn with_links(
    conn: &mut AsyncPgConnection,
    user: UserId,
    rows: Vec<TaskRow>,
) -> Result<Vec<omnicrm_domain::tasks::TaskView>, AppError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let TaskLinks {
        mut tags,
        mut contacts,
    } = TaskLinksRepository::links_of(conn, user, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let id = row.id;
            row.into_task(
                tags.remove(&id).unwrap_or_default(),
                contacts.remove(&id).unwrap_or_default(),
            )
        })
        .collect()
}

/// One row as a task with its links.
async fn one_with_links(
    conn: &mut AsyncPgConnection,
    user: UserId,
    row: TaskRow,
) -> Result<omnicrm_domain::tasks::TaskView, AppError> {
    with_links(conn, user, vec![row])
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("a task vanished inside its transaction"))
}

/// The distinct ids with the index of their first occurrence (for error pointers).
fn dedup<T: Copy + Eq + Hash>(ids: Vec<T>) -> Vec<(usize, T)> {
    let mut seen = HashSet::new();
    ids.into_iter()
        .enumerate()
        .filter(|(_, id)| seen.insert(*id))
        .collect()
}

fn ids<T: Copy>(indexed: &[(usize, T)]) -> Vec<T> {
    indexed.iter().map(|(_, id)| *id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedup_keeps_the_first_index_of_each_id() {
        assert_eq!(dedup(vec![3, 1, 3, 2, 1]), vec![(0, 3), (1, 1), (3, 2)]);
    }
}
