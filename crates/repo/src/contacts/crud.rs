//! `ContactsRepository`: one contact at a time (insert, find, lock, update, delete) and bulk
//! delete. The list and search are in `list.rs`, the duplicate guard's probe in
//! `duplicate_probe.rs`.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::{ContactId, UserId};
use omnicrm_problem::AppError;

use super::row::{ContactChanges, ContactRow, NewContactRow};
use crate::error::RepoErrorExt;
use crate::schema::contacts;

/// Queries over `contacts`. Every query also filters by `user_id` explicitly: row-level
/// security already confines it, the explicit filter lets the planner use the
/// `(user_id, ..)` indexes.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContactsRepository;

impl ContactsRepository {
    /// Inserts a contact and returns the stored row.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        row: &NewContactRow,
    ) -> Result<ContactRow, AppError> {
        diesel::insert_into(contacts::table)
            .values(row)
            .returning(ContactRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// One contact, or 404.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ContactId,
    ) -> Result<ContactRow, AppError> {
        Self::find_pipelined(conn, user, id).await
    }

    /// [`Self::find`] on a shared connection (pipelined with other reads).
    pub async fn find_pipelined(
        mut conn: &AsyncPgConnection,
        user: UserId,
        id: ContactId,
    ) -> Result<ContactRow, AppError> {
        contacts::table
            .filter(contacts::user_id.eq(user))
            .filter(contacts::id.eq(id))
            .select(ContactRow::as_select())
            .first(&mut conn)
            .await
            .map_db_error()
    }

    /// Whether the user has this contact.
    pub async fn exists(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ContactId,
    ) -> Result<bool, AppError> {
        diesel::select(diesel::dsl::exists(
            contacts::table
                .filter(contacts::user_id.eq(user))
                .filter(contacts::id.eq(id)),
        ))
        .get_result(conn)
        .await
        .map_db_error()
    }

    /// 404 unless the user has this contact; otherwise takes a `FOR KEY SHARE` lock on it
    /// until the transaction ends, so a concurrent delete (or merge) waits for a child
    /// insert instead of turning its foreign-key check into an error.
    pub async fn lock_for_child(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ContactId,
    ) -> Result<(), AppError> {
        contacts::table
            .filter(contacts::user_id.eq(user))
            .filter(contacts::id.eq(id))
            .select(contacts::id)
            .for_key_share()
            .first::<uuid::Uuid>(conn)
            .await
            .map(drop)
            .map_db_error()
    }

    /// Applies `changes`; 404 when the contact does not exist.
    pub async fn update(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ContactId,
        changes: &ContactChanges,
    ) -> Result<ContactRow, AppError> {
        if changes.is_empty() {
            return Self::find(conn, user, id).await;
        }
        diesel::update(contacts::table)
            .filter(contacts::user_id.eq(user))
            .filter(contacts::id.eq(id))
            .set(changes)
            .returning(ContactRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// Deletes a contact (its notes, consents, files and identities cascade); 404 when absent.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ContactId,
    ) -> Result<(), AppError> {
        let deleted = Self::delete_many(conn, user, &[id]).await?;
        if deleted.is_empty() {
            return Err(AppError::not_found());
        }
        Ok(())
    }

    /// Deletes those of `ids` that are the user's in one statement; returns the ids deleted.
    pub async fn delete_many(
        conn: &mut AsyncPgConnection,
        user: UserId,
        ids: &[ContactId],
    ) -> Result<Vec<ContactId>, AppError> {
        let ids: Vec<uuid::Uuid> = ids.iter().map(|id| id.into_uuid()).collect();
        let deleted: Vec<uuid::Uuid> = diesel::delete(
            contacts::table
                .filter(contacts::user_id.eq(user))
                .filter(contacts::id.eq_any(ids)),
        )
        .returning(contacts::id)
        .get_results(conn)
        .await
        .map_db_error()?;
        Ok(deleted.into_iter().map(ContactId::from).collect())
    }
}
