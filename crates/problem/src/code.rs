use serde::{Deserialize, Serialize};

/// Stable machine-readable error codes. The set is closed: clients switch on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Malformed JSON, invalid UTF-8, wrong content type, unknown field, bad query syntax.
    MalformedRequest,
    /// Well-formed input whose values break a rule.
    ValidationFailed,
    /// No or invalid credentials.
    Unauthenticated,
    /// Authenticated but not allowed.
    Forbidden,
    /// CSRF token missing or wrong on a cookie-authenticated unsafe request.
    CsrfFailed,
    /// The resource does not exist for this user.
    NotFound,
    /// The path exists but not with this method.
    MethodNotAllowed,
    /// Uniqueness or state conflict.
    Conflict,
    /// `If-Match` did not match.
    PreconditionFailed,
    /// A PATCH or DELETE came without the `If-Match` the server requires.
    PreconditionRequired,
    /// The body is larger than the route accepts.
    PayloadTooLarge,
    /// The upload's media type is not accepted.
    UnsupportedMediaType,
    /// An `Idempotency-Key` was reused with a different body.
    IdempotencyKeyReused,
    /// A request with the same `Idempotency-Key` is still being processed.
    IdempotencyKeyInFlight,
    /// Too many requests.
    RateLimited,
    /// A usage quota is spent: 429 for a quota of requests, 413 for the storage quota
    /// ([`crate::AppError::storage_quota_exceeded`]).
    QuotaExceeded,
    /// A third-party integration is not configured on this server.
    IntegrationNotConfigured,
    /// A third-party service failed.
    UpstreamFailed,
    /// The database is unreachable or the pool is exhausted.
    Unavailable,
    /// Anything unexpected.
    Internal,
}

impl ErrorCode {
    /// Every code, for problem pages and documentation.
    pub const ALL: [ErrorCode; 20] = [
        ErrorCode::MalformedRequest,
        ErrorCode::ValidationFailed,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::CsrfFailed,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Conflict,
        ErrorCode::PreconditionFailed,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::RateLimited,
        ErrorCode::QuotaExceeded,
        ErrorCode::IntegrationNotConfigured,
        ErrorCode::UpstreamFailed,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
        ErrorCode::PreconditionRequired,
        ErrorCode::IdempotencyKeyInFlight,
    ];

    /// The HTTP status this code is always answered with.
    pub const fn status(self) -> u16 {
        match self {
            Self::MalformedRequest | Self::ValidationFailed => 400,
            Self::Unauthenticated => 401,
            Self::Forbidden | Self::CsrfFailed => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict => 409,
            Self::PreconditionFailed => 412,
            Self::PreconditionRequired => 428,
            Self::IdempotencyKeyInFlight => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::IdempotencyKeyReused => 422,
            Self::RateLimited | Self::QuotaExceeded => 429,
            Self::UpstreamFailed => 502,
            Self::IntegrationNotConfigured | Self::Unavailable => 503,
            Self::Internal => 500,
        }
    }

    /// Every status the code may be answered with: [`ErrorCode::status`] first, then any
    /// other (`quota_exceeded` is 413 when the spent quota is storage).
    pub const fn statuses(self) -> &'static [u16] {
        match self {
            Self::QuotaExceeded => &[429, 413],
            Self::MalformedRequest | Self::ValidationFailed => &[400],
            Self::Unauthenticated => &[401],
            Self::Forbidden | Self::CsrfFailed => &[403],
            Self::NotFound => &[404],
            Self::MethodNotAllowed => &[405],
            Self::Conflict => &[409],
            Self::PreconditionFailed => &[412],
            Self::PreconditionRequired => &[428],
            Self::IdempotencyKeyInFlight => &[409],
            Self::PayloadTooLarge => &[413],
            Self::UnsupportedMediaType => &[415],
            Self::IdempotencyKeyReused => &[422],
            Self::RateLimited => &[429],
            Self::UpstreamFailed => &[502],
            Self::IntegrationNotConfigured | Self::Unavailable => &[503],
            Self::Internal => &[500],
        }
    }

    /// The snake_case code as sent in the `code` member.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::MalformedRequest => "malformed_request",
            Self::ValidationFailed => "validation_failed",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::CsrfFailed => "csrf_failed",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::PreconditionFailed => "precondition_failed",
            Self::PreconditionRequired => "precondition_required",
            Self::IdempotencyKeyInFlight => "idempotency_key_in_flight",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::RateLimited => "rate_limited",
            Self::QuotaExceeded => "quota_exceeded",
            Self::IntegrationNotConfigured => "integration_not_configured",
            Self::UpstreamFailed => "upstream_failed",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }

    /// The code with dashes, as used in problem type URLs (`/problems/not-found`).
    pub fn slug(self) -> String {
        self.as_str().replace('_', "-")
    }

    /// Finds a code by its slug (`not-found`) or its snake_case form.
    pub fn from_slug(slug: &str) -> Option<Self> {
        let wanted = slug.replace('-', "_");
        Self::ALL.into_iter().find(|c| c.as_str() == wanted)
    }

    /// Short, stable human title.
    pub const fn title(self) -> &'static str {
        match self {
            Self::MalformedRequest => "Malformed request",
            Self::ValidationFailed => "Validation failed",
            Self::Unauthenticated => "Authentication required",
            Self::Forbidden => "Forbidden",
            Self::CsrfFailed => "CSRF check failed",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::Conflict => "Conflict",
            Self::PreconditionFailed => "Precondition failed",
            Self::PreconditionRequired => "Precondition required",
            Self::IdempotencyKeyInFlight => "Idempotency key in flight",
            Self::PayloadTooLarge => "Payload too large",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::IdempotencyKeyReused => "Idempotency key reused",
            Self::RateLimited => "Too many requests",
            Self::QuotaExceeded => "Quota exceeded",
            Self::IntegrationNotConfigured => "Integration not configured",
            Self::UpstreamFailed => "Upstream service failed",
            Self::Unavailable => "Service unavailable",
            Self::Internal => "Internal error",
        }
    }

    /// What the problem means and what a client can do about it (the problem type page).
    pub const fn explanation(self) -> &'static str {
        match self {
            Self::MalformedRequest => {
                "The request could not be read: the body is not valid JSON or UTF-8, the Content-Type is wrong, a field is unknown, or the query string has bad syntax. Fix the request before retrying."
            }
            Self::ValidationFailed => {
                "The request was readable but some values break the rules. The `errors` member lists each offending field as a JSON pointer with a code and message."
            }
            Self::Unauthenticated => {
                "No valid access token was sent. Send a current token as `Authorization: Bearer <token>` or in the `sb-access-token` cookie."
            }
            Self::Forbidden => "The credentials are valid but do not allow this action.",
            Self::CsrfFailed => {
                "Cookie-authenticated requests that change data must echo the token from `GET /api/v1/auth/csrf` in the `X-CSRF-Token` header."
            }
            Self::NotFound => {
                "Nothing exists at this address for you. Resources of other users are reported the same way."
            }
            Self::MethodNotAllowed => {
                "The path exists but does not accept this method. The `Allow` header lists the methods it accepts."
            }
            Self::Conflict => {
                "The request conflicts with the current state, for example a duplicate. Resolve the conflict (an `existingId` member may point at the other resource) and retry."
            }
            Self::PreconditionFailed => {
                "The resource changed since you read it (`If-Match` did not match). Read it again and reapply your change."
            }
            Self::PreconditionRequired => {
                "This server requires `If-Match` on changes and deletions. Read the resource, then send its `ETag` in `If-Match`."
            }
            Self::IdempotencyKeyInFlight => {
                "A request with this `Idempotency-Key` is still being processed. Retry after the number of seconds in `Retry-After` to get its response."
            }
            Self::PayloadTooLarge => "The request body is larger than this route accepts.",
            Self::UnsupportedMediaType => {
                "The uploaded content is of a type this route does not accept."
            }
            Self::IdempotencyKeyReused => {
                "The `Idempotency-Key` was already used with a different request body. Use a new key for a new request."
            }
            Self::RateLimited => {
                "Too many requests. Wait for the number of seconds in `Retry-After`."
            }
            Self::QuotaExceeded => {
                "A usage quota is spent. With status 429 it is a quota of requests, which renews at the start of the next period. With status 413 it is the storage quota: the upload would take the files you store past it; delete files (or ask an operator for more space) before retrying."
            }
            Self::IntegrationNotConfigured => {
                "This server has no credentials for the third-party integration. An operator has to configure it."
            }
            Self::UpstreamFailed => "A third-party service answered with an error. Retry later.",
            Self::Unavailable => {
                "The service cannot reach its database right now. Retry in a few seconds; nothing was changed."
            }
            Self::Internal => {
                "Something unexpected went wrong on the server. Quote the `requestId` when reporting it."
            }
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip_for_every_code() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_slug(&code.slug()), Some(code));
            assert_eq!(
                serde_json::to_value(code).ok(),
                Some(serde_json::json!(code.as_str()))
            );
        }
        assert_eq!(ErrorCode::from_slug("no-such-problem"), None);
    }

    #[test]
    fn client_errors_are_4xx_and_server_errors_5xx() {
        for code in ErrorCode::ALL {
            let server_side = matches!(
                code,
                ErrorCode::Internal
                    | ErrorCode::Unavailable
                    | ErrorCode::UpstreamFailed
                    | ErrorCode::IntegrationNotConfigured
            );
            assert_eq!(code.status() >= 500, server_side, "{code}");
            assert_eq!(code.statuses().first(), Some(&code.status()), "{code}");
            for status in code.statuses() {
                assert_eq!(*status >= 500, server_side, "{code}");
            }
        }
    }
}
