use omnicrm_domain::entities::TaskStatus;
use omnicrm_domain::tasks::Recurrence;
use omnicrm_domain::{ContactId, TagId, TaskId, UserId};
use omnicrm_problem::AppError;
use omnicrm_repo::AsyncPgConnection;
use omnicrm_repo::tasks::{
    NewTaskRow, TaskChanges, TaskLinksRepository, TaskRow, TasksRepository, subtasks_of,
    with_subtasks,
};

/// When `changes` complete a recurring task (its status moves to `done`) for the first
/// time, creates the next occurrence: the same task, `todo`, its subtasks not done, due on
/// the rule's next date after the completed one's due date (or after today, in the user's
/// time zone, when it had none) that is also after today. The completed task remembers
/// the occurrence, so completing it again after reopening it creates no second one.
pub(super) async fn spawn_next_if_completed(
    conn: &mut AsyncPgConnection,
    user: UserId,
    current: &TaskRow,
    changes: &mut TaskChanges,
) -> Result<(), AppError> {
    let done = TaskStatus::Done.as_str();
    let completing = current.status != done && changes.status.as_deref() == Some(done);
    let rule = match &changes.recurrence {
        Some(rule) => rule.clone(),
        None => current.recurrence.clone(),
    };
    let (true, Some(rule), None) = (completing, rule, current.recurrence_next_id) else {
        return Ok(());
    };
    let Ok(recurrence) = Recurrence::parse(&rule) else {
        // Only a direct database write could store a rule the API refuses.
        tracing::warn!(task = %current.id, "stored recurrence rule does not parse; no next occurrence");
        return Ok(());
    };
    let today = TasksRepository::local_today(conn, user).await?;
    let due = match changes.due_date {
        Some(due) => due,
        None => current.due_date,
    }
    .unwrap_or(today);
    let Some(next_due) = recurrence.next_occurrence(due, today) else {
        return Ok(());
    };
    let details = changes.details.as_ref().unwrap_or(&current.details);
    let mut subtasks = subtasks_of(details);
    for subtask in &mut subtasks {
        subtask.completed = false;
        subtask.id = uuid::Uuid::now_v7();
    }
    let next = TaskId::generate();
    let row = NewTaskRow {
        user_id: user.into_uuid(),
        id: next.into_uuid(),
        project_id: match changes.project_id {
            Some(project) => project,
            None => current.project_id,
        },
        zone_id: match changes.zone_id {
            Some(zone) => zone,
            None => current.zone_id,
        },
        name: changes.name.clone().unwrap_or_else(|| current.name.clone()),
        status: TaskStatus::Todo.as_str().to_owned(),
        priority: changes
            .priority
            .clone()
            .unwrap_or_else(|| current.priority.clone()),
        due_date: Some(next_due),
        details: with_subtasks(details, &subtasks)?,
        recurrence: Some(rule),
    };
    TasksRepository::insert(conn, &row).await?;
    let ids = [current.id];
    let tags: Vec<TagId> = TaskLinksRepository::tags_of(conn, user, &ids)
        .await?
        .remove(&current.id)
        .unwrap_or_default()
        .into_iter()
        .map(|tag| tag.id)
        .collect();
    let contacts: Vec<ContactId> = TaskLinksRepository::contacts_of(conn, user, &ids)
        .await?
        .remove(&current.id)
        .unwrap_or_default();
    TaskLinksRepository::replace_tags(conn, user, next, &tags).await?;
    TaskLinksRepository::replace_contacts(conn, user, next, &contacts).await?;
    changes.recurrence_next_id = Some(Some(next.into_uuid()));
    Ok(())
}
