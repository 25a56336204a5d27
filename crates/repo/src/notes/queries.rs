use diesel::dsl::{count_star, now};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::notes::{NoteListQuery, NoteSort};
use omnicrm_domain::{ContactId, NoteId, SortOrder, UserId};
use omnicrm_problem::AppError;

use super::row::{NewNoteRow, NoteChanges, NoteRow};
use crate::error::{RepoErrorExt, map_diesel_error};
use crate::schema::{contacts, notes};
use crate::text::contains_pattern;

type BoxedNotes<'a> = notes::BoxedQuery<'a, Pg>;

/// Queries over `notes`. Every query also filters by `user_id` explicitly: row-level
/// security already confines it, the explicit filter lets the planner use the
/// `(user_id, ..)` indexes.
#[derive(Debug, Clone, Copy, Default)]
pub struct NotesRepository;

impl NotesRepository {
    /// Inserts a note. A contact that vanished since it was checked is a 400 at
    /// `/contactId` (the composite foreign key refuses it), like one that never existed.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        row: &NewNoteRow,
    ) -> Result<NoteRow, AppError> {
        diesel::insert_into(notes::table)
            .values(row)
            .returning(NoteRow::as_returning())
            .get_result(conn)
            .await
            .map_err(|err| match err {
                DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                    unknown_contact()
                }
                other => map_diesel_error(other),
            })
    }

    /// Whether `contact` is one of the user's contacts; if so, takes a `KEY SHARE` lock on
    /// it, so it cannot be deleted before this transaction ends (the note about to point
    /// at it would otherwise fail its foreign-key check).
    pub async fn lock_contact_if_exists(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
    ) -> Result<bool, AppError> {
        let found: Option<uuid::Uuid> = contacts::table
            .filter(contacts::user_id.eq(user))
            .filter(contacts::id.eq(contact))
            .select(contacts::id)
            .for_key_share()
            .first(conn)
            .await
            .optional()
            .map_db_error()?;
        Ok(found.is_some())
    }

    /// One note, or 404.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: NoteId,
    ) -> Result<NoteRow, AppError> {
        notes::table
            .filter(notes::user_id.eq(user))
            .filter(notes::id.eq(id))
            .select(NoteRow::as_select())
            .first(conn)
            .await
            .map_db_error()
    }

    /// Applies `changes` (or, with none, only moves `updated_at`: the note's tags or goals
    /// changed); 404 when the note does not exist.
    pub async fn update(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: NoteId,
        changes: &NoteChanges,
    ) -> Result<NoteRow, AppError> {
        let target = notes::table
            .filter(notes::user_id.eq(user))
            .filter(notes::id.eq(id));
        let updated = if changes.is_empty() {
            diesel::update(target)
                .set(notes::updated_at.eq(now))
                .returning(NoteRow::as_returning())
                .get_result(conn)
                .await
        } else {
            diesel::update(target)
                .set(changes)
                .returning(NoteRow::as_returning())
                .get_result(conn)
                .await
        };
        updated.map_db_error()
    }

    /// Deletes a note (its tag and goal links cascade); 404 when absent.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: NoteId,
    ) -> Result<(), AppError> {
        let deleted = diesel::delete(notes::table)
            .filter(notes::user_id.eq(user))
            .filter(notes::id.eq(id))
            .execute(conn)
            .await
            .map_db_error()?;
        if deleted == 0 {
            return Err(AppError::not_found());
        }
        Ok(())
    }

    /// One page of notes matching `query`.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        user: UserId,
        query: &NoteListQuery,
    ) -> Result<Vec<NoteRow>, AppError> {
        let page = query.page_request();
        let filtered = Self::filtered(user, query);
        let sorted = match (query.sort, query.order) {
            (NoteSort::CreatedAt, SortOrder::Asc) => {
                filtered.order((notes::created_at.asc(), notes::id.asc()))
            }
            (NoteSort::CreatedAt, SortOrder::Desc) => {
                filtered.order((notes::created_at.desc(), notes::id.desc()))
            }
            (NoteSort::UpdatedAt, SortOrder::Asc) => {
                filtered.order((notes::updated_at.asc(), notes::id.asc()))
            }
            (NoteSort::UpdatedAt, SortOrder::Desc) => {
                filtered.order((notes::updated_at.desc(), notes::id.desc()))
            }
        };
        sorted
            .select(NoteRow::as_select())
            .limit(page.limit())
            .offset(page.offset())
            .load(conn)
            .await
            .map_db_error()
    }

    /// How many notes match `query`'s filters (its page and sort are ignored).
    pub async fn count(
        conn: &mut AsyncPgConnection,
        user: UserId,
        query: &NoteListQuery,
    ) -> Result<u64, AppError> {
        let total: i64 = Self::filtered(user, query)
            .select(count_star())
            .get_result(conn)
            .await
            .map_db_error()?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    fn filtered(user: UserId, query: &NoteListQuery) -> BoxedNotes<'static> {
        let mut q = notes::table.filter(notes::user_id.eq(user)).into_boxed();
        if let Some(contact) = query.contact_id {
            q = q.filter(notes::contact_id.eq(contact));
        }
        if let Some(term) = query
            .search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            q = q.filter(notes::content_plain.ilike(contains_pattern(term)));
        }
        q
    }
}

fn unknown_contact() -> AppError {
    AppError::invalid_field("/contactId", "not_found", "no such contact")
}
