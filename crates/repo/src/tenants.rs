//! The `tenants` anchor row every tenant table references.

use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;

use crate::error::RepoErrorExt;

/// Creates the user's `tenants` row if it does not exist yet (idempotent, cheap).
pub async fn ensure(conn: &mut AsyncPgConnection, user: UserId) -> Result<(), AppError> {
    diesel::sql_query("INSERT INTO tenants (user_id) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind::<SqlUuid, _>(user)
        .execute(conn)
        .await
        .map(drop)
        .map_db_error()
}

/// Creates the user's `tenants` row if needed and locks it (`FOR NO KEY UPDATE`) until the
/// transaction ends. Every contact insert takes this lock anyway (the trigger that keeps
/// `contact_count`), so taking it first costs no concurrency and makes a check followed by
/// an insert (the duplicate guard, onboarding's match by email) atomic with respect to
/// every other contact insert of the user. Foreign-key checks (`FOR KEY SHARE`) are not
/// blocked by it.
pub async fn lock_for_contact_insert(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> Result<(), AppError> {
    ensure(conn, user).await?;
    diesel::sql_query("SELECT 1 FROM tenants WHERE user_id = $1 FOR NO KEY UPDATE")
        .bind::<SqlUuid, _>(user)
        .execute(conn)
        .await
        .map(drop)
        .map_db_error()
}
