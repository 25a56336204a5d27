//! Which tenant an account (the access token's `sub`) owns now, and the tenants that
//! were retired by a hide-first erasure (ADR 0033).
//!
//! Until its first large erasure an account's tenant id is its own id (no row). Erasing
//! a large account points it at a fresh tenant and retires the old id in one transaction:
//! from that commit on every request of the account works on an empty tenant, and
//! [`crate::in_tenant_transaction`] gives a retired tenant no scope at all, while a job
//! deletes the old rows in batches.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::schema::{account_tenants, retired_tenants};

/// The tenant `subject` (a token's `sub`) owns now: its own id unless an erasure moved it.
pub async fn resolve(conn: &mut AsyncPgConnection, subject: Uuid) -> Result<UserId, AppError> {
    let moved: Option<Uuid> = account_tenants::table
        .find(subject)
        .select(account_tenants::tenant_id)
        .first(conn)
        .await
        .optional()
        .map_db_error()?;
    Ok(UserId(moved.unwrap_or(subject)))
}

/// Retires tenant `old` (its rows to be deleted by the job of `receipt`) and points
/// `subject` at the fresh tenant `fresh`. Run it in the transaction that holds `old`'s
/// `tenants` row lock, so the switch is one instant.
pub async fn retire(
    conn: &mut AsyncPgConnection,
    subject: Uuid,
    old: UserId,
    fresh: UserId,
    receipt: Uuid,
) -> Result<(), AppError> {
    diesel::insert_into(retired_tenants::table)
        .values((
            retired_tenants::tenant_id.eq(old.into_uuid()),
            retired_tenants::receipt_id.eq(receipt),
        ))
        .execute(conn)
        .await
        .map_db_error()?;
    diesel::insert_into(account_tenants::table)
        .values((
            account_tenants::subject.eq(subject),
            account_tenants::tenant_id.eq(fresh.into_uuid()),
        ))
        .on_conflict(account_tenants::subject)
        .do_update()
        .set((
            account_tenants::tenant_id.eq(fresh.into_uuid()),
            account_tenants::since.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(drop)
        .map_db_error()
}

/// The retired tenant whose rows the erasure of `receipt` deletes.
pub async fn retired_by(
    conn: &mut AsyncPgConnection,
    receipt: Uuid,
) -> Result<Option<UserId>, AppError> {
    retired_tenants::table
        .filter(retired_tenants::receipt_id.eq(receipt))
        .select(retired_tenants::tenant_id)
        .first::<Uuid>(conn)
        .await
        .optional()
        .map_db_error()
        .map(|id| id.map(UserId))
}

/// Whether `tenant` was retired.
pub async fn is_retired(conn: &mut AsyncPgConnection, tenant: UserId) -> Result<bool, AppError> {
    diesel::select(diesel::dsl::exists(
        retired_tenants::table.find(tenant.into_uuid()),
    ))
    .get_result(conn)
    .await
    .map_db_error()
}
