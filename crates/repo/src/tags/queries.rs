use diesel::dsl::count_star;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::tags::{TagListQuery, TagSort};
use omnicrm_domain::{SortOrder, TagId, UserId};
use omnicrm_problem::AppError;
use uuid::Uuid;

use super::row::{NewTagRow, TagChanges, TagRow};
use crate::error::RepoErrorExt;
use crate::schema::tags;
use crate::text::{contains_pattern, lower};

type BoxedTags<'a> = tags::BoxedQuery<'a, Pg>;

/// Detail of the 409 when a name is taken.
const NAME_TAKEN: &str = "a tag with this name already exists";

/// Queries over `tags`. Every query also filters by `user_id` explicitly: row-level
/// security already confines it, the explicit filter lets the planner use the
/// `(user_id, ..)` indexes.
#[derive(Debug, Clone, Copy, Default)]
pub struct TagsRepository;

impl TagsRepository {
    /// Copies every tag template the user does not have yet into their `tags` (as system
    /// tags) and returns how many were added. Idempotent and safe under concurrency: a
    /// concurrent copy of the same template waits on the unique index and then does
    /// nothing; both copy in template-id order, so they cannot deadlock. When everything
    /// is there already this is 67 index probes and no write.
    pub async fn instantiate_system_tags(
        conn: &mut AsyncPgConnection,
        user: UserId,
    ) -> Result<usize, AppError> {
        diesel::sql_query(include_str!("sql/queries_create_system_tags.sql"))
            .bind::<SqlUuid, _>(user)
            .execute(conn)
            .await
            .map_db_error()
    }

    /// Inserts a tag; 409 when the user already has a tag of that name (ignoring case).
    pub async fn insert(conn: &mut AsyncPgConnection, row: &NewTagRow) -> Result<TagRow, AppError> {
        diesel::insert_into(tags::table)
            .values(row)
            .returning(TagRow::as_returning())
            .get_result(conn)
            .await
            .conflict_on_unique(NAME_TAKEN)
    }

    /// One tag, or 404.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: TagId,
    ) -> Result<TagRow, AppError> {
        tags::table
            .filter(tags::user_id.eq(user))
            .filter(tags::id.eq(id))
            .select(TagRow::as_select())
            .first(conn)
            .await
            .map_db_error()
    }

    /// Applies `changes`; 404 when absent, 409 when the new name is taken.
    pub async fn update(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: TagId,
        changes: &TagChanges,
    ) -> Result<TagRow, AppError> {
        if changes.is_empty() {
            return Self::find(conn, user, id).await;
        }
        diesel::update(tags::table)
            .filter(tags::user_id.eq(user))
            .filter(tags::id.eq(id))
            .set(changes)
            .returning(TagRow::as_returning())
            .get_result(conn)
            .await
            .conflict_on_unique(NAME_TAKEN)
    }

    /// Deletes the tag when it is the user's own (not a system tag); whether it did.
    /// Its junction rows cascade.
    pub async fn delete_own(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: TagId,
    ) -> Result<bool, AppError> {
        let deleted = diesel::delete(tags::table)
            .filter(tags::user_id.eq(user))
            .filter(tags::id.eq(id))
            .filter(tags::is_system.eq(false))
            .execute(conn)
            .await
            .map_db_error()?;
        Ok(deleted > 0)
    }

    /// Locks the user's tags among `ids` for deletion: `(id, is_system)` per tag found.
    pub async fn lock_for_delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        ids: &[TagId],
    ) -> Result<Vec<(Uuid, bool)>, AppError> {
        tags::table
            .filter(tags::user_id.eq(user))
            .filter(tags::id.eq_any(uuids(ids)))
            .select((tags::id, tags::is_system))
            .order(tags::id.asc())
            .for_update()
            .load(conn)
            .await
            .map_db_error()
    }

    /// Deletes the user's own tags among `ids` (system tags are skipped); how many.
    pub async fn delete_own_many(
        conn: &mut AsyncPgConnection,
        user: UserId,
        ids: &[TagId],
    ) -> Result<u64, AppError> {
        let deleted = diesel::delete(tags::table)
            .filter(tags::user_id.eq(user))
            .filter(tags::id.eq_any(uuids(ids)))
            .filter(tags::is_system.eq(false))
            .execute(conn)
            .await
            .map_db_error()?;
        Ok(u64::try_from(deleted).unwrap_or(0))
    }

    /// Locks the user's tags among `ids` against concurrent changes, in id order, and
    /// returns the ids found. Tagging takes these locks before touching a junction, so
    /// the usage-count triggers of concurrent taggings never wait on each other in
    /// opposite orders (no deadlock), and a tag cannot vanish mid-transaction.
    pub async fn lock_for_tagging(
        conn: &mut AsyncPgConnection,
        user: UserId,
        ids: &[TagId],
    ) -> Result<Vec<Uuid>, AppError> {
        tags::table
            .filter(tags::user_id.eq(user))
            .filter(tags::id.eq_any(uuids(ids)))
            .select(tags::id)
            .order(tags::id.asc())
            .for_no_key_update()
            .load(conn)
            .await
            .map_db_error()
    }

    /// One page of tags matching `query`.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        user: UserId,
        query: &TagListQuery,
    ) -> Result<Vec<TagRow>, AppError> {
        let page = query.page_request();
        let filtered = Self::filtered(user, query);
        let sorted = match (query.sort, query.effective_order()) {
            (TagSort::Name, SortOrder::Asc) => {
                filtered.order((lower(tags::name).asc(), tags::id.asc()))
            }
            (TagSort::Name, SortOrder::Desc) => {
                filtered.order((lower(tags::name).desc(), tags::id.desc()))
            }
            (TagSort::UsageCount, SortOrder::Asc) => filtered.order((
                tags::usage_count.asc(),
                lower(tags::name).asc(),
                tags::id.asc(),
            )),
            (TagSort::UsageCount, SortOrder::Desc) => filtered.order((
                tags::usage_count.desc(),
                lower(tags::name).asc(),
                tags::id.asc(),
            )),
            (TagSort::CreatedAt, SortOrder::Asc) => {
                filtered.order((tags::created_at.asc(), tags::id.asc()))
            }
            (TagSort::CreatedAt, SortOrder::Desc) => {
                filtered.order((tags::created_at.desc(), tags::id.desc()))
            }
            (TagSort::UpdatedAt, SortOrder::Asc) => {
                filtered.order((tags::updated_at.asc(), tags::id.asc()))
            }
            (TagSort::UpdatedAt, SortOrder::Desc) => {
                filtered.order((tags::updated_at.desc(), tags::id.desc()))
            }
        };
        sorted
            .select(TagRow::as_select())
            .limit(page.limit())
            .offset(page.offset())
            .load(conn)
            .await
            .map_db_error()
    }

    /// How many tags match `query`'s filters (its page and sort are ignored).
    pub async fn count(
        conn: &mut AsyncPgConnection,
        user: UserId,
        query: &TagListQuery,
    ) -> Result<u64, AppError> {
        let total: i64 = Self::filtered(user, query)
            .select(count_star())
            .get_result(conn)
            .await
            .map_db_error()?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    fn filtered(user: UserId, query: &TagListQuery) -> BoxedTags<'static> {
        let mut q = tags::table.filter(tags::user_id.eq(user)).into_boxed();
        if let Some(term) = query
            .search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            q = q.filter(tags::name.ilike(contains_pattern(term)));
        }
        if !query.category.is_empty() {
            let categories: Vec<&'static str> = query.category.iter().map(|c| c.as_str()).collect();
            q = q.filter(tags::category.eq_any(categories));
        }
        if let Some(is_system) = query.is_system {
            q = q.filter(tags::is_system.eq(is_system));
        }
        q
    }
}

fn uuids(ids: &[TagId]) -> Vec<Uuid> {
    ids.iter().map(|id| id.into_uuid()).collect()
}
