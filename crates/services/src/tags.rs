//! Tags use cases: the user's tag set (system tags copied from the templates on first
//! touch), tagging contacts, tasks, notes and goals, bulk deletion and usage statistics.

use std::collections::{HashMap, HashSet};

use futures_util::FutureExt;
use omnicrm_domain::bulk::{BulkDeleted, BulkItemError};
use omnicrm_domain::tags::{
    AppliedTags, BulkDeleteOutcome, BulkDeleteTags, CreateTag, EntityTagsQuery, RemovedTags, Tag,
    TagAssignment, TagListQuery, TagUsage, UpdateTag,
};
use omnicrm_domain::{ContactId, Page, PageQuery, PaginationMeta, TagId, UserId};
use omnicrm_problem::{AppError, FieldError};
use omnicrm_repo::contacts::ContactsRepository;
use omnicrm_repo::tags::{
    NewTagRow, TagChanges, TagLinksRepository, TagRow, TagStatsRepository, TagsRepository,
};
use omnicrm_repo::{AsyncPgConnection, Db};
use uuid::Uuid;

/// Why a system tag refuses a change.
const SYSTEM_TAG_FIXED: &str =
    "this is a system tag: its name and category cannot change, only its colour";
/// Why a system tag refuses deletion.
const SYSTEM_TAG_KEPT: &str = "this is a system tag and cannot be deleted";

/// Create, read, list, change and delete a user's tags, and attach them to entities.
#[derive(Debug, Clone)]
pub struct TagsService {
    db: Db,
}

impl TagsService {
    /// Wraps the database handle.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// One page of the user's tags. The first call gives the user their system tags.
    pub async fn list(&self, user: UserId, query: TagListQuery) -> Result<Page<Tag>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    touch(conn, user).await?;
                    let rows = TagsRepository::list(conn, user, &query).await?;
                    let total = TagsRepository::count(conn, user, &query).await?;
                    Ok(Page {
                        items: to_tags(rows)?,
                        pagination: PaginationMeta::new(query.page_request(), total),
                    })
                }
                .boxed()
            })
            .await
    }

    /// Creates one of the user's own tags; 409 when the name (ignoring case) is taken,
    /// system tag names included.
    pub async fn create(&self, user: UserId, input: CreateTag) -> Result<Tag, AppError> {
        let row = NewTagRow::from_input(user, TagId::generate(), input);
        self.db
            .tenant(user, move |conn| {
                async move {
                    touch(conn, user).await?;
                    TagsRepository::insert(conn, &row).await?.try_into()
                }
                .boxed()
            })
            .await
    }

    /// One tag, or 404 (also when it belongs to someone else).
    pub async fn get(&self, user: UserId, id: TagId) -> Result<Tag, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { TagsRepository::find(conn, user, id).await?.try_into() }.boxed()
            })
            .await
    }

    /// Applies a PATCH. A system tag accepts only a new colour: a different name or
    /// category is 409 (repeating the current value is accepted as no change).
    pub async fn update(&self, user: UserId, id: TagId, input: UpdateTag) -> Result<Tag, AppError> {
        let mut changes = TagChanges::from_input(input);
        self.db
            .tenant(user, move |conn| {
                async move {
                    let current = TagsRepository::find(conn, user, id).await?;
                    if current.is_system {
                        if changes.name.as_ref().is_some_and(|n| *n == current.name) {
                            changes.name = None;
                        }
                        if changes
                            .category
                            .as_ref()
                            .is_some_and(|c| *c == current.category)
                        {
                            changes.category = None;
                        }
                        if changes.name.is_some() || changes.category.is_some() {
                            return Err(AppError::conflict(SYSTEM_TAG_FIXED));
                        }
                    }
                    TagsRepository::update(conn, user, id, &changes)
                        .await?
                        .try_into()
                }
                .boxed()
            })
            .await
    }

    /// Deletes one of the user's own tags (it disappears from every entity); 404 when
    /// absent, 409 for a system tag.
    pub async fn delete(&self, user: UserId, id: TagId) -> Result<(), AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    if TagsRepository::delete_own(conn, user, id).await? {
                        return Ok(());
                    }
                    // Not deleted: either not the user's, or a system tag (which stays one).
                    TagsRepository::find(conn, user, id).await?;
                    Err(AppError::conflict(SYSTEM_TAG_KEPT))
                }
                .boxed()
            })
            .await
    }

    /// Deletes up to 100 tags in one transaction, reporting per id what was not deleted:
    /// `not_found` for ids that are not the user's tags, `conflict` for system tags.
    pub async fn bulk_delete(
        &self,
        user: UserId,
        input: BulkDeleteTags,
    ) -> Result<BulkDeleteOutcome, AppError> {
        let ids = input.unique_ids();
        self.db
            .tenant(user, move |conn| {
                async move {
                    let found: HashMap<Uuid, bool> =
                        TagsRepository::lock_for_delete(conn, user, &ids)
                            .await?
                            .into_iter()
                            .collect();
                    let mut errors = Vec::new();
                    let mut deletable = Vec::new();
                    for id in ids {
                        match found.get(&id.into_uuid()) {
                            None => errors.push(BulkItemError::not_found(id)),
                            Some(true) => errors.push(BulkItemError::conflict(id)),
                            Some(false) => deletable.push(id),
                        }
                    }
                    let deleted = if deletable.is_empty() {
                        0
                    } else {
                        TagsRepository::delete_own_many(conn, user, &deletable).await?
                    };
                    Ok(BulkDeleted { deleted, errors })
                }
                .boxed()
            })
            .await
    }

    /// Attaches tags to an entity in one transaction. Already attached tags are left alone
    /// (and not counted twice). 404 when the entity is not the user's; 400 pointing at
    /// every `tagIds` entry that is not one of the user's tags.
    pub async fn apply(&self, user: UserId, input: TagAssignment) -> Result<AppliedTags, AppError> {
        self.db
            .tenant_retrying(user, move |conn| {
                let input = input.clone();
                async move {
                    let wanted = lock_assignment(conn, user, &input).await?;
                    let added = TagLinksRepository::attach(
                        conn,
                        user,
                        input.entity_type,
                        input.entity_id,
                        &wanted,
                    )
                    .await?;
                    let tag_ids = in_request_order(&wanted, &added);
                    Ok(AppliedTags {
                        applied: count_u32(tag_ids.len()),
                        tag_ids,
                    })
                }
                .boxed()
            })
            .await
    }

    /// Detaches tags from an entity in one transaction; tags that were not attached are
    /// ignored. Same 404 and 400 rules as [`Self::apply`].
    pub async fn remove(
        &self,
        user: UserId,
        input: TagAssignment,
    ) -> Result<RemovedTags, AppError> {
        self.db
            .tenant_retrying(user, move |conn| {
                let input = input.clone();
                async move {
                    let wanted = lock_assignment(conn, user, &input).await?;
                    let gone = TagLinksRepository::detach(
                        conn,
                        user,
                        input.entity_type,
                        input.entity_id,
                        &wanted,
                    )
                    .await?;
                    let tag_ids = in_request_order(&wanted, &gone);
                    Ok(RemovedTags {
                        removed: count_u32(tag_ids.len()),
                        tag_ids,
                    })
                }
                .boxed()
            })
            .await
    }

    /// Every tag of the user with its exact use per entity type, most used first.
    pub async fn stats(&self, user: UserId, query: PageQuery) -> Result<Page<TagUsage>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    touch(conn, user).await?;
                    // One aggregate over the user's tags (one row per tag), paged after.
                    let usage = TagStatsRepository::usage(conn, user).await?;
                    Ok(Page::from_all(usage, query.page_request()))
                }
                .boxed()
            })
            .await
    }

    /// One page of a contact's tags by name; 404 when the contact is not the user's.
    pub async fn contact_tags(
        &self,
        user: UserId,
        contact: ContactId,
        query: EntityTagsQuery,
    ) -> Result<Page<Tag>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    ContactsRepository::find(conn, user, contact).await?;
                    let page = query.page_request();
                    let rows = TagLinksRepository::contact_tags(conn, user, contact, page).await?;
                    let total = TagLinksRepository::count_contact_tags(conn, user, contact).await?;
                    Ok(Page {
                        items: to_tags(rows)?,
                        pagination: PaginationMeta::new(page, total),
                    })
                }
                .boxed()
            })
            .await
    }
}

/// The first touch of a user's tags: the tenant anchor, then the system tags. Both are
/// idempotent, and cheap once done.
async fn touch(conn: &mut AsyncPgConnection, user: UserId) -> Result<(), AppError> {
    omnicrm_repo::tenants::ensure(conn, user).await?;
    TagsRepository::instantiate_system_tags(conn, user).await?;
    Ok(())
}

/// Locks the entity and then the tags of an apply/remove (that order avoids deadlocks with
/// entity deletes), and returns the distinct tag ids in request order. 404 when the entity
/// is not the user's, 400 naming each `tagIds` entry that is not one of the user's tags.
async fn lock_assignment(
    conn: &mut AsyncPgConnection,
    user: UserId,
    input: &TagAssignment,
) -> Result<Vec<Uuid>, AppError> {
    if !TagLinksRepository::lock_entity(conn, user, input.entity_type, input.entity_id).await? {
        return Err(AppError::not_found());
    }
    let wanted = input.unique_tag_ids();
    let found: HashSet<Uuid> = TagsRepository::lock_for_tagging(conn, user, &wanted)
        .await?
        .into_iter()
        .collect();
    let missing: Vec<FieldError> = input
        .tag_ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !found.contains(&id.into_uuid()))
        .map(|(index, _)| {
            FieldError::new(
                format!("/tagIds/{index}"),
                "not_found",
                "no such tag among yours",
            )
        })
        .collect();
    if !missing.is_empty() {
        return Err(AppError::validation(missing));
    }
    Ok(wanted.into_iter().map(TagId::into_uuid).collect())
}

/// The ids of `wanted` that are in `changed`, keeping `wanted`'s order.
fn in_request_order(wanted: &[Uuid], changed: &[Uuid]) -> Vec<TagId> {
    let changed: HashSet<&Uuid> = changed.iter().collect();
    wanted
        .iter()
        .filter(|id| changed.contains(id))
        .map(|id| TagId::from(*id))
        .collect()
}

fn count_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn to_tags(rows: Vec<TagRow>) -> Result<Vec<Tag>, AppError> {
    rows.into_iter().map(Tag::try_from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_ids_keep_the_request_order() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(
            in_request_order(&[c, a, b], &[a, c]),
            vec![TagId::from(c), TagId::from(a)]
        );
        assert!(in_request_order(&[a], &[]).is_empty());
    }
}
