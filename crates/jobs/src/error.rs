use std::time::Duration;

/// How a handler failed, which decides what happens next.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Try again later (backoff), until `max_attempts`, then dead.
    #[error("{0}")]
    Retryable(String),
    /// Retrying cannot help: straight to dead.
    #[error("permanent: {0}")]
    Permanent(String),
    /// Not a failure: run again after `after` without spending an attempt (an upstream 429
    /// with `Retry-After`, a resource not ready yet).
    #[error("snoozed for {after:?}: {reason}")]
    Snooze {
        /// Delay before the next run.
        after: Duration,
        /// Why, for the error history.
        reason: String,
    },
}

impl JobError {
    /// A retryable error from anything displayable.
    pub fn retry(err: impl std::fmt::Display) -> Self {
        Self::Retryable(err.to_string())
    }

    /// A permanent error from anything displayable.
    pub fn permanent(err: impl std::fmt::Display) -> Self {
        Self::Permanent(err.to_string())
    }
}

/// Failures of the engine itself (database, payload encoding).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A statement failed.
    #[error("job store: {0}")]
    Database(#[from] diesel::result::Error),
    /// No connection could be had.
    #[error("job store connection: {0}")]
    Pool(String),
    /// A payload could not be encoded.
    #[error("job payload: {0}")]
    Payload(#[from] serde_json::Error),
}

impl From<EngineError> for omnicrm_problem::AppError {
    fn from(err: EngineError) -> Self {
        match err {
            EngineError::Database(diesel::result::Error::NotFound) => Self::not_found(),
            EngineError::Pool(_) => Self::unavailable(err),
            other => Self::internal(other),
        }
    }
}
