use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::tasks::{ProjectListQuery, ProjectProgress};
use omnicrm_domain::{ProjectId, UserId};
use omnicrm_problem::AppError;
use uuid::Uuid;

use super::row::{NewProjectRow, ProjectChanges, ProjectRow};
use crate::error::RepoErrorExt;
use crate::schema::{projects, tasks, zones};
use crate::text::contains_pattern;

/// Queries over `projects` (every query filters by `user_id` explicitly, on top of RLS, so
/// the planner uses the `(user_id, ..)` indexes).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProjectsRepository;

impl ProjectsRepository {
    /// Inserts a project.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        row: &NewProjectRow,
    ) -> Result<ProjectRow, AppError> {
        diesel::insert_into(projects::table)
            .values(row)
            .returning(ProjectRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// One project, or 404.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ProjectId,
    ) -> Result<ProjectRow, AppError> {
        projects::table
            .filter(projects::user_id.eq(user))
            .filter(projects::id.eq(id))
            .select(ProjectRow::as_select())
            .first(conn)
            .await
            .map_db_error()
    }

    /// Whether `id` is one of the user's projects; if so, locks it (`KEY SHARE`) so a task
    /// about to point at it cannot lose it before the transaction ends.
    pub async fn lock_if_exists(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ProjectId,
    ) -> Result<bool, AppError> {
        let found: Option<Uuid> = projects::table
            .filter(projects::user_id.eq(user))
            .filter(projects::id.eq(id))
            .select(projects::id)
            .for_key_share()
            .first(conn)
            .await
            .optional()
            .map_db_error()?;
        Ok(found.is_some())
    }

    /// Applies `changes` (none: the row as it is); 404 when absent.
    pub async fn update(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ProjectId,
        changes: &ProjectChanges,
    ) -> Result<ProjectRow, AppError> {
        let target = projects::table
            .filter(projects::user_id.eq(user))
            .filter(projects::id.eq(id));
        if changes.is_empty() {
            return Self::find(conn, user, id).await;
        }
        diesel::update(target)
            .set(changes)
            .returning(ProjectRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// Deletes a project; its tasks go with it (the foreign key cascades). 404 when absent.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ProjectId,
    ) -> Result<(), AppError> {
        let deleted = diesel::delete(projects::table)
            .filter(projects::user_id.eq(user))
            .filter(projects::id.eq(id))
            .execute(conn)
            .await
            .map_db_error()?;
        if deleted == 0 {
            return Err(AppError::not_found());
        }
        Ok(())
    }

    /// One page of projects matching `query`, newest first.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        user: UserId,
        query: &ProjectListQuery,
    ) -> Result<Vec<ProjectRow>, AppError> {
        let page = query.page_request();
        Self::filtered(user, query)
            .order((projects::created_at.desc(), projects::id.desc()))
            .select(ProjectRow::as_select())
            .limit(page.limit())
            .offset(page.offset())
            .load(conn)
            .await
            .map_db_error()
    }

    /// How many projects match `query`'s filters.
    pub async fn count(
        conn: &mut AsyncPgConnection,
        user: UserId,
        query: &ProjectListQuery,
    ) -> Result<u64, AppError> {
        let total: i64 = Self::filtered(user, query)
            .select(count_star())
            .get_result(conn)
            .await
            .map_db_error()?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// The progress of each of `ids`: tasks that count (not canceled, not awaiting
    /// approval) and those done.
    pub async fn progress_of(
        conn: &mut AsyncPgConnection,
        user: UserId,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, ProjectProgress>, AppError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(Option<Uuid>, String, i64)> = tasks::table
            .filter(tasks::user_id.eq(user))
            .filter(tasks::project_id.eq_any(ids.to_vec()))
            .filter(tasks::status.ne_all(["canceled", "pending_approval"]))
            .group_by((tasks::project_id, tasks::status))
            .select((tasks::project_id, tasks::status, count_star()))
            .load(conn)
            .await
            .map_db_error()?;
        let mut counts: HashMap<Uuid, (u64, u64)> = HashMap::new();
        for (project, status, n) in rows {
            let Some(project) = project else { continue };
            let n = u64::try_from(n).unwrap_or(0);
            let entry = counts.entry(project).or_default();
            entry.0 += n;
            if status == "done" {
                entry.1 += n;
            }
        }
        Ok(counts
            .into_iter()
            .map(|(id, (total, done))| (id, ProjectProgress::new(total, done)))
            .collect())
    }

    fn filtered(user: UserId, query: &ProjectListQuery) -> projects::BoxedQuery<'static, Pg> {
        let mut q = projects::table
            .filter(projects::user_id.eq(user))
            .into_boxed();
        if !query.status.is_empty() {
            let statuses: Vec<&'static str> = query.status.iter().map(|s| s.as_str()).collect();
            q = q.filter(projects::status.eq_any(statuses));
        }
        if let Some(zone) = query.zone_id {
            q = q.filter(projects::zone_id.eq(zone));
        }
        if let Some(after) = query.due_after {
            q = q.filter(projects::due_date.ge(after));
        }
        if let Some(before) = query.due_before {
            q = q.filter(projects::due_date.le(before));
        }
        if let Some(term) = query
            .search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            q = q.filter(projects::name.ilike(contains_pattern(term)));
        }
        q
    }
}

/// Whether `zone` is a zone (zones are global reference data).
pub async fn zone_exists(conn: &mut AsyncPgConnection, zone: Uuid) -> Result<bool, AppError> {
    let found: Option<Uuid> = zones::table
        .filter(zones::id.eq(zone))
        .select(zones::id)
        .first(conn)
        .await
        .optional()
        .map_db_error()?;
    Ok(found.is_some())
}
