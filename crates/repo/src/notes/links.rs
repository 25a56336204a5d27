use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::entities::Tag;
use omnicrm_domain::{GoalId, NoteId, TagId, UserId};
use omnicrm_problem::AppError;
use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::schema::{goals, note_goals, note_tags, tags};
use crate::tags::TagRow;

/// A note's links to tags (`note_tags`, whose triggers keep `tags.usage_count`) and goals
/// (`note_goals`). The composite foreign keys `(user_id, tag_id)` / `(user_id, goal_id)`
/// make the database refuse a link to another user's tag or goal.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoteLinksRepository;

#[derive(Debug, Insertable)]
#[diesel(table_name = note_tags)]
struct NewNoteTag {
    user_id: Uuid,
    note_id: Uuid,
    tag_id: Uuid,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = note_goals)]
struct NewNoteGoal {
    user_id: Uuid,
    note_id: Uuid,
    goal_id: Uuid,
}

impl NoteLinksRepository {
    /// Which of `ids` are the user's tags, locked (`KEY SHARE`) until the transaction ends
    /// so that they cannot disappear before the links are written.
    pub async fn lock_tags(
        conn: &mut AsyncPgConnection,
        user: UserId,
        ids: &[TagId],
    ) -> Result<HashSet<Uuid>, AppError> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let ids: Vec<Uuid> = ids.iter().map(|id| id.into_uuid()).collect();
        let found: Vec<Uuid> = tags::table
            .filter(tags::user_id.eq(user))
            .filter(tags::id.eq_any(ids))
            .select(tags::id)
            .for_key_share()
            .load(conn)
            .await
            .map_db_error()?;
        Ok(found.into_iter().collect())
    }

    /// Which of `ids` are the user's goals, locked like [`Self::lock_tags`].
    pub async fn lock_goals(
        conn: &mut AsyncPgConnection,
        user: UserId,
        ids: &[GoalId],
    ) -> Result<HashSet<Uuid>, AppError> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let ids: Vec<Uuid> = ids.iter().map(|id| id.into_uuid()).collect();
        let found: Vec<Uuid> = goals::table
            .filter(goals::user_id.eq(user))
            .filter(goals::id.eq_any(ids))
            .select(goals::id)
            .for_key_share()
            .load(conn)
            .await
            .map_db_error()?;
        Ok(found.into_iter().collect())
    }

    /// Makes `tags` the note's complete tag set: removes the others, adds the missing ones
    /// (rows that stay are not touched, so their usage counts do not churn).
    pub async fn replace_tags(
        conn: &mut AsyncPgConnection,
        user: UserId,
        note: NoteId,
        tags: &[TagId],
    ) -> Result<(), AppError> {
        let wanted: Vec<Uuid> = tags.iter().map(|id| id.into_uuid()).collect();
        diesel::delete(note_tags::table)
            .filter(note_tags::user_id.eq(user))
            .filter(note_tags::note_id.eq(note))
            .filter(note_tags::tag_id.ne_all(wanted.clone()))
            .execute(conn)
            .await
            .map_db_error()?;
        if wanted.is_empty() {
            return Ok(());
        }
        let rows: Vec<NewNoteTag> = wanted
            .into_iter()
            .map(|tag_id| NewNoteTag {
                user_id: user.into_uuid(),
                note_id: note.into_uuid(),
                tag_id,
            })
            .collect();
        diesel::insert_into(note_tags::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await
            .map(drop)
            .map_db_error()
    }

    /// Makes `goals` the note's complete goal set.
    pub async fn replace_goals(
        conn: &mut AsyncPgConnection,
        user: UserId,
        note: NoteId,
        goals: &[GoalId],
    ) -> Result<(), AppError> {
        let wanted: Vec<Uuid> = goals.iter().map(|id| id.into_uuid()).collect();
        diesel::delete(note_goals::table)
            .filter(note_goals::user_id.eq(user))
            .filter(note_goals::note_id.eq(note))
            .filter(note_goals::goal_id.ne_all(wanted.clone()))
            .execute(conn)
            .await
            .map_db_error()?;
        if wanted.is_empty() {
            return Ok(());
        }
        let rows: Vec<NewNoteGoal> = wanted
            .into_iter()
            .map(|goal_id| NewNoteGoal {
                user_id: user.into_uuid(),
                note_id: note.into_uuid(),
                goal_id,
            })
            .collect();
        diesel::insert_into(note_goals::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await
            .map(drop)
            .map_db_error()
    }

    /// The tags of each of `notes` (by name).
    pub async fn tags_of(
        conn: &mut AsyncPgConnection,
        user: UserId,
        notes: &[NoteId],
    ) -> Result<HashMap<Uuid, Vec<Tag>>, AppError> {
        if notes.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<Uuid> = notes.iter().map(|id| id.into_uuid()).collect();
        let rows: Vec<(Uuid, TagRow)> = note_tags::table
            .inner_join(
                tags::table.on(tags::user_id
                    .eq(note_tags::user_id)
                    .and(tags::id.eq(note_tags::tag_id))),
            )
            .filter(note_tags::user_id.eq(user))
            .filter(note_tags::note_id.eq_any(ids))
            .order((tags::name.asc(), tags::id.asc()))
            .select((note_tags::note_id, TagRow::as_select()))
            .load(conn)
            .await
            .map_db_error()?;
        let mut out: HashMap<Uuid, Vec<Tag>> = HashMap::new();
        for (note, row) in rows {
            out.entry(note).or_default().push(row.try_into()?);
        }
        Ok(out)
    }

    /// The goal ids of each of `notes` (in the order they were linked).
    pub async fn goals_of(
        conn: &mut AsyncPgConnection,
        user: UserId,
        notes: &[NoteId],
    ) -> Result<HashMap<Uuid, Vec<GoalId>>, AppError> {
        if notes.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<Uuid> = notes.iter().map(|id| id.into_uuid()).collect();
        let rows: Vec<(Uuid, Uuid)> = note_goals::table
            .filter(note_goals::user_id.eq(user))
            .filter(note_goals::note_id.eq_any(ids))
            .order((note_goals::created_at.asc(), note_goals::goal_id.asc()))
            .select((note_goals::note_id, note_goals::goal_id))
            .load(conn)
            .await
            .map_db_error()?;
        let mut out: HashMap<Uuid, Vec<GoalId>> = HashMap::new();
        for (note, goal) in rows {
            out.entry(note).or_default().push(goal.into());
        }
        Ok(out)
    }
}
