use diesel::dsl::count_star;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::contacts::{ContactListQuery, ContactSort};
use omnicrm_domain::{ContactId, SortOrder, UserId};
use omnicrm_problem::AppError;

use super::row::{ContactChanges, ContactRow, NewContactRow};
use crate::error::RepoErrorExt;
use crate::schema::contacts;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

type BoxedContacts<'a> = contacts::BoxedQuery<'a, Pg>;

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
            .or_app()
    }

    /// One contact, or 404.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ContactId,
    ) -> Result<ContactRow, AppError> {
        contacts::table
            .filter(contacts::user_id.eq(user.into_uuid()))
            .filter(contacts::id.eq(id.into_uuid()))
            .select(ContactRow::as_select())
            .first(conn)
            .await
            .or_app()
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
            .filter(contacts::user_id.eq(user.into_uuid()))
            .filter(contacts::id.eq(id.into_uuid()))
            .set(changes)
            .returning(ContactRow::as_returning())
            .get_result(conn)
            .await
            .or_app()
    }

    /// Deletes a contact (its notes, consents, files and identities cascade); 404 when absent.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ContactId,
    ) -> Result<(), AppError> {
        let deleted = diesel::delete(contacts::table)
            .filter(contacts::user_id.eq(user.into_uuid()))
            .filter(contacts::id.eq(id.into_uuid()))
            .execute(conn)
            .await
            .or_app()?;
        if deleted == 0 {
            return Err(AppError::not_found());
        }
        Ok(())
    }

    /// One page of contacts matching `query`.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        user: UserId,
        query: &ContactListQuery,
    ) -> Result<Vec<ContactRow>, AppError> {
        let page = query.page_request();
        let filtered = Self::filtered(user, query);
        let sorted = match (query.sort, query.order) {
            (ContactSort::DisplayName, SortOrder::Asc) => {
                filtered.order((lower(contacts::display_name).asc(), contacts::id.asc()))
            }
            (ContactSort::DisplayName, SortOrder::Desc) => {
                filtered.order((lower(contacts::display_name).desc(), contacts::id.desc()))
            }
            (ContactSort::CreatedAt, SortOrder::Asc) => {
                filtered.order((contacts::created_at.asc(), contacts::id.asc()))
            }
            (ContactSort::CreatedAt, SortOrder::Desc) => {
                filtered.order((contacts::created_at.desc(), contacts::id.desc()))
            }
            (ContactSort::UpdatedAt, SortOrder::Asc) => {
                filtered.order((contacts::updated_at.asc(), contacts::id.asc()))
            }
            (ContactSort::UpdatedAt, SortOrder::Desc) => {
                filtered.order((contacts::updated_at.desc(), contacts::id.desc()))
            }
        };
        sorted
            .select(ContactRow::as_select())
            .limit(page.limit())
            .offset(page.offset())
            .load(conn)
            .await
            .or_app()
    }

    /// How many contacts match `query`'s filters (its page and sort are ignored).
    pub async fn count(
        conn: &mut AsyncPgConnection,
        user: UserId,
        query: &ContactListQuery,
    ) -> Result<u64, AppError> {
        let total: i64 = Self::filtered(user, query)
            .select(count_star())
            .get_result(conn)
            .await
            .or_app()?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// Existing contact of `user` with this email (case-insensitive) or phone.
    pub async fn find_duplicate(
        conn: &mut AsyncPgConnection,
        user: UserId,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Result<Option<ContactId>, AppError> {
        let email = email.map(str::to_lowercase);
        if email.is_none() && phone.is_none() {
            return Ok(None);
        }
        let mut query = contacts::table
            .filter(contacts::user_id.eq(user.into_uuid()))
            .into_boxed();
        query = match (email, phone) {
            (Some(e), Some(p)) => query.filter(
                lower(contacts::primary_email.assume_not_null())
                    .eq(e)
                    .or(contacts::primary_phone.eq(p.to_owned())),
            ),
            (Some(e), None) => query.filter(lower(contacts::primary_email.assume_not_null()).eq(e)),
            (None, Some(p)) => query.filter(contacts::primary_phone.eq(p.to_owned())),
            (None, None) => return Ok(None),
        };
        let found: Option<uuid::Uuid> = query
            .select(contacts::id)
            .order(contacts::created_at.asc())
            .first(conn)
            .await
            .optional()
            .or_app()?;
        Ok(found.map(ContactId::from))
    }

    fn filtered(user: UserId, query: &ContactListQuery) -> BoxedContacts<'static> {
        let mut q = contacts::table
            .filter(contacts::user_id.eq(user.into_uuid()))
            .into_boxed();
        if let Some(term) = query
            .search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let pattern = format!("%{}%", escape_like(term));
            q = q.filter(
                contacts::display_name
                    .ilike(pattern.clone())
                    .or(contacts::primary_email.ilike(pattern.clone()))
                    .or(contacts::primary_phone.ilike(pattern)),
            );
        }
        if !query.lifecycle_stage.is_empty() {
            q = q.filter(contacts::lifecycle_stage.eq_any(query.lifecycle_stage.clone()));
        }
        if !query.client_status.is_empty() {
            let statuses: Vec<String> = query
                .client_status
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect();
            q = q.filter(contacts::client_status.eq_any(statuses));
        }
        if !query.source.is_empty() {
            q = q.filter(contacts::source.eq_any(query.source.clone()));
        }
        if let Some(after) = query.created_after {
            q = q.filter(contacts::created_at.ge(after));
        }
        if let Some(before) = query.created_before {
            q = q.filter(contacts::created_at.lt(before));
        }
        q
    }
}

/// Escapes `%`, `_` and `\` so a search term matches literally inside `ILIKE`.
fn escape_like(term: &str) -> String {
    let mut out = String::with_capacity(term.len());
    for ch in term.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(super::escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }
}
