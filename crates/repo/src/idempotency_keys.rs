//! `idempotency_keys`: claims and stored first responses of creating POSTs (ADR 0016).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;

use crate::error::RepoErrorExt;
use crate::schema::idempotency_keys as k;

/// How long a key is remembered. The sweep function in the migration deletes rows past the
/// same age; until it runs, older rows are treated as absent.
pub const KEY_LIFETIME_HOURS: i32 = 24;

/// How long a claim whose request never finished (its instance died) blocks the key.
pub const ABANDONED_CLAIM_MINUTES: i32 = 10;

/// A first response as it is replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status (below 500: server errors are never stored).
    pub status: i16,
    /// Header lines, in order, as `[name, value]` pairs.
    pub headers: Vec<(String, String)>,
    /// The body, byte for byte.
    pub body: Vec<u8>,
}

/// What a claim on a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is this request's now: run the handler, then [`complete`] or [`release`].
    Claimed,
    /// The key is in use by a request with `fingerprint` that has not finished.
    InFlight {
        /// The first request's fingerprint.
        fingerprint: Vec<u8>,
    },
    /// The first request with `fingerprint` finished with `response`.
    Completed {
        /// The first request's fingerprint.
        fingerprint: Vec<u8>,
        /// Its response.
        response: StoredResponse,
    },
}

#[derive(Queryable)]
struct Row {
    fingerprint: Vec<u8>,
    status: Option<i16>,
    response_headers: Option<serde_json::Value>,
    response_body: Option<Vec<u8>>,
    live: bool,
    abandoned: bool,
}

/// Claims `key` for a request with `fingerprint`, or reports who holds it. A row past its
/// lifetime or an abandoned claim is taken over. Runs in the caller's tenant transaction.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    user: UserId,
    key: &str,
    fingerprint: &[u8],
) -> Result<Claim, AppError> {
    crate::tenants::ensure(conn, user).await?;
    let inserted = diesel::insert_into(k::table)
        .values((
            k::user_id.eq(user.into_uuid()),
            k::idempotency_key.eq(key),
            k::fingerprint.eq(fingerprint),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map_db_error()?;
    if inserted == 1 {
        return Ok(Claim::Claimed);
    }
    let live = diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "created_at > now() - interval '{KEY_LIFETIME_HOURS} hours'"
    ));
    let abandoned = diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "status IS NULL AND created_at < now() - interval '{ABANDONED_CLAIM_MINUTES} minutes'"
    ));
    let row: Row = k::table
        .filter(k::user_id.eq(user.into_uuid()))
        .filter(k::idempotency_key.eq(key))
        .select((
            k::fingerprint,
            k::status,
            k::response_headers,
            k::response_body,
            live,
            abandoned,
        ))
        .for_update()
        .first(conn)
        .await
        .map_db_error()?;
    if !row.live || row.abandoned {
        diesel::update(k::table)
            .filter(k::user_id.eq(user.into_uuid()))
            .filter(k::idempotency_key.eq(key))
            .set((
                k::fingerprint.eq(fingerprint),
                k::status.eq(None::<i16>),
                k::response_headers.eq(None::<serde_json::Value>),
                k::response_body.eq(None::<Vec<u8>>),
                k::created_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await
            .map_db_error()?;
        return Ok(Claim::Claimed);
    }
    Ok(
        match (row.status, row.response_headers, row.response_body) {
            (Some(status), Some(headers), Some(body)) => Claim::Completed {
                fingerprint: row.fingerprint,
                response: StoredResponse {
                    status,
                    headers: serde_json::from_value(headers).map_err(AppError::internal)?,
                    body,
                },
            },
            _ => Claim::InFlight {
                fingerprint: row.fingerprint,
            },
        },
    )
}

/// Stores the first response of the request that claimed `key`.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    user: UserId,
    key: &str,
    response: &StoredResponse,
) -> Result<(), AppError> {
    let headers = serde_json::to_value(&response.headers).map_err(AppError::internal)?;
    diesel::update(k::table)
        .filter(k::user_id.eq(user.into_uuid()))
        .filter(k::idempotency_key.eq(key))
        .filter(k::status.is_null())
        .set((
            k::status.eq(Some(response.status)),
            k::response_headers.eq(Some(headers)),
            k::response_body.eq(Some(&response.body)),
        ))
        .execute(conn)
        .await
        .map(drop)
        .map_db_error()
}

/// Gives up the claim on `key` (the request failed with a server error: a retry should
/// run again).
pub async fn release(
    conn: &mut AsyncPgConnection,
    user: UserId,
    key: &str,
) -> Result<(), AppError> {
    diesel::delete(k::table)
        .filter(k::user_id.eq(user.into_uuid()))
        .filter(k::idempotency_key.eq(key))
        .filter(k::status.is_null())
        .execute(conn)
        .await
        .map(drop)
        .map_db_error()
}

#[derive(QueryableByName)]
struct Swept {
    #[diesel(sql_type = diesel::sql_types::Int8)]
    swept: i64,
}

/// Deletes every tenant's keys past their lifetime (through the migration's definer
/// function: the serving role sees one tenant) and returns how many.
pub async fn sweep(conn: &mut AsyncPgConnection) -> Result<u64, AppError> {
    let swept: Swept = diesel::sql_query("SELECT sweep_idempotency_keys() AS swept")
        .get_result(conn)
        .await
        .map_db_error()?;
    Ok(u64::try_from(swept.swept).unwrap_or_default())
}
