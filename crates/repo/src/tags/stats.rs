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
        let rows: Vec<UsageRow> = diesel::sql_query(
            "SELECT t.id AS tag_id, t.name, \
                    coalesce(c.n, 0) AS contact, coalesce(k.n, 0) AS task, \
                    coalesce(n.n, 0) AS note, coalesce(g.n, 0) AS goal \
             FROM tags t \
             LEFT JOIN (SELECT tag_id, count(*) AS n FROM contact_tags \
                        WHERE user_id = $1 GROUP BY tag_id) c ON c.tag_id = t.id \
             LEFT JOIN (SELECT tag_id, count(*) AS n FROM task_tags \
                        WHERE user_id = $1 GROUP BY tag_id) k ON k.tag_id = t.id \
             LEFT JOIN (SELECT tag_id, count(*) AS n FROM note_tags \
                        WHERE user_id = $1 GROUP BY tag_id) n ON n.tag_id = t.id \
             LEFT JOIN (SELECT tag_id, count(*) AS n FROM goal_tags \
                        WHERE user_id = $1 GROUP BY tag_id) g ON g.tag_id = t.id \
             WHERE t.user_id = $1 \
             ORDER BY coalesce(c.n, 0) + coalesce(k.n, 0) + coalesce(n.n, 0) + coalesce(g.n, 0) DESC, \
                      lower(t.name), t.id",
        )
        .bind::<SqlUuid, _>(user.into_uuid())
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
