//! Upkeep beside the claim loops: the lease reaper, the cron ticker and history partitions.

use std::sync::Arc;
use std::time::Duration;

use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::Pool;
use tokio::sync::watch;

use super::wakeups::wake_all;
use super::{Shared, conn};
use crate::cron::Clock;
use crate::store;

/// The upkeep a worker does in the background, for deployments whose only runner is the
/// cron drain: rescue expired leases, fire due schedules, keep history partitions three
/// months ahead. Each step runs on its own and a failing one is logged, never returned: a
/// broken partition check must not stop jobs from being drained.
pub async fn upkeep(pool: &Pool<AsyncPgConnection>, clock: &dyn Clock) {
    let mut c = match conn(pool).await {
        Ok(c) => c,
        Err(err) => {
            tracing::warn!(error = %err, "job upkeep skipped: no connection");
            return;
        }
    };
    match store::reap_expired(&mut c).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(count = n, "rescued jobs with expired leases"),
        Err(err) => tracing::warn!(error = %err, "job upkeep: reaping expired leases failed"),
    }
    match crate::cron::fire_due(&mut c, clock.now()).await {
        Ok(fired) if !fired.is_empty() => {
            tracing::info!(schedules = ?fired, "fired recurring schedules");
        }
        Ok(_) => {}
        Err(err) => tracing::warn!(error = %err, "job upkeep: firing schedules failed"),
    }
    if let Err(err) = store::ensure_history_partitions(&mut c, 3).await {
        tracing::warn!(error = %err, "job upkeep: could not create job history partitions");
    }
}

pub(super) async fn reaper<C>(shared: Arc<Shared<C>>, mut shutdown: watch::Receiver<bool>) {
    let mut last_partition_check: Option<std::time::Instant> = None;
    loop {
        tokio::select! {
            () = tokio::time::sleep(shared.config.reap_every) => {}
            _ = shutdown.changed() => return,
        }
        let Ok(mut c) = conn(&shared.pool).await else {
            continue;
        };
        match store::reap_expired(&mut c).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(count = n, "rescued jobs with expired leases");
                wake_all(&shared);
            }
            Err(err) => tracing::warn!(error = %err, "reaper failed"),
        }
        if last_partition_check.is_none_or(|t| t.elapsed() > Duration::from_secs(3600)) {
            if let Err(err) = store::ensure_history_partitions(&mut c, 3).await {
                tracing::warn!(error = %err, "could not create job history partitions");
            }
            last_partition_check = Some(std::time::Instant::now());
        }
    }
}

/// Fires due recurring schedules; any number of runners may tick, each schedule fires
/// once per tick (see `cron::fire_due`).
pub(super) async fn cron_ticker<C>(
    shared: Arc<Shared<C>>,
    tick: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(tick) => {}
            _ = shutdown.changed() => return,
        }
        let Ok(mut c) = conn(&shared.pool).await else {
            continue;
        };
        match crate::cron::fire_due(&mut c, shared.config.clock.now()).await {
            Ok(fired) if !fired.is_empty() => {
                tracing::info!(schedules = ?fired, "fired recurring schedules");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "cron tick failed"),
        }
    }
}
