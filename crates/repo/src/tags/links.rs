//! The `contact_tags`, `task_tags`, `note_tags` and `goal_tags` junctions. Their
//! `tags_adjust_usage_count` triggers keep `tags.usage_count` equal to the number of
//! junction rows (see migration `000004_tags`).

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{Array, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::tags::TaggableEntity;
use omnicrm_domain::{ContactId, PageRequest, UserId};
use omnicrm_problem::AppError;
use uuid::Uuid;

use super::row::TagRow;
use crate::error::RepoErrorExt;
use crate::schema::{contact_tags, tags};
use crate::text::lower;

/// Where an entity type's tags live. Every name is a fixed literal, never client input.
struct Junction {
    /// The junction table.
    table: &'static str,
    /// Its column referencing the entity.
    entity_column: &'static str,
    /// The entity's table.
    entity_table: &'static str,
}

const fn junction(entity: TaggableEntity) -> Junction {
    match entity {
        TaggableEntity::Contact => Junction {
            table: "contact_tags",
            entity_column: "contact_id",
            entity_table: "contacts",
        },
        TaggableEntity::Task => Junction {
            table: "task_tags",
            entity_column: "task_id",
            entity_table: "tasks",
        },
        TaggableEntity::Note => Junction {
            table: "note_tags",
            entity_column: "note_id",
            entity_table: "notes",
        },
        TaggableEntity::Goal => Junction {
            table: "goal_tags",
            entity_column: "goal_id",
            entity_table: "goals",
        },
    }
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = SqlUuid)]
    #[allow(dead_code, reason = "only its presence is read")]
    id: Uuid,
}

#[derive(QueryableByName)]
struct TagIdRow {
    #[diesel(sql_type = SqlUuid)]
    tag_id: Uuid,
}

/// Attaching tags to, and detaching them from, contacts, tasks, notes and goals.
#[derive(Debug, Clone, Copy, Default)]
pub struct TagLinksRepository;

impl TagLinksRepository {
    /// Whether the user has this entity, taking a `FOR KEY SHARE` lock on it so it cannot
    /// be deleted before the transaction ends. Taken before the tag locks: an entity delete
    /// locks the entity first and then (through the cascade) its tags, so both orders agree.
    pub async fn lock_entity(
        conn: &mut AsyncPgConnection,
        user: UserId,
        entity: TaggableEntity,
        id: Uuid,
    ) -> Result<bool, AppError> {
        let j = junction(entity);
        let rows: Vec<IdRow> = diesel::sql_query(format!(
            "SELECT id FROM {} WHERE user_id = $1 AND id = $2 FOR KEY SHARE",
            j.entity_table
        ))
        .bind::<SqlUuid, _>(user)
        .bind::<SqlUuid, _>(id)
        .load(conn)
        .await
        .map_db_error()?;
        Ok(!rows.is_empty())
    }

    /// Attaches `tag_ids` to the entity; pairs that exist already are left alone
    /// (`ON CONFLICT DO NOTHING`, so their usage count does not move). Returns the tags
    /// newly attached.
    pub async fn attach(
        conn: &mut AsyncPgConnection,
        user: UserId,
        entity: TaggableEntity,
        id: Uuid,
        tag_ids: &[Uuid],
    ) -> Result<Vec<Uuid>, AppError> {
        let j = junction(entity);
        // contact_tags also records who attached the tag.
        let sql = if entity == TaggableEntity::Contact {
            "INSERT INTO contact_tags (user_id, contact_id, tag_id, created_by) \
             SELECT $1, $2, t, $1 FROM unnest($3::uuid[]) AS t \
             ON CONFLICT DO NOTHING RETURNING tag_id"
                .to_owned()
        } else {
            format!(
                "INSERT INTO {} (user_id, {}, tag_id) \
                 SELECT $1, $2, t FROM unnest($3::uuid[]) AS t \
                 ON CONFLICT DO NOTHING RETURNING tag_id",
                j.table, j.entity_column
            )
        };
        let rows: Vec<TagIdRow> = diesel::sql_query(sql)
            .bind::<SqlUuid, _>(user)
            .bind::<SqlUuid, _>(id)
            .bind::<Array<SqlUuid>, _>(tag_ids)
            .load(conn)
            .await
            .map_db_error()?;
        Ok(rows.into_iter().map(|r| r.tag_id).collect())
    }

    /// Detaches `tag_ids` from the entity; returns the tags that were attached.
    pub async fn detach(
        conn: &mut AsyncPgConnection,
        user: UserId,
        entity: TaggableEntity,
        id: Uuid,
        tag_ids: &[Uuid],
    ) -> Result<Vec<Uuid>, AppError> {
        let j = junction(entity);
        let rows: Vec<TagIdRow> = diesel::sql_query(format!(
            "DELETE FROM {} WHERE user_id = $1 AND {} = $2 AND tag_id = ANY($3) \
             RETURNING tag_id",
            j.table, j.entity_column
        ))
        .bind::<SqlUuid, _>(user)
        .bind::<SqlUuid, _>(id)
        .bind::<Array<SqlUuid>, _>(tag_ids)
        .load(conn)
        .await
        .map_db_error()?;
        Ok(rows.into_iter().map(|r| r.tag_id).collect())
    }

    /// One page of a contact's tags, by name.
    pub async fn contact_tags(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
        page: PageRequest,
    ) -> Result<Vec<TagRow>, AppError> {
        tags::table
            .inner_join(
                contact_tags::table.on(contact_tags::user_id
                    .eq(tags::user_id)
                    .and(contact_tags::tag_id.eq(tags::id))),
            )
            .filter(tags::user_id.eq(user))
            .filter(contact_tags::user_id.eq(user))
            .filter(contact_tags::contact_id.eq(contact))
            .order((lower(tags::name).asc(), tags::id.asc()))
            .select(TagRow::as_select())
            .limit(page.limit())
            .offset(page.offset())
            .load(conn)
            .await
            .map_db_error()
    }

    /// How many tags a contact carries.
    pub async fn count_contact_tags(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
    ) -> Result<u64, AppError> {
        let total: i64 = contact_tags::table
            .filter(contact_tags::user_id.eq(user))
            .filter(contact_tags::contact_id.eq(contact))
            .select(count_star())
            .get_result(conn)
            .await
            .map_db_error()?;
        Ok(u64::try_from(total).unwrap_or(0))
    }
}
