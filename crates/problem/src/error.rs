use std::error::Error as StdError;
use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ErrorCode;

/// Shorthand for results carrying an [`AppError`].
pub type AppResult<T> = Result<T, AppError>;

/// One invalid field: a JSON pointer in the API's camelCase, a rule code and a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON pointer to the field (`/primaryEmail`, `/address/city`, `/tags/0`).
    pub pointer: String,
    /// The rule that failed (`email`, `length`, `required`, `type`, …).
    pub code: String,
    /// A human-readable message.
    pub message: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(
        pointer: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            pointer: pointer.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// The error every layer returns. Carries what the client may see (code, detail, field
/// errors, a few extension members) and, separately, an internal cause for the logs.
/// Boxed so `Result<T, AppError>` stays one pointer wide on the happy path.
pub struct AppError(Box<Inner>);

struct Inner {
    code: ErrorCode,
    detail: Option<String>,
    errors: Vec<FieldError>,
    existing_id: Option<Uuid>,
    retry_after_secs: Option<u64>,
    allow: Option<String>,
    contention: bool,
    /// One of the code's other [`ErrorCode::statuses`], instead of its default.
    status: Option<u16>,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl AppError {
    /// An error with a code and no detail.
    pub fn new(code: ErrorCode) -> Self {
        Self(Box::new(Inner {
            code,
            detail: None,
            errors: Vec::new(),
            existing_id: None,
            retry_after_secs: None,
            allow: None,
            contention: false,
            status: None,
            source: None,
        }))
    }

    /// Adds a client-visible detail sentence.
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.0.detail = Some(detail.into());
        self
    }

    /// Attaches an internal cause: logged, never sent.
    #[must_use]
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> Self {
        self.0.source = Some(source.into());
        self
    }

    /// 400 `malformed_request`.
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::MalformedRequest).with_detail(detail)
    }

    /// 400 `validation_failed` with per-field errors.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut fields: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        fields.sort_unstable();
        fields.dedup();
        let detail = match fields.len() {
            1 => "1 field is invalid".to_owned(),
            n => format!("{n} fields are invalid"),
        };
        let mut err = Self::new(ErrorCode::ValidationFailed).with_detail(detail);
        err.0.errors = errors;
        err
    }

    /// 400 `validation_failed` for a single field.
    pub fn invalid_field(pointer: &str, code: &str, message: &str) -> Self {
        Self::validation(vec![FieldError::new(pointer, code, message)])
    }

    /// 401 `unauthenticated`.
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthenticated).with_detail(detail)
    }

    /// 403 `forbidden`.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden).with_detail(detail)
    }

    /// 403 `csrf_failed`.
    pub fn csrf_failed() -> Self {
        Self::new(ErrorCode::CsrfFailed).with_detail(
            "missing or invalid X-CSRF-Token header for a cookie-authenticated request",
        )
    }

    /// 404 `not_found`.
    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound).with_detail("the requested resource does not exist")
    }

    /// 405 `method_not_allowed` with the methods the path accepts.
    pub fn method_not_allowed(allow: impl Into<String>) -> Self {
        let mut err = Self::new(ErrorCode::MethodNotAllowed);
        err.0.allow = Some(allow.into());
        err
    }

    /// 409 `conflict`.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict).with_detail(detail)
    }

    /// 409 `conflict` naming the existing resource the request would duplicate.
    pub fn duplicate_of(existing_id: Uuid, detail: impl Into<String>) -> Self {
        let mut err = Self::conflict(detail);
        err.0.existing_id = Some(existing_id);
        err
    }

    /// 412 `precondition_failed`: `If-Match` names no current version of the resource.
    pub fn precondition_failed() -> Self {
        Self::new(ErrorCode::PreconditionFailed)
            .with_detail("the resource changed since the version named in If-Match")
    }

    /// 428 `precondition_required`: the server requires `If-Match` on this request.
    pub fn precondition_required() -> Self {
        Self::new(ErrorCode::PreconditionRequired)
            .with_detail("send If-Match with the resource's current ETag")
    }

    /// 422 `idempotency_key_reused`: the key was used for a different request.
    pub fn idempotency_key_reused() -> Self {
        Self::new(ErrorCode::IdempotencyKeyReused)
            .with_detail("this Idempotency-Key was used with a different request")
    }

    /// 409 `idempotency_key_in_flight` with `Retry-After`: the first request with this key
    /// has not finished yet.
    pub fn idempotency_key_in_flight(retry_after_secs: u64) -> Self {
        let mut err = Self::new(ErrorCode::IdempotencyKeyInFlight)
            .with_detail("a request with this Idempotency-Key is still being processed");
        err.0.retry_after_secs = Some(retry_after_secs);
        err
    }

    /// 413 `payload_too_large`.
    pub fn payload_too_large(limit_bytes: usize) -> Self {
        Self::new(ErrorCode::PayloadTooLarge)
            .with_detail(format!("the body exceeds the limit of {limit_bytes} bytes"))
    }

    /// 429 `rate_limited` with `Retry-After`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut err = Self::new(ErrorCode::RateLimited);
        err.0.retry_after_secs = Some(retry_after_secs);
        err
    }

    /// 413 `quota_exceeded`: storing the upload would take the user's stored files past
    /// their storage quota. Nothing was stored.
    pub fn storage_quota_exceeded(quota_bytes: u64) -> Self {
        let mut err = Self::new(ErrorCode::QuotaExceeded).with_detail(format!(
            "the upload would exceed your storage quota of {} MiB; delete files to make room",
            quota_bytes / (1024 * 1024)
        ));
        err.0.status = Some(413);
        err
    }

    /// 429 `quota_exceeded` with `Retry-After`: an AI limit (monthly credits,
    /// requests per minute, daily cost) is spent; `detail` says which and when it resets.
    pub fn ai_quota_exceeded(detail: impl Into<String>, retry_after_secs: u64) -> Self {
        let mut err = Self::new(ErrorCode::QuotaExceeded).with_detail(detail);
        err.0.retry_after_secs = Some(retry_after_secs.max(1));
        err
    }

    /// 503 `unavailable` with `Retry-After`: a third party (the AI provider) failed or is
    /// rate limiting us; nothing of theirs is echoed.
    pub fn upstream_unavailable(detail: impl Into<String>, retry_after_secs: u64) -> Self {
        let mut err = Self::new(ErrorCode::Unavailable).with_detail(detail);
        err.0.retry_after_secs = Some(retry_after_secs.max(1));
        err
    }

    /// 503 `unavailable`: the database cannot be reached.
    pub fn unavailable(source: impl Into<Box<dyn StdError + Send + Sync + 'static>>) -> Self {
        Self::new(ErrorCode::Unavailable)
            .with_detail("the database is unreachable; retry shortly")
            .with_source(source)
    }

    /// 503 `unavailable` with `Retry-After: 1`: PostgreSQL aborted the transaction because
    /// a concurrent one conflicted with it (a deadlock or a serialization failure). Nothing
    /// was changed, and running it again may well succeed ([`AppError::is_contention`]).
    pub fn contention(source: impl Into<Box<dyn StdError + Send + Sync + 'static>>) -> Self {
        let mut err = Self::new(ErrorCode::Unavailable)
            .with_detail("a concurrent change to the same records got in the way; retry")
            .with_source(source);
        err.0.retry_after_secs = Some(1);
        err.0.contention = true;
        err
    }

    /// Whether this is an [`AppError::contention`]: the transaction may simply be run again.
    pub fn is_contention(&self) -> bool {
        self.0.contention
    }

    /// 500 `internal`: the cause is only logged.
    pub fn internal(source: impl Into<Box<dyn StdError + Send + Sync + 'static>>) -> Self {
        Self::new(ErrorCode::Internal).with_source(source)
    }

    /// A copy for another owner: every client-visible member, and the internal cause as
    /// text (the cause itself is not `Clone`).
    #[must_use]
    pub fn copy_with_cause_as_text(&self) -> Self {
        Self(Box::new(Inner {
            code: self.0.code,
            detail: self.0.detail.clone(),
            errors: self.0.errors.clone(),
            existing_id: self.0.existing_id,
            retry_after_secs: self.0.retry_after_secs,
            allow: self.0.allow.clone(),
            contention: self.0.contention,
            status: self.0.status,
            source: self.internal_cause().map(Into::into),
        }))
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.0.status.unwrap_or_else(|| self.0.code.status())
    }

    /// The client-visible detail; internal errors always get a generic sentence.
    pub fn detail(&self) -> Option<&str> {
        if self.0.code == ErrorCode::Internal {
            return Some("an unexpected error occurred; quote the requestId when reporting it");
        }
        self.0.detail.as_deref()
    }

    /// Field errors of a validation failure.
    pub fn field_errors(&self) -> &[FieldError] {
        &self.0.errors
    }

    /// The existing resource of a duplicate conflict.
    pub fn existing_id(&self) -> Option<Uuid> {
        self.0.existing_id
    }

    /// Seconds for `Retry-After`.
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.0.retry_after_secs
    }

    /// Methods for the `Allow` header.
    pub fn allow(&self) -> Option<&str> {
        self.0.allow.as_deref()
    }

    /// The internal cause chain as one line, for logs.
    pub fn internal_cause(&self) -> Option<String> {
        let mut current: Option<&(dyn StdError + 'static)> =
            self.0.source.as_deref().map(|e| e as _);
        let mut parts = Vec::new();
        while let Some(err) = current {
            parts.push(err.to_string());
            current = err.source();
        }
        (!parts.is_empty()).then(|| parts.join(": "))
    }
}

impl fmt::Debug for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppError")
            .field("code", &self.0.code)
            .field("detail", &self.0.detail)
            .field("errors", &self.0.errors)
            .field("cause", &self.internal_cause())
            .finish()
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.code)?;
        if let Some(detail) = &self.0.detail {
            write!(f, ": {detail}")?;
        }
        if let Some(cause) = self.internal_cause() {
            write!(f, " ({cause})")?;
        }
        Ok(())
    }
}

impl StdError for AppError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source.as_deref().map(|e| e as _)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_detail_never_reveals_the_cause() {
        let err = AppError::internal(std::io::Error::other("password=hunter2 at db:5432"));
        assert!(!err.detail().unwrap_or_default().contains("hunter2"));
        assert!(err.internal_cause().unwrap_or_default().contains("hunter2"));
    }

    #[test]
    fn a_duplicate_keeps_what_the_client_sees_and_the_cause_text() {
        let id = Uuid::from_u128(7);
        let err =
            AppError::duplicate_of(id, "taken").with_source(std::io::Error::other("db said so"));
        let copy = err.copy_with_cause_as_text();
        assert_eq!(
            (copy.code(), copy.detail(), copy.existing_id()),
            (err.code(), Some("taken"), Some(id))
        );
        assert_eq!(copy.internal_cause().as_deref(), Some("db said so"));
        let limited = AppError::rate_limited(9).copy_with_cause_as_text();
        assert_eq!(limited.retry_after_secs(), Some(9));
    }

    #[test]
    fn contention_is_a_retryable_503_that_survives_duplication() {
        let err = AppError::contention(std::io::Error::other("deadlock detected"));
        assert_eq!((err.status(), err.retry_after_secs()), (503, Some(1)));
        assert!(err.is_contention() && err.copy_with_cause_as_text().is_contention());
        assert!(!err.detail().unwrap_or_default().contains("deadlock"));
        assert!(!AppError::unavailable(std::io::Error::other("down")).is_contention());
    }

    #[test]
    fn the_storage_quota_is_a_413_quota_exceeded_and_stays_one_when_copied() {
        let err = AppError::storage_quota_exceeded(5 * 1024 * 1024);
        assert_eq!((err.code(), err.status()), (ErrorCode::QuotaExceeded, 413));
        assert_eq!(err.copy_with_cause_as_text().status(), 413);
        assert!(ErrorCode::QuotaExceeded.statuses().contains(&err.status()));
        assert_eq!(AppError::new(ErrorCode::QuotaExceeded).status(), 429);
    }

    #[test]
    fn validation_detail_counts_fields() {
        let err = AppError::validation(vec![
            FieldError::new("/a", "length", "too long"),
            FieldError::new("/b", "email", "bad"),
            FieldError::new("/b", "length", "too long"),
        ]);
        assert_eq!(err.status(), 400);
        assert_eq!(err.detail(), Some("2 fields are invalid"));
    }
}
