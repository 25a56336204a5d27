use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date as SqlDate, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::tasks::{TaskListQuery, TaskSort};
use omnicrm_domain::{ContactId, SortOrder, TaskId, UserId};
use omnicrm_problem::AppError;
use time::Date;

use super::row::{NewTaskRow, TASK_COLUMNS, TaskChanges, TaskRow};
use crate::error::RepoErrorExt;
use crate::schema::tasks;
use crate::sql::{BuiltQuery, SqlBuilder};
use crate::text::contains_pattern;

/// Queries over `tasks`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TasksRepository;

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// A page row and, when the page counts its matches, their total.
#[derive(QueryableByName)]
struct TaskPageRow {
    #[diesel(embed)]
    task: TaskRow,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    total_count: Option<i64>,
}

#[derive(QueryableByName)]
struct TodayRow {
    #[diesel(sql_type = SqlDate)]
    today: Date,
}

/// The user's local date: `now()` in the time zone of their profile (UTC without one).
fn local_today_sql(user_placeholder: &str) -> String {
    format!(
        "(now() AT TIME ZONE coalesce((SELECT p.timezone FROM user_profiles p \
         WHERE p.user_id = {user_placeholder}), 'UTC'))::date"
    )
}

/// Which open tasks a page of a contact's or project's tasks reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskScope {
    /// The open tasks (`todo`, `in_progress`) linked to a contact.
    ContactOpen(ContactId),
    /// Suggestions awaiting approval.
    PendingApproval,
}

impl TasksRepository {
    /// Inserts a task.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        row: &NewTaskRow,
    ) -> Result<TaskRow, AppError> {
        diesel::insert_into(tasks::table)
            .values(row)
            .returning(TaskRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// One task, or 404.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: TaskId,
    ) -> Result<TaskRow, AppError> {
        tasks::table
            .filter(tasks::user_id.eq(user))
            .filter(tasks::id.eq(id))
            .select(TaskRow::as_select())
            .first(conn)
            .await
            .map_db_error()
    }

    /// One task locked for update (read-modify-write of its status or subtasks), or 404.
    pub async fn find_for_update(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: TaskId,
    ) -> Result<TaskRow, AppError> {
        tasks::table
            .filter(tasks::user_id.eq(user))
            .filter(tasks::id.eq(id))
            .select(TaskRow::as_select())
            .for_update()
            .first(conn)
            .await
            .map_db_error()
    }

    /// Applies `changes` (none: only `updated_at` moves, because a link changed); 404 when
    /// absent. The `tasks_completed_at` trigger keeps `completed_at` in step with `status`.
    pub async fn update(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: TaskId,
        changes: &TaskChanges,
    ) -> Result<TaskRow, AppError> {
        let target = tasks::table
            .filter(tasks::user_id.eq(user))
            .filter(tasks::id.eq(id));
        let updated = if changes.is_empty() {
            diesel::update(target)
                .set(tasks::updated_at.eq(diesel::dsl::now))
                .returning(TaskRow::as_returning())
                .get_result(conn)
                .await
        } else {
            diesel::update(target)
                .set(changes)
                .returning(TaskRow::as_returning())
                .get_result(conn)
                .await
        };
        updated.map_db_error()
    }

    /// Deletes a task (its links cascade); 404 when absent.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: TaskId,
    ) -> Result<(), AppError> {
        let deleted = diesel::delete(tasks::table)
            .filter(tasks::user_id.eq(user))
            .filter(tasks::id.eq(id))
            .execute(conn)
            .await
            .map_db_error()?;
        if deleted == 0 {
            return Err(AppError::not_found());
        }
        Ok(())
    }

    /// The user's local date (their profile's time zone, UTC without one).
    pub async fn local_today(conn: &mut AsyncPgConnection, user: UserId) -> Result<Date, AppError> {
        let mut b = SqlBuilder::new();
        let u = b.bind::<SqlUuid, _>(user);
        b.push(&format!("SELECT {} AS today", local_today_sql(&u)));
        let row: TodayRow = b.build().get_result(conn).await.map_db_error()?;
        Ok(row.today)
    }

    /// One page of tasks matching `query` and the total.
    ///
    /// A list filtered by tags or a contact reads only the linked tasks, in the one plan
    /// its statement allows, kept per connection; its page carries the total
    /// (`count(*) OVER ()`) instead of a second pass over the same links. Other lists are
    /// planned for their values: PostgreSQL prices the generic plan of a filtered list for
    /// an average tenant, a few dozen rows, which is wrong for a large one. They count
    /// separately, through an index, rather than read every matching row for the window.
    /// Either way the plan mode is set for these statements only and given back in the
    /// same round trip (ADR 0052).
    pub async fn list(
        conn: &mut AsyncPgConnection,
        user: UserId,
        query: &TaskListQuery,
    ) -> Result<(Vec<TaskRow>, u64), AppError> {
        let shared: &AsyncPgConnection = conn;
        let (mut first, mut second, mut third, mut fourth) = (shared, shared, shared, shared);
        if filters_by_link(query) {
            let (_, rows, _) = futures_util::future::try_join3(
                plan_mode(PlanMode::Kept).execute(&mut first),
                page_statement(user, query, true).load::<TaskPageRow>(&mut second),
                plan_mode(PlanMode::Session).execute(&mut third),
            )
            .await
            .map_db_error()?;
            let total = match <[TaskPageRow]>::first(&rows) {
                Some(row) => row.total_count.unwrap_or(0),
                None if query.page_request().offset() == 0 => 0,
                None => {
                    let (_, total, _) = futures_util::future::try_join3(
                        plan_mode(PlanMode::Kept).execute(&mut first),
                        count_statement(user, query).get_result::<CountRow>(&mut second),
                        plan_mode(PlanMode::Session).execute(&mut third),
                    )
                    .await
                    .map_db_error()?;
                    total.count
                }
            };
            let rows = rows.into_iter().map(|row| row.task).collect();
            return Ok((rows, u64::try_from(total).unwrap_or(0)));
        }
        let (_, rows, total, _) = futures_util::future::try_join4(
            plan_mode(PlanMode::ForValues).execute(&mut first),
            page_statement(user, query, false).load::<TaskPageRow>(&mut second),
            count_statement(user, query).get_result::<CountRow>(&mut third),
            plan_mode(PlanMode::Session).execute(&mut fourth),
        )
        .await
        .map_db_error()?;
        let rows = rows.into_iter().map(|row| row.task).collect();
        Ok((rows, u64::try_from(total.count).unwrap_or(0)))
    }

    /// One page of a scope's tasks (soonest due first, undated last, then oldest) and the
    /// total.
    pub async fn list_scope(
        conn: &mut AsyncPgConnection,
        user: UserId,
        scope: TaskScope,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<TaskRow>, u64), AppError> {
        let build = |count: bool| {
            let mut b = SqlBuilder::new();
            let u = b.bind::<SqlUuid, _>(user);
            let from = match scope {
                TaskScope::ContactOpen(contact) => {
                    let c = b.bind::<SqlUuid, _>(contact);
                    linked_tasks(
                        &format!(
                            "SELECT tc.task_id FROM task_contacts tc WHERE tc.user_id = {u} \
                             AND tc.contact_id = {c}"
                        ),
                        &format!("t.user_id = {u} AND t.status IN ('todo', 'in_progress')"),
                    )
                }
                TaskScope::PendingApproval => {
                    format!("FROM tasks t WHERE t.user_id = {u} AND t.status = 'pending_approval'")
                }
            };
            if count {
                b.push(&format!("SELECT count(*) AS count {from}"));
            } else {
                let l = b.bind::<BigInt, _>(limit);
                let o = b.bind::<BigInt, _>(offset);
                b.push(&format!(
                    "SELECT {TASK_COLUMNS} {from} \
                     ORDER BY t.due_date ASC NULLS LAST, t.created_at ASC, t.id ASC \
                     LIMIT {l} OFFSET {o}"
                ));
            }
            b.build()
        };
        let rows: Vec<TaskRow> = build(false).load(conn).await.map_db_error()?;
        let total: CountRow = build(true).get_result(conn).await.map_db_error()?;
        Ok((rows, u64::try_from(total.count).unwrap_or(0)))
    }
}

/// `FROM .. WHERE ..` of the list and its count.
fn filtered(b: &mut SqlBuilder, user: UserId, query: &TaskListQuery) -> String {
    let u = b.bind::<SqlUuid, _>(user);
    let statuses: Vec<String> = query
        .statuses()
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    let s = b.bind::<Array<Text>, _>(statuses);
    let mut conditions = vec![format!("t.user_id = {u}"), format!("t.status = ANY({s})")];
    if !query.priority.is_empty() {
        let priorities: Vec<String> = query
            .priority
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect();
        let v = b.bind::<Array<Text>, _>(priorities);
        conditions.push(format!("t.priority = ANY({v})"));
    }
    if let Some(project) = query.project_id {
        let v = b.bind::<SqlUuid, _>(project);
        conditions.push(format!("t.project_id = {v}"));
    }
    if let Some(zone) = query.zone_id {
        let v = b.bind::<SqlUuid, _>(zone);
        conditions.push(format!("t.zone_id = {v}"));
    }
    // A list filtered by links starts from them (see `linked_tasks`); the contact is a
    // condition on each task only when the tags already chose the tasks.
    let mut links = None;
    if !query.tag_id.is_empty() {
        let tags: Vec<uuid::Uuid> = query.tag_id.iter().map(|t| t.into_uuid()).collect();
        let v = b.bind::<Array<SqlUuid>, _>(tags);
        links = Some(format!(
            "SELECT DISTINCT link.task_id FROM unnest({v}::uuid[]) AS wanted (tag_id) \
             CROSS JOIN LATERAL (SELECT tt.task_id FROM task_tags tt WHERE tt.user_id = {u} \
             AND tt.tag_id = wanted.tag_id OFFSET 0) link"
        ));
    }
    if let Some(contact) = query.contact_id {
        let v = b.bind::<SqlUuid, _>(contact);
        if links.is_some() {
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM task_contacts tc WHERE tc.user_id = t.user_id \
                 AND tc.task_id = t.id AND tc.contact_id = {v})"
            ));
        } else {
            links = Some(format!(
                "SELECT tc.task_id FROM task_contacts tc WHERE tc.user_id = {u} \
                 AND tc.contact_id = {v}"
            ));
        }
    }
    if let Some(after) = query.due_after {
        let v = b.bind::<SqlDate, _>(after);
        conditions.push(format!("t.due_date >= {v}"));
    }
    if let Some(before) = query.due_before {
        let v = b.bind::<SqlDate, _>(before);
        conditions.push(format!("t.due_date <= {v}"));
    }
    if query.overdue {
        conditions.push(format!(
            "t.status IN ('todo', 'in_progress') AND t.due_date < {}",
            local_today_sql(&u)
        ));
    }
    if let Some(term) = query.search_term() {
        let v = b.bind::<Text, _>(contains_pattern(term));
        conditions.push(format!("t.name ILIKE {v}"));
    }
    let conditions = conditions.join(" AND ");
    match links {
        None => format!("FROM tasks t WHERE {conditions}"),
        Some(links) => linked_tasks(&links, &conditions),
    }
}

/// `FROM ..` of a list filtered by tags or a contact: the linked task ids (`links`, read
/// through the link tables' `(user, tag or contact, task)` indexes), then each task by
/// its primary key, kept when it meets `conditions`. The lateral subqueries (kept apart
/// by `OFFSET 0`) leave PostgreSQL no other plan, so the statement is planned once per
/// connection and reads only the links, for a tenant with a dozen tasks or 100,000
/// (ADR 0052).
fn linked_tasks(links: &str, conditions: &str) -> String {
    format!(
        "FROM ({links}) linked CROSS JOIN LATERAL (SELECT {TASK_COLUMNS} FROM tasks t \
         WHERE t.id = linked.task_id AND {conditions} OFFSET 0) t"
    )
}

fn count_statement(user: UserId, query: &TaskListQuery) -> BuiltQuery {
    let mut b = SqlBuilder::new();
    let from_where = filtered(&mut b, user, query);
    b.push(&format!("SELECT count(*) AS count {from_where}"));
    b.build()
}

/// Whether `query` keeps only tasks linked to a tag or a contact: its matches are bounded
/// by those links, so reading all of them for the page's window count is cheap.
fn filters_by_link(query: &TaskListQuery) -> bool {
    !query.tag_id.is_empty() || query.contact_id.is_some()
}

/// How the statements after a [`plan_mode`] statement are planned (`plan_cache_mode`).
#[derive(Debug, Clone, Copy)]
enum PlanMode {
    /// Once per connection, the plan kept (`force_generic_plan`).
    Kept,
    /// On every execution, for the values bound (`force_custom_plan`).
    ForValues,
    /// As the session plans them (the setting's default), after one of the others.
    Session,
}

/// Sets how the rest of the transaction plans its statements (see [`TasksRepository::list`]).
fn plan_mode(mode: PlanMode) -> BuiltQuery {
    let mut b = SqlBuilder::new();
    b.push(match mode {
        PlanMode::Kept => "SET LOCAL plan_cache_mode TO force_generic_plan",
        PlanMode::ForValues => "SET LOCAL plan_cache_mode TO force_custom_plan",
        PlanMode::Session => "SET LOCAL plan_cache_mode TO DEFAULT",
    });
    b.build()
}

fn page_statement(user: UserId, query: &TaskListQuery, window_count: bool) -> BuiltQuery {
    let mut b = SqlBuilder::new();
    let from_where = filtered(&mut b, user, query);
    let page = query.page_request();
    let limit = b.bind::<BigInt, _>(page.limit());
    let offset = b.bind::<BigInt, _>(page.offset());
    let dir = match query.order {
        SortOrder::Asc => "ASC",
        SortOrder::Desc => "DESC",
    };
    let order = match query.sort {
        TaskSort::DueDate => format!("t.due_date {dir} NULLS LAST, t.id {dir}"),
        TaskSort::Priority => format!(
            "CASE t.priority WHEN 'low' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END {dir}, \
             t.due_date ASC NULLS LAST, t.id {dir}"
        ),
        TaskSort::CreatedAt => format!("t.created_at {dir}, t.id {dir}"),
        TaskSort::UpdatedAt => format!("t.updated_at {dir}, t.id {dir}"),
    };
    let total = if window_count {
        "count(*) OVER ()"
    } else {
        "NULL::bigint"
    };
    b.push(&format!(
        "SELECT {TASK_COLUMNS}, {total} AS total_count {from_where} ORDER BY {order} \
         LIMIT {limit} OFFSET {offset}"
    ));
    b.build()
}
