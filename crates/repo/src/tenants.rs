//! The `tenants` anchor row every tenant table references.

use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;

use crate::error::RepoErrorExt;

/// Creates the user's `tenants` row if it does not exist yet (idempotent, cheap).
pub async fn ensure(conn: &mut AsyncPgConnection, user: UserId) -> Result<(), AppError> {
    diesel::sql_query("INSERT INTO tenants (user_id) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind::<SqlUuid, _>(user.into_uuid())
        .execute(conn)
        .await
        .map(drop)
        .or_app()
}
