//! Notes use cases: every note's text is PII-redacted before it reaches the database, and
//! its tag and goal links only ever point at the same user's tags and goals.

use std::collections::HashSet;
use std::hash::Hash;

use futures_util::FutureExt;
use omnicrm_domain::notes::{
    ContactNotesQuery, ContentUpdate, CreateNote, NoteListQuery, UpdateNote, prepare_content,
    prepare_update,
};
use omnicrm_domain::notes::{Note, NoteSourceType};
use omnicrm_domain::{ContactId, GoalId, NoteId, Page, PaginationMeta, TagId, UserId};
use omnicrm_problem::{AppError, FieldError};
use omnicrm_repo::notes::{NewNoteRow, NoteChanges, NoteLinksRepository, NoteRow, NotesRepository};
use omnicrm_repo::{AsyncPgConnection, Db};

/// Create, read, list, change and delete a practitioner's notes.
#[derive(Debug, Clone)]
pub struct NotesService {
    db: Db,
}

impl NotesService {
    /// Wraps the database handle.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Creates a note about one of the user's contacts. A contact, tag or goal that is not
    /// the user's is a 400 pointing at it (`/contactId`, `/tagIds/3`, `/goalIds/0`), the
    /// same answer as for one that does not exist.
    pub async fn create(&self, user: UserId, input: CreateNote) -> Result<Note, AppError> {
        let CreateNote {
            contact_id,
            content_plain,
            content_rich,
            source_type,
            tag_ids,
            goal_ids,
        } = input;
        let content =
            off_runtime(move || prepare_content(content_plain.as_deref(), content_rich)).await?;
        let id = NoteId::generate();
        let row = NewNoteRow::new(
            user,
            id,
            contact_id,
            content,
            source_type.unwrap_or(NoteSourceType::Typed),
        )?;
        let (tag_ids, goal_ids) = (dedup(tag_ids), dedup(goal_ids));
        self.db
            .tenant(user, move |conn| {
                async move {
                    let mut problems = Vec::new();
                    if !NotesRepository::lock_contact_if_exists(conn, user, contact_id).await? {
                        problems.push(FieldError::new(
                            "/contactId",
                            "not_found",
                            "no such contact",
                        ));
                    }
                    check_links(conn, user, &tag_ids, &goal_ids, &mut problems).await?;
                    if !problems.is_empty() {
                        return Err(AppError::validation(problems));
                    }
                    omnicrm_repo::tenants::ensure(conn, user).await?;
                    let stored = NotesRepository::insert(conn, &row).await?;
                    NoteLinksRepository::replace_tags(conn, user, id, &ids(&tag_ids)).await?;
                    NoteLinksRepository::replace_goals(conn, user, id, &ids(&goal_ids)).await?;
                    with_links(conn, user, vec![stored])
                        .await?
                        .pop()
                        .ok_or_else(|| {
                            AppError::internal("the created note vanished inside its transaction")
                        })
                }
                .boxed()
            })
            .await
    }

    /// One note with its tags and goal ids, or 404 (also when it is someone else's).
    pub async fn get(&self, user: UserId, id: NoteId) -> Result<Note, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let row = NotesRepository::find(conn, user, id).await?;
                    with_links(conn, user, vec![row])
                        .await?
                        .pop()
                        .ok_or_else(AppError::not_found)
                }
                .boxed()
            })
            .await
    }

    /// One page of the user's notes with the total count.
    pub async fn list(&self, user: UserId, query: NoteListQuery) -> Result<Page<Note>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { list_page(conn, user, &query).await }.boxed()
            })
            .await
    }

    /// One page of one contact's notes, newest first; 404 when the contact is not the
    /// user's.
    pub async fn list_for_contact(
        &self,
        user: UserId,
        contact: ContactId,
        query: ContactNotesQuery,
    ) -> Result<Page<Note>, AppError> {
        let query = query.into_list_query(contact);
        self.db
            .tenant(user, move |conn| {
                async move {
                    if !NotesRepository::lock_contact_if_exists(conn, user, contact).await? {
                        return Err(AppError::not_found());
                    }
                    list_page(conn, user, &query).await
                }
                .boxed()
            })
            .await
    }

    /// Applies a PATCH; 404 when the note is not the user's.
    pub async fn update(
        &self,
        user: UserId,
        id: NoteId,
        input: UpdateNote,
    ) -> Result<Note, AppError> {
        let UpdateNote {
            content_plain,
            content_rich,
            tag_ids,
            goal_ids,
        } = input;
        let ContentUpdate { plain, rich } =
            off_runtime(move || prepare_update(content_plain, content_rich)).await?;
        let changes = NoteChanges::new(plain, rich)?;
        // `null` and `[]` both empty the set; absent leaves it alone.
        let tag_ids = tag_ids.map(|ids| dedup(ids.unwrap_or_default()));
        let goal_ids = goal_ids.map(|ids| dedup(ids.unwrap_or_default()));
        self.db
            .tenant(user, move |conn| {
                async move {
                    NotesRepository::find(conn, user, id).await?;
                    let mut problems = Vec::new();
                    check_links(
                        conn,
                        user,
                        tag_ids.as_deref().unwrap_or_default(),
                        goal_ids.as_deref().unwrap_or_default(),
                        &mut problems,
                    )
                    .await?;
                    if !problems.is_empty() {
                        return Err(AppError::validation(problems));
                    }
                    if let Some(tags) = &tag_ids {
                        NoteLinksRepository::replace_tags(conn, user, id, &ids(tags)).await?;
                    }
                    if let Some(goals) = &goal_ids {
                        NoteLinksRepository::replace_goals(conn, user, id, &ids(goals)).await?;
                    }
                    let links_changed = tag_ids.is_some() || goal_ids.is_some();
                    let row = if changes.is_empty() && !links_changed {
                        NotesRepository::find(conn, user, id).await?
                    } else {
                        NotesRepository::update(conn, user, id, &changes).await?
                    };
                    with_links(conn, user, vec![row])
                        .await?
                        .pop()
                        .ok_or_else(AppError::not_found)
                }
                .boxed()
            })
            .await
    }

    /// Deletes a note and its links; 404 when absent.
    pub async fn delete(&self, user: UserId, id: NoteId) -> Result<(), AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { NotesRepository::delete(conn, user, id).await }.boxed()
            })
            .await
    }
}

/// Redaction is CPU work on up to a few hundred kilobytes: keep it off the async workers.
async fn off_runtime<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(AppError::internal)?
}

async fn list_page(
    conn: &mut AsyncPgConnection,
    user: UserId,
    query: &NoteListQuery,
) -> Result<Page<Note>, AppError> {
    let rows = NotesRepository::list(conn, user, query).await?;
    let total = NotesRepository::count(conn, user, query).await?;
    Ok(Page {
        items: with_links(conn, user, rows).await?,
        pagination: PaginationMeta::new(query.page_request(), total),
    })
}

/// Turns rows into notes carrying their tags and goal ids (two queries for any number).
async fn with_links(
    conn: &mut AsyncPgConnection,
    user: UserId,
    rows: Vec<NoteRow>,
) -> Result<Vec<Note>, AppError> {
    let note_ids: Vec<NoteId> = rows.iter().map(|r| NoteId::from(r.id)).collect();
    let mut tags = NoteLinksRepository::tags_of(conn, user, &note_ids).await?;
    let mut goals = NoteLinksRepository::goals_of(conn, user, &note_ids).await?;
    rows.into_iter()
        .map(|row| {
            let id = row.id;
            row.into_note(
                tags.remove(&id).unwrap_or_default(),
                goals.remove(&id).unwrap_or_default(),
            )
        })
        .collect()
}

/// Adds a problem for every tag or goal (by its index in the request) that is not the
/// user's. The ones that are stay locked until the transaction ends.
async fn check_links(
    conn: &mut AsyncPgConnection,
    user: UserId,
    tag_ids: &[(usize, TagId)],
    goal_ids: &[(usize, GoalId)],
    problems: &mut Vec<FieldError>,
) -> Result<(), AppError> {
    let owned_tags = NoteLinksRepository::lock_tags(conn, user, &ids(tag_ids)).await?;
    for (index, tag) in tag_ids {
        if !owned_tags.contains(&tag.into_uuid()) {
            problems.push(FieldError::new(
                format!("/tagIds/{index}"),
                "not_found",
                "no such tag",
            ));
        }
    }
    let owned_goals = NoteLinksRepository::lock_goals(conn, user, &ids(goal_ids)).await?;
    for (index, goal) in goal_ids {
        if !owned_goals.contains(&goal.into_uuid()) {
            problems.push(FieldError::new(
                format!("/goalIds/{index}"),
                "not_found",
                "no such goal",
            ));
        }
    }
    Ok(())
}

/// The distinct ids with the index of their first occurrence (for error pointers).
fn dedup<T: Copy + Eq + Hash>(ids: Vec<T>) -> Vec<(usize, T)> {
    let mut seen = HashSet::new();
    ids.into_iter()
        .enumerate()
        .filter(|(_, id)| seen.insert(*id))
        .collect()
}

fn ids<T: Copy>(indexed: &[(usize, T)]) -> Vec<T> {
    indexed.iter().map(|(_, id)| *id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedup_keeps_the_first_index_of_each_id() {
        assert_eq!(dedup(vec![3, 1, 3, 2, 1]), vec![(0, 3), (1, 1), (3, 2)]);
    }
}
