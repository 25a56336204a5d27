use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::UserId;
use omnicrm_domain::entities::Zone;
use omnicrm_domain::tasks::ZoneStats;
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::schema::zones;
use crate::sql::SqlBuilder;

/// The zones (global reference data) and one user's figures per zone.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZonesRepository;

#[derive(QueryableByName)]
struct ZoneStatsRow {
    #[diesel(sql_type = SqlUuid)]
    zone_id: Uuid,
    #[diesel(sql_type = BigInt)]
    active_projects: i64,
    #[diesel(sql_type = BigInt)]
    completed_projects: i64,
    #[diesel(sql_type = BigInt)]
    active_tasks: i64,
    #[diesel(sql_type = BigInt)]
    completed_tasks: i64,
    #[diesel(sql_type = BigInt)]
    total_items: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_activity: Option<OffsetDateTime>,
}

impl ZonesRepository {
    /// Every zone, by name.
    pub async fn all(conn: &mut AsyncPgConnection) -> Result<Vec<Zone>, AppError> {
        let rows: Vec<(Uuid, String, Option<String>, Option<String>)> = zones::table
            .order(zones::name.asc())
            .select((zones::id, zones::name, zones::color, zones::icon_name))
            .load(conn)
            .await
            .map_db_error()?;
        Ok(rows
            .into_iter()
            .map(|(id, name, color, icon_name)| Zone {
                id,
                name,
                color,
                icon_name,
            })
            .collect())
    }

    /// The user's figures per zone (zones without projects or tasks are absent).
    pub async fn stats(
        conn: &mut AsyncPgConnection,
        user: UserId,
    ) -> Result<HashMap<Uuid, ZoneStats>, AppError> {
        let mut b = SqlBuilder::new();
        let u = b.bind::<SqlUuid, _>(user);
        b.push(&format!(
            "WITH p AS (SELECT zone_id, \
                 count(*) FILTER (WHERE status IN ('active', 'on_hold')) AS active, \
                 count(*) FILTER (WHERE status = 'completed') AS completed, \
                 count(*) AS total, max(updated_at) AS last \
               FROM projects WHERE user_id = {u} AND zone_id IS NOT NULL GROUP BY zone_id), \
             t AS (SELECT zone_id, \
                 count(*) FILTER (WHERE status IN ('todo', 'in_progress')) AS active, \
                 count(*) FILTER (WHERE status = 'done') AS completed, \
                 count(*) AS total, max(updated_at) AS last \
               FROM tasks WHERE user_id = {u} AND zone_id IS NOT NULL GROUP BY zone_id) \
             SELECT coalesce(p.zone_id, t.zone_id) AS zone_id, \
               coalesce(p.active, 0) AS active_projects, \
               coalesce(p.completed, 0) AS completed_projects, \
               coalesce(t.active, 0) AS active_tasks, \
               coalesce(t.completed, 0) AS completed_tasks, \
               coalesce(p.total, 0) + coalesce(t.total, 0) AS total_items, \
               greatest(p.last, t.last) AS last_activity \
             FROM p FULL JOIN t ON t.zone_id = p.zone_id"
        ));
        let rows: Vec<ZoneStatsRow> = b.build().load(conn).await.map_db_error()?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r.zone_id,
                    ZoneStats {
                        active_projects: count(r.active_projects),
                        completed_projects: count(r.completed_projects),
                        active_tasks: count(r.active_tasks),
                        completed_tasks: count(r.completed_tasks),
                        total_items: count(r.total_items),
                        last_activity: r.last_activity,
                    },
                )
            })
            .collect())
    }
}
