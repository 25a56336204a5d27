//! Row versions for optimistic concurrency (ADR 0016).
//!
//! A row's version is PostgreSQL's `xmin`: the id of the transaction that wrote the row's
//! current version. Every `UPDATE`, by any code path, changes it; reads and `FOR UPDATE`
//! locks do not. No column, trigger or repository change is needed for a table to be
//! versioned.
//!
//! The HTTP layer states, per request, which row the request is about and (for PATCH and
//! DELETE) which versions it accepts, by running the handler inside
//! [`RowCondition::scope`]. [`crate::in_tenant_transaction`] then checks that condition in
//! the same transaction as the handler's write: the first transaction of the request
//! locks the row (`FOR UPDATE`), compares its version and rolls back with 412 on a
//! mismatch, so nothing can change the row between the check and the write. It also
//! records the version the response describes, read inside the transaction that produced
//! the response body, so an `ETag` is never newer than the body it is sent with.

use std::sync::{Arc, Mutex};

use diesel::QueryableByName;
use diesel::sql_types::{Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use uuid::Uuid;

use crate::error::map_diesel_error;

/// Which row a request is about: a tenant table (a `'static` name from the HTTP layer's
/// resource list, never from input) and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionedRow {
    /// The tenant table.
    pub table: &'static str,
    /// How the row is found within the user's rows.
    pub key: RowKey,
}

/// The key of a [`VersionedRow`] within one user's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKey {
    /// `id = $1`, and `<parent column> = $2` when the row is addressed under a parent
    /// (a contact's file): a row under another parent is not this resource.
    Id {
        /// The row's `id`.
        id: Uuid,
        /// The parent column and value from the path, if any.
        parent: Option<(&'static str, Uuid)>,
    },
    /// The user's only row in the table (`user_profiles`).
    Owner,
}

/// A row's version token; `None` when the row does not exist.
pub type Version = Option<String>;

/// Decides whether the current version satisfies the request's precondition.
pub type Accepts = Box<dyn Fn(&Version) -> bool + Send + Sync>;

/// What a request asks of its row: observed (GET) or locked and checked (PATCH, DELETE).
pub struct RowCondition {
    row: VersionedRow,
    mode: Mode,
    state: Mutex<State>,
}

enum Mode {
    /// Record the version when the first transaction begins (a read).
    Observe,
    /// Lock the row in the first transaction, refuse it unless `Accepts` says yes, and
    /// record the version the transaction leaves behind (a write).
    LockAndCheck(Accepts),
}

#[derive(Default)]
struct State {
    settled: bool,
    observed: Option<Version>,
}

impl std::fmt::Debug for RowCondition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowCondition")
            .field("row", &self.row)
            .finish_non_exhaustive()
    }
}

tokio::task_local! {
    static CONDITION: Arc<RowCondition>;
}

impl RowCondition {
    /// A read of `row`: the first tenant transaction records its version.
    pub fn observe(row: VersionedRow) -> Arc<Self> {
        Arc::new(Self {
            row,
            mode: Mode::Observe,
            state: Mutex::default(),
        })
    }

    /// A write of `row`: the first tenant transaction that finds the row locks it and
    /// fails with 412 unless `accepts` says yes to its version.
    pub fn lock_and_check(row: VersionedRow, accepts: Accepts) -> Arc<Self> {
        Arc::new(Self {
            row,
            mode: Mode::LockAndCheck(accepts),
            state: Mutex::default(),
        })
    }

    /// Runs `fut` (the handler) with this condition in force for its tenant transactions.
    pub async fn scope<F: Future>(self: Arc<Self>, fut: F) -> F::Output {
        CONDITION.scope(self, fut).await
    }

    /// `fut` with the current task's condition, if any, for running it on another task
    /// (a spawned write keeps the request's `If-Match`).
    pub fn carried<F: Future>(fut: F) -> impl Future<Output = F::Output> {
        let condition = CONDITION.try_with(Arc::clone).ok();
        async move {
            match condition {
                Some(condition) => CONDITION.scope(condition, fut).await,
                None => fut.await,
            }
        }
    }

    /// The version the response describes, if a transaction recorded one.
    pub fn observed(&self) -> Option<Version> {
        self.lock().observed.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means another holder panicked; the state is still valid.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn pending() -> Option<Arc<Self>> {
        CONDITION
            .try_with(Arc::clone)
            .ok()
            .filter(|c| !c.lock().settled)
    }
}

/// Called by [`crate::in_tenant_transaction`] right after the transaction began.
pub(crate) async fn on_begin(conn: &mut AsyncPgConnection, user: UserId) -> Result<(), AppError> {
    let Some(condition) = RowCondition::pending() else {
        return Ok(());
    };
    match &condition.mode {
        Mode::Observe => {
            let version = read_version(conn, user, &condition.row, false).await?;
            let mut state = condition.lock();
            state.observed = Some(version);
            state.settled = true;
        }
        Mode::LockAndCheck(accepts) => {
            let version = read_version(conn, user, &condition.row, true).await?;
            // A missing row is the handler's 404, except the user's only row (the
            // profile), whose absence is itself a representation with a tag.
            let judged = version.is_some() || condition.row.key == RowKey::Owner;
            if judged && !accepts(&version) {
                return Err(AppError::precondition_failed());
            }
        }
    }
    Ok(())
}

/// Called by [`crate::in_tenant_transaction`] just before a commit: records the version a
/// write left behind (the row is still locked by this transaction).
pub(crate) async fn before_commit(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> Result<(), AppError> {
    let Some(condition) = RowCondition::pending() else {
        return Ok(());
    };
    if let Mode::LockAndCheck(_) = condition.mode {
        let version = read_version(conn, user, &condition.row, false).await?;
        condition.lock().observed = Some(version);
    }
    Ok(())
}

/// Called by [`crate::in_tenant_transaction`] after a successful commit: the condition was
/// checked in a committed transaction and is not checked again in this request.
pub(crate) fn after_commit() {
    if let Some(condition) = RowCondition::pending() {
        condition.lock().settled = true;
    }
}

#[derive(QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = Text)]
    version: String,
}

/// The current version of `row` in the open tenant transaction (`FOR UPDATE` when `lock`).
pub async fn read_version(
    conn: &mut AsyncPgConnection,
    user: UserId,
    row: &VersionedRow,
    lock: bool,
) -> Result<Version, AppError> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    // `row.table` and the parent column are 'static names from the resource list; the
    // values are bound.
    let table = row.table;
    let rows: Vec<VersionRow> = match &row.key {
        RowKey::Owner => {
            diesel::sql_query(format!(
                "SELECT xmin::text AS version FROM {table} WHERE user_id = $1{lock}"
            ))
            .bind::<SqlUuid, _>(user.into_uuid())
            .load(conn)
            .await
        }
        RowKey::Id { id, parent: None } => {
            diesel::sql_query(format!(
                "SELECT xmin::text AS version FROM {table} WHERE user_id = $1 AND id = $2{lock}"
            ))
            .bind::<SqlUuid, _>(user.into_uuid())
            .bind::<SqlUuid, _>(*id)
            .load(conn)
            .await
        }
        RowKey::Id {
            id,
            parent: Some((column, parent)),
        } => {
            diesel::sql_query(format!(
                "SELECT xmin::text AS version FROM {table} \
                 WHERE user_id = $1 AND id = $2 AND {column} = $3{lock}"
            ))
            .bind::<SqlUuid, _>(user.into_uuid())
            .bind::<SqlUuid, _>(*id)
            .bind::<SqlUuid, _>(*parent)
            .load(conn)
            .await
        }
    }
    .map_err(map_diesel_error)?;
    Ok(rows.into_iter().next().map(|r| r.version))
}
