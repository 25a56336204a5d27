use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use diesel::sql_types::{Array, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::entities::Tag;
use omnicrm_domain::{ContactId, TagId, TaskId, UserId};
use omnicrm_problem::AppError;
use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::schema::{contacts, task_contacts, task_tags};
use crate::sql::SqlBuilder;
use crate::tags::TagRow;

/// A task's links to tags (`task_tags`, whose triggers keep `tags.usage_count`) and to
/// contacts (`task_contacts`). Composite foreign keys make the database refuse a link to
/// another user's tag or contact.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaskLinksRepository;

#[derive(Debug, Insertable)]
#[diesel(table_name = task_tags)]
struct NewTaskTag {
    user_id: Uuid,
    task_id: Uuid,
    tag_id: Uuid,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = task_contacts)]
struct NewTaskContact {
    user_id: Uuid,
    task_id: Uuid,
    contact_id: Uuid,
}

impl TaskLinksRepository {
    /// Which of `ids` are the user's contacts, locked (`KEY SHARE`) until the transaction
    /// ends (tags: [`crate::notes::NoteLinksRepository::lock_tags`], shared by every tagged kind).
    pub async fn lock_contacts(
        conn: &mut AsyncPgConnection,
        user: UserId,
        ids: &[ContactId],
    ) -> Result<HashSet<Uuid>, AppError> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let ids: Vec<Uuid> = ids.iter().map(|id| id.into_uuid()).collect();
        let found: Vec<Uuid> = contacts::table
            .filter(contacts::user_id.eq(user))
            .filter(contacts::id.eq_any(ids))
            .select(contacts::id)
            .for_key_share()
            .load(conn)
            .await
            .map_db_error()?;
        Ok(found.into_iter().collect())
    }

    /// Makes `tags` the task's complete tag set (rows that stay are not touched).
    pub async fn replace_tags(
        conn: &mut AsyncPgConnection,
        user: UserId,
        task: TaskId,
        tags: &[TagId],
    ) -> Result<(), AppError> {
        let wanted: Vec<Uuid> = tags.iter().map(|id| id.into_uuid()).collect();
        diesel::delete(task_tags::table)
            .filter(task_tags::user_id.eq(user))
            .filter(task_tags::task_id.eq(task))
            .filter(task_tags::tag_id.ne_all(wanted.clone()))
            .execute(conn)
            .await
            .map_db_error()?;
        if wanted.is_empty() {
            return Ok(());
        }
        let rows: Vec<NewTaskTag> = wanted
            .into_iter()
            .map(|tag_id| NewTaskTag {
                user_id: user.into_uuid(),
                task_id: task.into_uuid(),
                tag_id,
            })
            .collect();
        diesel::insert_into(task_tags::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await
            .map(drop)
            .map_db_error()
    }

    /// Makes `contacts` the task's complete contact set.
    pub async fn replace_contacts(
        conn: &mut AsyncPgConnection,
        user: UserId,
        task: TaskId,
        contacts: &[ContactId],
    ) -> Result<(), AppError> {
        let wanted: Vec<Uuid> = contacts.iter().map(|id| id.into_uuid()).collect();
        diesel::delete(task_contacts::table)
            .filter(task_contacts::user_id.eq(user))
            .filter(task_contacts::task_id.eq(task))
            .filter(task_contacts::contact_id.ne_all(wanted.clone()))
            .execute(conn)
            .await
            .map_db_error()?;
        if wanted.is_empty() {
            return Ok(());
        }
        let rows: Vec<NewTaskContact> = wanted
            .into_iter()
            .map(|contact_id| NewTaskContact {
                user_id: user.into_uuid(),
                task_id: task.into_uuid(),
                contact_id,
            })
            .collect();
        diesel::insert_into(task_contacts::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await
            .map(drop)
            .map_db_error()
    }

    /// The tags of each of `tasks` (by name).
    pub async fn tags_of(
        conn: &mut AsyncPgConnection,
        user: UserId,
        tasks: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<Tag>>, AppError> {
        if tasks.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = load_tags(conn, user, tasks).await.map_db_error()?;
        group_tags(rows)
    }

    /// The contact ids of each of `tasks` (in the order they were linked).
    pub async fn contacts_of(
        conn: &mut AsyncPgConnection,
        user: UserId,
        tasks: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<ContactId>>, AppError> {
        if tasks.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = load_contacts(conn, user, tasks).await.map_db_error()?;
        Ok(group_contacts(rows))
    }

    /// [`Self::tags_of`] and [`Self::contacts_of`] in one round trip (pipelined), for a
    /// page of tasks.
    pub async fn links_of(
        conn: &mut AsyncPgConnection,
        user: UserId,
        tasks: &[Uuid],
    ) -> Result<TaskLinks, AppError> {
        if tasks.is_empty() {
            return Ok(TaskLinks::default());
        }
        let shared: &AsyncPgConnection = conn;
        let (tags, contacts) = futures_util::future::try_join(
            load_tags(shared, user, tasks),
            load_contacts(shared, user, tasks),
        )
        .await
        .map_db_error()?;
        Ok(TaskLinks {
            tags: group_tags(tags)?,
            contacts: group_contacts(contacts),
        })
    }
}

/// The tags and contacts of a page of tasks, by task id.
#[derive(Debug, Default)]
pub struct TaskLinks {
    /// Each task's tags, by name.
    pub tags: HashMap<Uuid, Vec<Tag>>,
    /// Each task's contacts, in the order they were linked.
    pub contacts: HashMap<Uuid, Vec<ContactId>>,
}

/// A tag of one of a page's tasks.
#[derive(QueryableByName)]
struct PageTagRow {
    #[diesel(sql_type = SqlUuid)]
    task_id: Uuid,
    #[diesel(embed)]
    tag: TagRow,
}

/// A contact of one of a page's tasks.
#[derive(QueryableByName)]
struct PageContactRow {
    #[diesel(sql_type = SqlUuid)]
    task_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    contact_id: Uuid,
}

// The links of a page are read task by task: each task's links are one primary-key range
// (user, task). Written as `task_id = ANY(..)`, the plan PostgreSQL keeps for the statement
// (priced for an average tenant, a few dozen links) reads all of the user's links and
// filters them, 0.8 ms for a tenant with 4,000 instead of 0.15 (ADR 0052). The lateral
// subquery (kept apart by `OFFSET 0`) makes the per-task probe the only plan, so the plan
// PostgreSQL keeps after the first executions is right for every tenant.

async fn load_tags(
    mut conn: &AsyncPgConnection,
    user: UserId,
    tasks: &[Uuid],
) -> QueryResult<Vec<(Uuid, TagRow)>> {
    let mut b = SqlBuilder::new();
    let u = b.bind::<SqlUuid, _>(user.into_uuid());
    let ids = b.bind::<Array<SqlUuid>, _>(distinct(tasks));
    b.push(&format!(
        "SELECT page.task_id, tg.user_id, tg.id, tg.name, tg.category, tg.color, \
         tg.is_system, tg.template_id, tg.usage_count, tg.created_at, tg.updated_at \
         FROM unnest({ids}::uuid[]) AS page (task_id) \
         CROSS JOIN LATERAL (SELECT tt.tag_id FROM task_tags tt \
         WHERE tt.user_id = {u} AND tt.task_id = page.task_id OFFSET 0) link \
         JOIN tags tg ON tg.user_id = {u} AND tg.id = link.tag_id \
         ORDER BY tg.name, tg.id"
    ));
    let rows: Vec<PageTagRow> = b.build().load(&mut conn).await?;
    Ok(rows.into_iter().map(|r| (r.task_id, r.tag)).collect())
}

async fn load_contacts(
    mut conn: &AsyncPgConnection,
    user: UserId,
    tasks: &[Uuid],
) -> QueryResult<Vec<(Uuid, Uuid)>> {
    let mut b = SqlBuilder::new();
    let u = b.bind::<SqlUuid, _>(user.into_uuid());
    let ids = b.bind::<Array<SqlUuid>, _>(distinct(tasks));
    b.push(&format!(
        "SELECT page.task_id, link.contact_id \
         FROM unnest({ids}::uuid[]) AS page (task_id) \
         CROSS JOIN LATERAL (SELECT tc.contact_id, tc.created_at FROM task_contacts tc \
         WHERE tc.user_id = {u} AND tc.task_id = page.task_id OFFSET 0) link \
         ORDER BY link.created_at, link.contact_id"
    ));
    let rows: Vec<PageContactRow> = b.build().load(&mut conn).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.task_id, r.contact_id))
        .collect())
}

/// `tasks` without repeats, in their order (a repeated id would repeat its links).
fn distinct(tasks: &[Uuid]) -> Vec<Uuid> {
    let mut seen = HashSet::with_capacity(tasks.len());
    tasks
        .iter()
        .copied()
        .filter(|id| seen.insert(*id))
        .collect()
}

fn group_tags(rows: Vec<(Uuid, TagRow)>) -> Result<HashMap<Uuid, Vec<Tag>>, AppError> {
    let mut out: HashMap<Uuid, Vec<Tag>> = HashMap::new();
    for (task, row) in rows {
        out.entry(task).or_default().push(row.try_into()?);
    }
    Ok(out)
}

fn group_contacts(rows: Vec<(Uuid, Uuid)>) -> HashMap<Uuid, Vec<ContactId>> {
    let mut out: HashMap<Uuid, Vec<ContactId>> = HashMap::new();
    for (task, contact) in rows {
        out.entry(task).or_default().push(contact.into());
    }
    out
}
