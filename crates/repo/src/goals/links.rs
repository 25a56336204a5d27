use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::goals::GoalTag;
use omnicrm_domain::{GoalId, NoteId, TagId, UserId};
use omnicrm_problem::AppError;

use crate::error::RepoErrorExt;
use crate::schema::{goal_tags, note_goals, notes, tags};

/// A goal's links to tags (`goal_tags`, whose triggers keep `tags.usage_count`) and notes
/// (`note_goals`). The composite foreign keys make the database refuse a link to another
/// user's tag or note.
#[derive(Debug, Clone, Copy, Default)]
pub struct GoalLinksRepository;

#[derive(Debug, Insertable)]
#[diesel(table_name = goal_tags)]
struct NewGoalTag {
    user_id: UserId,
    goal_id: GoalId,
    tag_id: TagId,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = note_goals)]
struct NewNoteGoal {
    user_id: UserId,
    note_id: NoteId,
    goal_id: GoalId,
}

impl GoalLinksRepository {
    /// Which of `ids` are the user's notes, locked (`KEY SHARE`) until the transaction ends.
    pub async fn lock_notes(
        conn: &mut AsyncPgConnection,
        user: UserId,
        ids: &[NoteId],
    ) -> Result<HashSet<NoteId>, AppError> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let found: Vec<NoteId> = notes::table
            .filter(notes::user_id.eq(user))
            .filter(notes::id.eq_any(ids.to_vec()))
            .select(notes::id)
            .for_key_share()
            .load(conn)
            .await
            .map_db_error()?;
        Ok(found.into_iter().collect())
    }

    /// Replaces the goal's tags with `ids` (the user's tags, checked by the caller).
    pub async fn set_tags(
        conn: &mut AsyncPgConnection,
        user: UserId,
        goal: GoalId,
        ids: &[TagId],
    ) -> Result<(), AppError> {
        diesel::delete(goal_tags::table)
            .filter(goal_tags::user_id.eq(user))
            .filter(goal_tags::goal_id.eq(goal))
            .filter(goal_tags::tag_id.ne_all(ids.to_vec()))
            .execute(conn)
            .await
            .map_db_error()?;
        let rows: Vec<NewGoalTag> = ids
            .iter()
            .map(|tag| NewGoalTag {
                user_id: user,
                goal_id: goal,
                tag_id: *tag,
            })
            .collect();
        diesel::insert_into(goal_tags::table)
            .values(&rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await
            .map_db_error()?;
        Ok(())
    }

    /// Replaces the goal's linked notes with `ids` (the user's notes, checked by the caller).
    pub async fn set_notes(
        conn: &mut AsyncPgConnection,
        user: UserId,
        goal: GoalId,
        ids: &[NoteId],
    ) -> Result<(), AppError> {
        diesel::delete(note_goals::table)
            .filter(note_goals::user_id.eq(user))
            .filter(note_goals::goal_id.eq(goal))
            .filter(note_goals::note_id.ne_all(ids.to_vec()))
            .execute(conn)
            .await
            .map_db_error()?;
        let rows: Vec<NewNoteGoal> = ids
            .iter()
            .map(|note| NewNoteGoal {
                user_id: user,
                note_id: *note,
                goal_id: goal,
            })
            .collect();
        diesel::insert_into(note_goals::table)
            .values(&rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await
            .map_db_error()?;
        Ok(())
    }

    /// The tags of each of `goals`, by name.
    pub async fn tags_of(
        conn: &mut AsyncPgConnection,
        user: UserId,
        goals: &[GoalId],
    ) -> Result<HashMap<GoalId, Vec<GoalTag>>, AppError> {
        let rows: Vec<(GoalId, TagId, String, String)> = goal_tags::table
            .inner_join(
                tags::table.on(tags::user_id
                    .eq(goal_tags::user_id)
                    .and(tags::id.eq(goal_tags::tag_id))),
            )
            .filter(goal_tags::user_id.eq(user))
            .filter(goal_tags::goal_id.eq_any(goals.to_vec()))
            .order((goal_tags::goal_id, tags::name, tags::id))
            .select((goal_tags::goal_id, tags::id, tags::name, tags::color))
            .load(conn)
            .await
            .map_db_error()?;
        let mut out: HashMap<GoalId, Vec<GoalTag>> = HashMap::new();
        for (goal, id, name, color) in rows {
            out.entry(goal)
                .or_default()
                .push(GoalTag { id, name, color });
        }
        Ok(out)
    }

    /// The linked notes of each of `goals`, oldest link first.
    pub async fn notes_of(
        conn: &mut AsyncPgConnection,
        user: UserId,
        goals: &[GoalId],
    ) -> Result<HashMap<GoalId, Vec<NoteId>>, AppError> {
        let rows: Vec<(GoalId, NoteId)> = note_goals::table
            .filter(note_goals::user_id.eq(user))
            .filter(note_goals::goal_id.eq_any(goals.to_vec()))
            .order((
                note_goals::goal_id,
                note_goals::created_at,
                note_goals::note_id,
            ))
            .select((note_goals::goal_id, note_goals::note_id))
            .load(conn)
            .await
            .map_db_error()?;
        let mut out: HashMap<GoalId, Vec<NoteId>> = HashMap::new();
        for (goal, note) in rows {
            out.entry(goal).or_default().push(note);
        }
        Ok(out)
    }
}
