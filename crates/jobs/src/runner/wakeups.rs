//! Wake-ups: a dedicated LISTEN connection wakes the claim loops on every NOTIFY; polling
//! stays the fallback.

use std::sync::Arc;
use std::time::Duration;

use diesel_async::SimpleAsyncConnection;
use futures_util::StreamExt;
use tokio::sync::watch;

use super::Shared;

pub(super) fn wake_all<C>(shared: &Shared<C>) {
    for waker in shared
        .wakers
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
    {
        waker.notify_one();
    }
}

pub(super) async fn listener<C>(
    shared: Arc<Shared<C>>,
    url: String,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let connected = async {
            let mut c = omnicrm_pgconn::establish(&url)
                .await
                .map_err(|e| e.to_string())?;
            c.batch_execute("LISTEN omnicrm_jobs")
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(c)
        };
        let mut c = tokio::select! {
            c = connected => match c {
                Ok(c) => c,
                Err(err) => {
                    tracing::warn!(error = %err, "LISTEN connection failed; polling until it is back");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(2)) => continue,
                        _ = shutdown.changed() => return,
                    }
                }
            },
            _ = shutdown.changed() => return,
        };
        // Wake everyone once: anything enqueued while we were not listening is claimable.
        wake_all(&shared);
        let mut stream = std::pin::pin!(c.notifications_stream());
        loop {
            tokio::select! {
                n = stream.next() => match n {
                    Some(Ok(_)) => wake_all(&shared),
                    _ => break,
                },
                _ = shutdown.changed() => return,
            }
        }
    }
}
