use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::UserId;
use omnicrm_domain::tags::{TagUsage, TagUsageByEntity};
use omnicrm_problem::AppError;
use uuid::Uuid;

use crate::error::RepoErrorExt;

#[derive(QueryableByName)]
struct UsageRow {
    #[diesel(sql_type = SqlUuid)]
    tag_id: Uuid,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    contact: i64,
    #[diesel(sql_type = BigInt)]
    task: i64,
    #[diesel(sql_type = BigInt)]
    note: i64,
    #[diesel(sql_type = BigInt)]
    goal: i64,
}

/// Usage statistics counted from the junction rows themselves (not the denormalised
/// `usage_count`), so they are exact by construction.
#[derive(Debug, Clone, Copy, Default)]
pub struct TagStatsRepository;

impl TagStatsRepository {
    /// Every tag of the user with its uses per entity type, most used first, then by name.
    pub async fn usage(
        conn: &mut AsyncPgConnection,
        user: UserId,
    ) -> Result<Vec<TagUsage>, AppError> {
        let rows: Vec<UsageRow> = diesel::sql_query(include_str!("sql/stats_usage.sql"))
            .bind::<SqlUuid, _>(user)
            .load(conn)
            .await
            .map_db_error()?;
        Ok(rows.into_iter().map(UsageRow::into_usage).collect())
    }
}

impl UsageRow {
    fn into_usage(self) -> TagUsage {
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        let by_entity = TagUsageByEntity {
            contact: count(self.contact),
            task: count(self.task),
            note: count(self.note),
            goal: count(self.goal),
        };
        TagUsage {
            tag_id: self.tag_id.into(),
            name: self.name,
            usage_count: by_entity.total(),
            by_entity,
        }
    }
}
