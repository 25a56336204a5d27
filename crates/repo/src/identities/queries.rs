use diesel::dsl::count_star;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::identities::{ContactIdentityQuery, IgnoredIdentifierQuery};
use omnicrm_domain::{ContactId, SortOrder, UserId};
use omnicrm_problem::AppError;
use uuid::Uuid;

use super::row::{
    ContactIdentityChanges, ContactIdentityRow, IgnoredIdentifierRow, NewContactIdentityRow,
    NewIgnoredIdentifierRow,
};
use crate::error::{RepoErrorExt, map_diesel_error};
use crate::schema::{contact_identities, ignored_identifiers};
use crate::text::contains_pattern;

const IDENTITY_TAKEN: &str =
    "an identity of this kind, value and provider already exists (on this or another contact)";
const IGNORED_TAKEN: &str = "this identifier is already ignored";

/// Queries over `contact_identities` (every query filters `user_id` explicitly).
#[derive(Debug, Clone, Copy, Default)]
pub struct ContactIdentitiesRepository;

impl ContactIdentitiesRepository {
    /// One page of identities and the total.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        user: UserId,
        query: &ContactIdentityQuery,
    ) -> Result<(Vec<ContactIdentityRow>, u64), AppError> {
        let page = query.page_request();
        let shared: &AsyncPgConnection = conn;
        let (mut page_conn, mut count_conn) = (shared, shared);
        let (rows, total) = futures_util::future::try_join(
            identity_filter(user, query)
                .order((
                    contact_identities::created_at.desc(),
                    contact_identities::id.desc(),
                ))
                .select(ContactIdentityRow::as_select())
                .limit(page.limit())
                .offset(page.offset())
                .load(&mut page_conn),
            identity_filter(user, query)
                .select(count_star())
                .get_result::<i64>(&mut count_conn),
        )
        .await
        .map_db_error()?;
        Ok((rows, u64::try_from(total).unwrap_or(0)))
    }

    /// The identities of one contact, oldest first.
    pub async fn for_contact(
        mut conn: &AsyncPgConnection,
        user: UserId,
        contact: ContactId,
    ) -> Result<Vec<ContactIdentityRow>, AppError> {
        contact_identities::table
            .filter(contact_identities::user_id.eq(user))
            .filter(contact_identities::contact_id.eq(contact))
            .order((
                contact_identities::created_at.asc(),
                contact_identities::id.asc(),
            ))
            .select(ContactIdentityRow::as_select())
            .load(&mut conn)
            .await
            .map_db_error()
    }

    /// One identity, or 404.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
    ) -> Result<ContactIdentityRow, AppError> {
        contact_identities::table
            .filter(contact_identities::user_id.eq(user))
            .filter(contact_identities::id.eq(id))
            .select(ContactIdentityRow::as_select())
            .first(conn)
            .await
            .map_db_error()
    }

    /// Inserts an identity; 409 when (kind, value, provider) is taken, 404 when the
    /// contact is not the user's.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        row: &NewContactIdentityRow,
    ) -> Result<ContactIdentityRow, AppError> {
        diesel::insert_into(contact_identities::table)
            .values(row)
            .returning(ContactIdentityRow::as_returning())
            .get_result(conn)
            .await
            .map_err(identity_write_error)
    }

    /// Applies `changes`; 404 when absent, 409 when the result is taken.
    pub async fn update(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
        changes: &ContactIdentityChanges,
    ) -> Result<ContactIdentityRow, AppError> {
        if changes.is_empty() {
            return Self::find(conn, user, id).await;
        }
        diesel::update(contact_identities::table)
            .filter(contact_identities::user_id.eq(user))
            .filter(contact_identities::id.eq(id))
            .set(changes)
            .returning(ContactIdentityRow::as_returning())
            .get_result(conn)
            .await
            .map_err(identity_write_error)
    }

    /// Deletes an identity; 404 when absent.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
    ) -> Result<(), AppError> {
        let deleted = diesel::delete(
            contact_identities::table
                .filter(contact_identities::user_id.eq(user))
                .filter(contact_identities::id.eq(id)),
        )
        .execute(conn)
        .await
        .map_db_error()?;
        if deleted == 0 {
            return Err(AppError::not_found());
        }
        Ok(())
    }
}

fn identity_write_error(err: DieselError) -> AppError {
    match err {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            AppError::conflict(IDENTITY_TAKEN)
        }
        // The composite key (user_id, contact_id) refuses a contact of another tenant.
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            AppError::not_found().with_detail("the contact does not exist")
        }
        other => map_diesel_error(other),
    }
}

fn identity_filter(
    user: UserId,
    query: &ContactIdentityQuery,
) -> contact_identities::BoxedQuery<'static, Pg> {
    let mut q = contact_identities::table
        .filter(contact_identities::user_id.eq(user))
        .into_boxed();
    if let Some(contact) = query.contact_id {
        q = q.filter(contact_identities::contact_id.eq(contact));
    }
    if !query.kind.is_empty() {
        let kinds: Vec<&'static str> = query.kind.iter().map(|k| k.as_str()).collect();
        q = q.filter(contact_identities::kind.eq_any(kinds));
    }
    if !query.provider.is_empty() {
        q = q.filter(contact_identities::provider.eq_any(query.provider.clone()));
    }
    if let Some(term) = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        q = q.filter(contact_identities::value.ilike(contains_pattern(term)));
    }
    q
}

/// Queries over `ignored_identifiers`.
#[derive(Debug, Clone, Copy, Default)]
pub struct IgnoredIdentifiersRepository;

impl IgnoredIdentifiersRepository {
    /// One page and the total.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        user: UserId,
        query: &IgnoredIdentifierQuery,
    ) -> Result<(Vec<IgnoredIdentifierRow>, u64), AppError> {
        let page = query.page_request();
        let filtered = ignored_filter(user, query);
        let ordered = match query.order {
            SortOrder::Asc => filtered.order((
                ignored_identifiers::created_at.asc(),
                ignored_identifiers::id.asc(),
            )),
            SortOrder::Desc => filtered.order((
                ignored_identifiers::created_at.desc(),
                ignored_identifiers::id.desc(),
            )),
        };
        let shared: &AsyncPgConnection = conn;
        let (mut page_conn, mut count_conn) = (shared, shared);
        let (rows, total) = futures_util::future::try_join(
            ordered
                .select(IgnoredIdentifierRow::as_select())
                .limit(page.limit())
                .offset(page.offset())
                .load(&mut page_conn),
            ignored_filter(user, query)
                .select(count_star())
                .get_result::<i64>(&mut count_conn),
        )
        .await
        .map_db_error()?;
        Ok((rows, u64::try_from(total).unwrap_or(0)))
    }

    /// One entry, or 404.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
    ) -> Result<IgnoredIdentifierRow, AppError> {
        ignored_identifiers::table
            .filter(ignored_identifiers::user_id.eq(user))
            .filter(ignored_identifiers::id.eq(id))
            .select(IgnoredIdentifierRow::as_select())
            .first(conn)
            .await
            .map_db_error()
    }

    /// Inserts an entry; 409 when the (kind, value) is already ignored.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        row: &NewIgnoredIdentifierRow,
    ) -> Result<IgnoredIdentifierRow, AppError> {
        diesel::insert_into(ignored_identifiers::table)
            .values(row)
            .returning(IgnoredIdentifierRow::as_returning())
            .get_result(conn)
            .await
            .conflict_on_unique(IGNORED_TAKEN)
    }

    /// Sets the reason (`None` clears it); 404 when absent.
    pub async fn set_reason(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
        reason: Option<String>,
    ) -> Result<IgnoredIdentifierRow, AppError> {
        diesel::update(ignored_identifiers::table)
            .filter(ignored_identifiers::user_id.eq(user))
            .filter(ignored_identifiers::id.eq(id))
            .set(ignored_identifiers::reason.eq(reason))
            .returning(IgnoredIdentifierRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// Deletes an entry; 404 when absent.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
    ) -> Result<(), AppError> {
        let deleted = diesel::delete(
            ignored_identifiers::table
                .filter(ignored_identifiers::user_id.eq(user))
                .filter(ignored_identifiers::id.eq(id)),
        )
        .execute(conn)
        .await
        .map_db_error()?;
        if deleted == 0 {
            return Err(AppError::not_found());
        }
        Ok(())
    }
}

fn ignored_filter(
    user: UserId,
    query: &IgnoredIdentifierQuery,
) -> ignored_identifiers::BoxedQuery<'static, Pg> {
    let mut q = ignored_identifiers::table
        .filter(ignored_identifiers::user_id.eq(user))
        .into_boxed();
    if !query.kind.is_empty() {
        let kinds: Vec<&'static str> = query.kind.iter().map(|k| k.as_str()).collect();
        q = q.filter(ignored_identifiers::kind.eq_any(kinds));
    }
    if let Some(term) = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        q = q.filter(ignored_identifiers::value.ilike(contains_pattern(term)));
    }
    q
}
