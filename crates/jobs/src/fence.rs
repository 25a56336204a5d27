//! Fencing a handler's own writes by its lease.
//!
//! The runner runs every handler inside [`scope`], which remembers the job's [`Lease`] for
//! the handler's task. Whoever opens a writing transaction on the handler's behalf (the
//! CRM's tenant transactions do, for every job kind) calls [`hold`] first: it locks the
//! job's row `FOR KEY SHARE` if it still exists and is leased to this run, and fails
//! otherwise. The lock lasts until that transaction ends and conflicts with the `DELETE`
//! of the row (a user's erasure purges their jobs), so either the purge waits for the
//! handler's transaction and removes what it wrote, or the handler's transaction finds its
//! job gone and cannot commit anything. `KEY SHARE` does not conflict with the heartbeats'
//! `UPDATE`s, so a long handler transaction never delays lease renewals.
//!
//! A failed [`hold`] also aborts the handler at its next `.await` (as a lost lease does at
//! the next heartbeat): it ends without being retried, since its job row is gone.
//!
//! The lease lives in a task-local: a handler that spawns a task of its own and writes
//! from it must run that task inside [`scope_current`] to keep the fence.

use std::sync::Arc;

use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use tokio::sync::Notify;

use crate::EngineError;
use crate::store::Lease;

tokio::task_local! {
    static CURRENT: Fence;
}

/// The running job whose writes are fenced, and how to tell its runner the lease is gone.
#[derive(Clone)]
struct Fence {
    lease: Lease,
    lost: Arc<Notify>,
}

/// Runs `fut` (a handler) with `lease` as its fence; `lost` is notified when [`hold`]
/// finds the lease gone.
pub(crate) async fn scope<F: Future>(lease: Lease, lost: Arc<Notify>, fut: F) -> F::Output {
    CURRENT.scope(Fence { lease, lost }, fut).await
}

/// Runs `fut` under the current task's fence, if any (for tasks a handler spawns:
/// `tokio::spawn(fence::scope_current(write))`).
///
/// The fence is taken **when this is called**, in the handler's task, not when the
/// returned future is first polled: a spawned future is polled in the new task, where no
/// fence is set (an `async fn` here would have read it there, and fenced nothing).
pub fn scope_current<F: Future>(fut: F) -> impl Future<Output = F::Output> {
    let fence = CURRENT.try_with(Clone::clone).ok();
    async move {
        match fence {
            Some(fence) => CURRENT.scope(fence, fut).await,
            None => fut.await,
        }
    }
}

/// The lease of the job this task runs for, if it runs a job handler.
pub fn current_lease() -> Option<Lease> {
    CURRENT.try_with(|f| f.lease).ok()
}

/// Why [`hold`] refused.
#[derive(Debug, thiserror::Error)]
pub enum FenceError {
    /// The job's row is gone (erased, cancelled and finished, reaped) or leased to
    /// another run: this run must not write anything.
    #[error("the job's lease is gone; its writes are refused")]
    LeaseLost,
    /// The check itself failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl From<FenceError> for omnicrm_problem::AppError {
    fn from(err: FenceError) -> Self {
        match err {
            // Only a job handler ever sees it; its run is being aborted anyway.
            FenceError::LeaseLost => Self::conflict("the job's lease is gone"),
            FenceError::Engine(e) => e.into(),
        }
    }
}

#[derive(diesel::QueryableByName)]
struct Held {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    #[allow(dead_code)]
    held: bool,
}

/// Inside a job handler's task: locks the job's row for the rest of the transaction `conn`
/// is in, or fails with [`FenceError::LeaseLost`] (and aborts the handler) when the job no
/// longer exists or is leased to another run. Outside a handler it does nothing.
///
/// Call it first thing in a writing transaction, before any other lock is taken (the
/// erasure locks job rows before the tenant's rows, so this order cannot deadlock with it).
pub async fn hold(conn: &mut AsyncPgConnection) -> Result<(), FenceError> {
    let Some(fence) = CURRENT.try_with(Clone::clone).ok() else {
        return Ok(());
    };
    let held: Vec<Held> = diesel::sql_query(
        "SELECT true AS held FROM job_queue \
         WHERE id = $1 AND lease_token = $2 AND state = 'running' FOR KEY SHARE",
    )
    .bind::<SqlUuid, _>(fence.lease.job_id)
    .bind::<SqlUuid, _>(fence.lease.token)
    .load(conn)
    .await
    .map_err(EngineError::from)?;
    if held.is_empty() {
        tracing::warn!(job.id = %fence.lease.job_id, "a handler's transaction found its lease gone; aborting the run");
        fence.lost.notify_one();
        return Err(FenceError::LeaseLost);
    }
    Ok(())
}
