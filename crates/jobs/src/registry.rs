//! Kinds of jobs a runner can execute, type-erased behind their kind name.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use serde_json::Value;

use crate::{Job, JobContext, JobError, RetryPolicy};

type Handler<C> =
    Arc<dyn Fn(Value, JobContext<C>) -> BoxFuture<'static, Result<Value, JobError>> + Send + Sync>;

/// One registered kind.
pub(crate) struct Kind<C> {
    pub handler: Handler<C>,
    pub retry: RetryPolicy,
    pub queue: &'static str,
    pub timeout: Duration,
}

/// The kinds a runner executes, sharing one application context `C`.
pub struct Registry<C> {
    kinds: HashMap<&'static str, Kind<C>>,
}

impl<C> std::fmt::Debug for Registry<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("kinds", &self.kinds.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl<C: Clone + Send + Sync + 'static> Default for Registry<C> {
    fn default() -> Self {
        Self {
            kinds: HashMap::new(),
        }
    }
}

impl<C: Clone + Send + Sync + 'static> Registry<C> {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `J`; a payload that no longer decodes is a permanent failure.
    #[must_use]
    pub fn register<J: Job<Context = C>>(mut self) -> Self {
        let handler: Handler<C> = Arc::new(|payload, ctx| {
            async move {
                let job: J = serde_json::from_value(payload).map_err(|e| {
                    JobError::Permanent(format!("payload does not decode as {}: {e}", J::KIND))
                })?;
                job.run(ctx).await
            }
            .boxed()
        });
        self.kinds.insert(
            J::KIND,
            Kind {
                handler,
                retry: J::retry_policy(),
                queue: J::QUEUE,
                timeout: J::TIMEOUT,
            },
        );
        self
    }

    /// Every queue some registered kind uses.
    pub fn queues(&self) -> Vec<&'static str> {
        let mut queues: Vec<&'static str> = self.kinds.values().map(|k| k.queue).collect();
        queues.sort_unstable();
        queues.dedup();
        queues
    }

    /// Registered kind names.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<&'static str> = self.kinds.keys().copied().collect();
        kinds.sort_unstable();
        kinds
    }

    pub(crate) fn get(&self, kind: &str) -> Option<&Kind<C>> {
        self.kinds.get(kind)
    }
}
