//! One attempt of a handler: run it under its timeout until it ends or is aborted, and
//! turn what happened into an outcome.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::{Notify, watch};

use super::Shared;
use super::completing::end;
use super::leases::{Abort, lock};
use crate::store::{Claimed, Completion, Outcome};
use crate::{FailureCode, JobContext, JobError};

pub(super) async fn run_one<C: Clone + Send + Sync + 'static>(
    shared: Arc<Shared<C>>,
    job: Claimed,
    abort: Option<watch::Receiver<Option<Abort>>>,
) {
    let lease = job.lease();
    let Claimed {
        id,
        kind,
        user_id,
        payload,
        attempts,
        max_attempts,
        batch_id,
        ..
    } = job;
    let span = tracing::info_span!("job", job.id = %id, job.kind = %kind, job.attempt = attempts);
    let _entered = span.enter();
    let Some(registered) = shared.registry.get(&kind) else {
        drop(_entered);
        tracing::warn!(job.id = %id, job.kind = %kind, "no handler registered for this kind; the job is dead");
        let outcome = Outcome::Dead {
            code: FailureCode::UnknownKind,
            error: format!("no handler registered for kind {kind:?}"),
        };
        end(&shared, lease, attempts, outcome).await;
        return;
    };
    let ctx = JobContext {
        job_id: id,
        user_id,
        attempt: attempts,
        batch_id,
        app: shared.app.clone(),
    };
    // Every write the handler makes through a fenced transaction needs this lease.
    let lost = Arc::new(Notify::new());
    let handler = crate::fence::scope(lease, Arc::clone(&lost), (registered.handler)(payload, ctx));
    let timeout = registered.timeout;
    let retry = registered.retry;
    drop(_entered);
    let mut abort = abort.unwrap_or_else(|| watch::channel(None).1);
    let result = tokio::select! {
        r = tokio::time::timeout(timeout, handler) => Ok(r),
        reason = wait_abort(&mut abort) => Err(reason),
        () = lost.notified() => Err(Abort::LeaseLost),
    };
    let outcome = match result {
        Err(Abort::LeaseLost) => {
            tracing::warn!(job.id = %id, "lease lost; abandoning the run");
            lock(&shared.in_flight).remove(&id);
            shared.stats.fenced.fetch_add(1, Ordering::Relaxed);
            return;
        }
        Err(Abort::Cancelled) => Outcome::Cancelled,
        Ok(Ok(Ok(value))) => {
            if let Some(flight) = lock(&shared.in_flight).get_mut(&id) {
                flight.settled = true;
            }
            let _ = shared.done_tx.send(Completion {
                lease,
                result: value,
            });
            return;
        }
        Ok(Err(_elapsed)) => {
            let error = format!("timed out after {timeout:?}");
            let code = FailureCode::TimedOut;
            if attempts >= max_attempts {
                Outcome::Dead { code, error }
            } else {
                Outcome::Retry {
                    code,
                    error,
                    delay: retry.delay(attempts),
                }
            }
        }
        Ok(Ok(Err(err))) => {
            // The handler's words stay in the logs and the stored entry; views show the code.
            tracing::warn!(job.id = %id, job.kind = %kind, job.attempt = attempts, error = %err, "job attempt did not succeed");
            match err {
                JobError::Snooze { after, reason } => Outcome::Snooze {
                    code: FailureCode::Snoozed,
                    reason,
                    delay: after,
                },
                JobError::Permanent(error) => Outcome::Dead {
                    code: FailureCode::FailedPermanently,
                    error,
                },
                JobError::Retryable(error) if attempts >= max_attempts => Outcome::Dead {
                    code: FailureCode::Failed,
                    error,
                },
                JobError::Retryable(error) => Outcome::Retry {
                    code: FailureCode::Failed,
                    error,
                    delay: retry.delay(attempts),
                },
            }
        }
    };
    end(&shared, lease, attempts, outcome).await;
}

async fn wait_abort(rx: &mut watch::Receiver<Option<Abort>>) -> Abort {
    loop {
        if let Some(reason) = *rx.borrow_and_update() {
            return reason;
        }
        if rx.changed().await.is_err() {
            // The sender is gone only after the job left the in-flight map; never abort.
            std::future::pending::<()>().await;
        }
    }
}
