//! The writes of merging one contact (the duplicate) into another (the survivor): lock
//! both, move every row that points at the duplicate, then delete it.

use diesel::prelude::*;
use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::{ContactId, UserId};
use omnicrm_problem::AppError;

use super::row::ContactRow;
use crate::error::RepoErrorExt;
use crate::schema::contacts;

/// Every `(table, column)` with a foreign key to `contacts`. A merge moves the rows of
/// each to the survivor ([`ContactMergeRepository::move_children`]); a test compares this
/// list with the catalog, so a new child table cannot be forgotten.
pub const CONTACT_REFERENCES: &[(&str, &str)] = &[
    ("client_consents", "contact_id"),
    ("client_files", "contact_id"),
    ("contact_duplicates", "contact_id"),
    ("contact_duplicates", "existing_id"),
    ("contact_history", "contact_id"),
    ("contact_identities", "contact_id"),
    ("contact_tags", "contact_id"),
    ("documents", "owner_contact_id"),
    ("goals", "contact_id"),
    ("interactions", "contact_id"),
    ("notes", "contact_id"),
    ("task_contacts", "contact_id"),
];

/// Moves of a merge, in order; `$1` user, `$2` duplicate, `$3` survivor. Plain moves
/// for children without a uniqueness that involves the contact (identities are unique
/// per user, not per contact, so the two contacts can never share one); tags the
/// survivor already has, and the marks between the two, stay behind and go with the
/// duplicate's delete.
const MOVES: &[&str] = &[
    "UPDATE notes SET contact_id = $3 WHERE user_id = $1 AND contact_id = $2",
    "UPDATE client_consents SET contact_id = $3 WHERE user_id = $1 AND contact_id = $2",
    // Rows move, never get deleted: the stored objects stay referenced (contact deletes
    // remove the objects of the rows they delete).
    "UPDATE client_files SET contact_id = $3 WHERE user_id = $1 AND contact_id = $2",
    "UPDATE contact_identities SET contact_id = $3 WHERE user_id = $1 AND contact_id = $2",
    include_str!("sql/merge_move_tags.sql"),
    "UPDATE interactions SET contact_id = $3 WHERE user_id = $1 AND contact_id = $2",
    "UPDATE documents SET owner_contact_id = $3 WHERE user_id = $1 AND owner_contact_id = $2",
    "UPDATE goals SET contact_id = $3 WHERE user_id = $1 AND contact_id = $2",
    "UPDATE contact_history SET contact_id = $3 WHERE user_id = $1 AND contact_id = $2",
    // A task linked to both keeps its link to the survivor; the duplicate's goes with it.
    "UPDATE task_contacts t SET contact_id = $3 WHERE t.user_id = $1 AND t.contact_id = $2 \
     AND NOT EXISTS (SELECT 1 FROM task_contacts s WHERE s.user_id = $1 \
     AND s.task_id = t.task_id AND s.contact_id = $3)",
    // Marks with third contacts carry over to the survivor.
    include_str!("sql/merge_carry_duplicate_marks.sql"),
    // A reference without a foreign key (polymorphic): it names the person. The photo
    // access audit is not rewritten: it is append-only (it records what was seen under
    // which contact id) and outlives the duplicate, readable under its old id.
    "UPDATE ai_insights SET subject_id = $3 \
     WHERE user_id = $1 AND subject_type = 'contact' AND subject_id = $2",
    // Vectors of the duplicate's own text describe a contact that no longer exists.
    "DELETE FROM embeddings WHERE user_id = $1 AND owner_type = 'contact' AND owner_id = $2",
];

/// Writes of `POST /contacts/{id}/merge`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContactMergeRepository;

impl ContactMergeRepository {
    /// Locks both contacts (`FOR UPDATE`, in id order, so two merges of the same pair
    /// cannot deadlock) and returns `(survivor, duplicate)`; `None` when either is not
    /// the user's (or was deleted meanwhile).
    pub async fn lock_pair(
        conn: &mut AsyncPgConnection,
        user: UserId,
        survivor: ContactId,
        duplicate: ContactId,
    ) -> Result<Option<(ContactRow, ContactRow)>, AppError> {
        let rows: Vec<ContactRow> = contacts::table
            .filter(contacts::user_id.eq(user))
            .filter(contacts::id.eq_any(vec![survivor.into_uuid(), duplicate.into_uuid()]))
            .order(contacts::id.asc())
            .select(ContactRow::as_select())
            .for_update()
            .load(conn)
            .await
            .map_db_error()?;
        let mut survivor_row = None;
        let mut duplicate_row = None;
        for row in rows {
            if row.id == survivor.into_uuid() {
                survivor_row = Some(row);
            } else {
                duplicate_row = Some(row);
            }
        }
        Ok(survivor_row.zip(duplicate_row))
    }

    /// Moves every row pointing at `duplicate` to `survivor` (see [`CONTACT_REFERENCES`]).
    pub async fn move_children(
        conn: &mut AsyncPgConnection,
        user: UserId,
        duplicate: ContactId,
        survivor: ContactId,
    ) -> Result<(), AppError> {
        for statement in MOVES {
            diesel::sql_query(*statement)
                .bind::<SqlUuid, _>(user)
                .bind::<SqlUuid, _>(duplicate)
                .bind::<SqlUuid, _>(survivor)
                .execute(conn)
                .await
                .map_db_error()?;
        }
        Ok(())
    }
}
