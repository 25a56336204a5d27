//! The leases this runner holds: the in-flight map, batched heartbeats that extend them
//! and deliver cancellation, and releases that give them back without spending an attempt.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use uuid::Uuid;

use super::{Shared, conn};
use crate::FailureCode;
use crate::store::{self, Lease, Outcome};

/// Why a running handler must stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Abort {
    LeaseLost,
    Cancelled,
}

/// A claimed job this runner holds the lease of, buffered or running.
pub(super) struct InFlight {
    pub(super) lease: Lease,
    pub(super) abort: watch::Sender<Option<Abort>>,
    /// The handler succeeded and its completion waits in the completer: never release it.
    pub(super) settled: bool,
}

impl InFlight {
    /// A lease just claimed: nobody asked its handler to stop yet.
    pub(super) fn claimed(lease: Lease) -> Self {
        Self {
            lease,
            abort: watch::channel(None).0,
            settled: false,
        }
    }
}

pub(super) type InFlightMap = Arc<Mutex<HashMap<Uuid, InFlight>>>;

pub(super) fn lock(map: &InFlightMap) -> std::sync::MutexGuard<'_, HashMap<Uuid, InFlight>> {
    map.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Gives back these leases without spending the attempt.
pub(super) async fn release<C>(shared: &Shared<C>, leases: Vec<Lease>) {
    if leases.is_empty() {
        return;
    }
    let Ok(mut c) = conn(&shared.pool).await else {
        return;
    };
    for lease in leases {
        let released = store::finish(
            &mut c,
            lease,
            0,
            Outcome::Snooze {
                code: FailureCode::ReleasedAtShutdown,
                reason: "released at worker shutdown".to_owned(),
                delay: Duration::ZERO,
            },
        )
        .await;
        if let Err(err) = released {
            tracing::warn!(job.id = %lease.job_id, error = %err, "could not release a lease at shutdown; the reaper will");
        }
        lock(&shared.in_flight).remove(&lease.job_id);
    }
}

/// Extends every lease in flight every `config.heartbeat`, and tells the handlers whose
/// lease was lost or whose job was cancelled to stop.
pub(super) async fn heartbeats<C>(shared: Arc<Shared<C>>, mut jobs_done: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(shared.config.heartbeat) => {}
            _ = jobs_done.changed() => return,
        }
        let leases: Vec<Lease> = lock(&shared.in_flight).values().map(|f| f.lease).collect();
        if leases.is_empty() {
            continue;
        }
        let held = match conn(&shared.pool).await {
            Ok(mut c) => store::heartbeat(&mut c, &leases, shared.config.lease).await,
            Err(e) => Err(e),
        };
        let held = match held {
            Ok(held) => held,
            Err(err) => {
                tracing::warn!(error = %err, "heartbeat failed");
                continue;
            }
        };
        let held: HashMap<Uuid, bool> = held
            .into_iter()
            .map(|h| (h.job_id, h.cancel_requested))
            .collect();
        let map = lock(&shared.in_flight);
        for lease in &leases {
            let Some(flight) = map.get(&lease.job_id) else {
                continue;
            };
            match held.get(&lease.job_id) {
                None => {
                    let _ = flight.abort.send(Some(Abort::LeaseLost));
                }
                Some(true) => {
                    let _ = flight.abort.send(Some(Abort::Cancelled));
                }
                Some(false) => {}
            }
        }
    }
}
