//! Goals use cases: the practitioner's and their clients' goals (a goal with a contact is
//! that client's), with status, target date, progress, tags and linked notes.

use std::collections::HashSet;
use std::hash::Hash;

use futures_util::FutureExt;
use omnicrm_domain::goals::{
    CreateGoal, Goal, GoalDetails, GoalListQuery, GoalStatus, GoalType, UpdateGoal,
};
use omnicrm_domain::{ContactId, GoalId, NoteId, Page, PageQuery, PaginationMeta, TagId, UserId};
use omnicrm_problem::{AppError, FieldError};
use omnicrm_repo::goals::{GoalChanges, GoalLinksRepository, GoalRow, GoalsRepository, NewGoalRow};
use omnicrm_repo::notes::{NoteLinksRepository, NotesRepository};
use omnicrm_repo::{AsyncPgConnection, Db};

/// Create, read, list, change and delete goals.
#[derive(Debug, Clone)]
pub struct GoalsService {
    db: Db,
}

impl GoalsService {
    /// Wraps the database handle.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Creates a goal. 400 naming `contactId`, or each `tagIds` / `noteIds` entry, that is
    /// not the user's.
    pub async fn create(&self, user: UserId, input: CreateGoal) -> Result<Goal, AppError> {
        let details = to_json(&GoalDetails {
            description: input.description.clone(),
            progress: input.progress.unwrap_or(0),
        })?;
        let row = NewGoalRow {
            user_id: user,
            id: GoalId::generate(),
            contact_id: input.contact_id,
            name: input.name.trim().to_owned(),
            goal_type: input.goal_type.as_str().to_owned(),
            status: input
                .status
                .unwrap_or(GoalStatus::OnTrack)
                .as_str()
                .to_owned(),
            target_date: input.target_date,
            details,
        };
        let (tag_ids, note_ids) = (dedup(input.tag_ids), dedup(input.note_ids));
        self.db
            .tenant(user, move |conn| {
                let (row, tag_ids, note_ids) = (row.clone(), tag_ids.clone(), note_ids.clone());
                async move {
                    let mut problems = Vec::new();
                    check_contact(conn, user, row.contact_id, &mut problems).await?;
                    if problems.is_empty() {
                        check_kind(&row.goal_type, row.contact_id.is_some(), &mut problems);
                    }
                    check_links(conn, user, &tag_ids, &note_ids, &mut problems).await?;
                    if !problems.is_empty() {
                        return Err(AppError::validation(problems));
                    }
                    omnicrm_repo::tenants::ensure(conn, user).await?;
                    let stored = GoalsRepository::insert(conn, &row).await?;
                    GoalLinksRepository::set_tags(conn, user, stored.id, &ids(&tag_ids)).await?;
                    GoalLinksRepository::set_notes(conn, user, stored.id, &ids(&note_ids)).await?;
                    one(conn, user, stored).await
                }
                .boxed()
            })
            .await
    }

    /// One goal, or 404.
    pub async fn get(&self, user: UserId, id: GoalId) -> Result<Goal, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let row = GoalsRepository::find(conn, user, id).await?;
                    one(conn, user, row).await
                }
                .boxed()
            })
            .await
    }

    /// One page of goals, newest first.
    pub async fn list(&self, user: UserId, query: GoalListQuery) -> Result<Page<Goal>, AppError> {
        self.db
            .tenant(user, move |conn| {
                let query = query.clone();
                async move {
                    let rows = GoalsRepository::list(conn, user, &query).await?;
                    let total = GoalsRepository::count(conn, user, &query).await?;
                    Ok(Page {
                        items: assemble(conn, user, rows).await?,
                        pagination: PaginationMeta::new(query.page_request(), total),
                    })
                }
                .boxed()
            })
            .await
    }

    /// One page of a contact's goals, newest first; 404 when the contact is not the user's.
    pub async fn contact_goals(
        &self,
        user: UserId,
        contact: ContactId,
        page: PageQuery,
    ) -> Result<Page<Goal>, AppError> {
        let query = GoalListQuery {
            goal_type: Vec::new(),
            status: Vec::new(),
            contact_id: Some(contact),
            page: page.page,
            page_size: page.page_size,
        };
        self.db
            .tenant(user, move |conn| {
                async move {
                    if !NotesRepository::lock_contact_if_exists(conn, user, contact).await? {
                        return Err(AppError::not_found());
                    }
                    let rows = GoalsRepository::list(conn, user, &query).await?;
                    let total = GoalsRepository::count(conn, user, &query).await?;
                    Ok(Page {
                        items: assemble(conn, user, rows).await?,
                        pagination: PaginationMeta::new(query.page_request(), total),
                    })
                }
                .boxed()
            })
            .await
    }

    /// Applies a PATCH; 404 when absent, 400 for a contact, tag or note not the user's.
    pub async fn update(
        &self,
        user: UserId,
        id: GoalId,
        input: UpdateGoal,
    ) -> Result<Goal, AppError> {
        let tag_ids = input.tag_ids.clone().map(dedup);
        let note_ids = input.note_ids.clone().map(dedup);
        self.db
            .tenant(user, move |conn| {
                let (input, tag_ids, note_ids) = (input.clone(), tag_ids.clone(), note_ids.clone());
                async move {
                    let current = GoalsRepository::find(conn, user, id).await?;
                    let mut problems = Vec::new();
                    if let Some(Some(contact)) = input.contact_id {
                        check_contact(conn, user, Some(contact), &mut problems).await?;
                    }
                    if problems.is_empty() {
                        let kind = input
                            .goal_type
                            .flatten()
                            .map_or(current.goal_type.as_str(), |t| t.as_str());
                        let has_contact = match input.contact_id {
                            Some(contact) => contact.is_some(),
                            None => current.contact_id.is_some(),
                        };
                        check_kind(kind, has_contact, &mut problems);
                    }
                    check_links(
                        conn,
                        user,
                        tag_ids.as_deref().unwrap_or_default(),
                        note_ids.as_deref().unwrap_or_default(),
                        &mut problems,
                    )
                    .await?;
                    if !problems.is_empty() {
                        return Err(AppError::validation(problems));
                    }
                    let (_, _, mut details) = current.decode()?;
                    if let Some(description) = input.description {
                        details.description = description;
                    }
                    if let Some(Some(progress)) = input.progress {
                        details.progress = progress;
                    }
                    let changes = GoalChanges {
                        contact_id: input.contact_id,
                        name: input.name.flatten().map(|n| n.trim().to_owned()),
                        goal_type: input.goal_type.flatten().map(|t| t.as_str().to_owned()),
                        status: input.status.flatten().map(|s| s.as_str().to_owned()),
                        target_date: input.target_date,
                        details: Some(to_json(&details)?),
                    };
                    let stored = GoalsRepository::update(conn, user, id, &changes).await?;
                    if let Some(tags) = &tag_ids {
                        GoalLinksRepository::set_tags(conn, user, id, &ids(tags)).await?;
                    }
                    if let Some(notes) = &note_ids {
                        GoalLinksRepository::set_notes(conn, user, id, &ids(notes)).await?;
                    }
                    one(conn, user, stored).await
                }
                .boxed()
            })
            .await
    }

    /// Deletes a goal (its tag and note links go with it); 404 when absent.
    pub async fn delete(&self, user: UserId, id: GoalId) -> Result<(), AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    if GoalsRepository::delete(conn, user, id).await? {
                        Ok(())
                    } else {
                        Err(AppError::not_found())
                    }
                }
                .boxed()
            })
            .await
    }
}

async fn check_contact(
    conn: &mut AsyncPgConnection,
    user: UserId,
    contact: Option<ContactId>,
    problems: &mut Vec<FieldError>,
) -> Result<(), AppError> {
    if let Some(contact) = contact
        && !NotesRepository::lock_contact_if_exists(conn, user, contact).await?
    {
        problems.push(FieldError::new(
            "/contactId",
            "not_found",
            "no such contact",
        ));
    }
    Ok(())
}

/// A client goal names its client; a practitioner goal names none (400 at `/contactId`).
fn check_kind(goal_type: &str, has_contact: bool, problems: &mut Vec<FieldError>) {
    let client = goal_type == GoalType::ClientWellness.as_str();
    if client && !has_contact {
        problems.push(FieldError::new(
            "/contactId",
            "required",
            "a client_wellness goal names the client (one of your contacts)",
        ));
    } else if !client && has_contact {
        problems.push(FieldError::new(
            "/contactId",
            "not_allowed",
            "a practitioner goal has no client: leave contactId out or null",
        ));
    }
}

/// Adds a problem for every tag or note (by its index in the request) that is not the
/// user's; the ones that are stay locked until the transaction ends.
async fn check_links(
    conn: &mut AsyncPgConnection,
    user: UserId,
    tag_ids: &[(usize, TagId)],
    note_ids: &[(usize, NoteId)],
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
    let owned_notes = GoalLinksRepository::lock_notes(conn, user, &ids(note_ids)).await?;
    for (index, note) in note_ids {
        if !owned_notes.contains(note) {
            problems.push(FieldError::new(
                format!("/noteIds/{index}"),
                "not_found",
                "no such note",
            ));
        }
    }
    Ok(())
}

async fn one(conn: &mut AsyncPgConnection, user: UserId, row: GoalRow) -> Result<Goal, AppError> {
    assemble(conn, user, vec![row])
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("goal vanished while being read"))
}

/// The goals of `rows` with their tags and linked notes (two queries for the whole page).
async fn assemble(
    conn: &mut AsyncPgConnection,
    user: UserId,
    rows: Vec<GoalRow>,
) -> Result<Vec<Goal>, AppError> {
    let goal_ids: Vec<GoalId> = rows.iter().map(|r| r.id).collect();
    let mut tags = GoalLinksRepository::tags_of(conn, user, &goal_ids).await?;
    let mut notes = GoalLinksRepository::notes_of(conn, user, &goal_ids).await?;
    rows.into_iter()
        .map(|row| {
            let (goal_type, status, details) = row.decode()?;
            Ok(Goal {
                tags: tags.remove(&row.id).unwrap_or_default(),
                note_ids: notes.remove(&row.id).unwrap_or_default(),
                id: row.id,
                user_id: row.user_id,
                contact_id: row.contact_id,
                name: row.name,
                goal_type,
                status,
                target_date: row.target_date,
                description: details.description,
                progress: details.progress.min(100),
                created_at: row.created_at,
                updated_at: row.updated_at,
            })
        })
        .collect()
}

fn to_json(details: &GoalDetails) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(details).map_err(|e| AppError::internal(format!("goal details: {e}")))
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
