use serde::Serialize;
use uuid::Uuid;

use crate::{AppError, ErrorCode, FieldError};

/// An RFC 9457 problem details body, as sent with `Content-Type: application/problem+json`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// URL of the human-readable page for this problem type.
    #[serde(rename = "type")]
    pub type_url: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Explanation specific to this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path.
    pub instance: String,
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// The request id, also sent as `X-Request-Id`.
    pub request_id: String,
    /// Invalid fields (validation failures only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The resource a duplicate conflicts with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<Uuid>,
}

/// `{public_url}/problems/{slug}` with the public URL's trailing slash trimmed.
pub fn problem_type_url(public_url: &str, code: ErrorCode) -> String {
    format!(
        "{}/problems/{}",
        public_url.trim_end_matches('/'),
        code.slug()
    )
}

impl Problem {
    /// The single mapping from an error to its client-visible body.
    pub fn from_error(err: &AppError, public_url: &str, instance: &str, request_id: &str) -> Self {
        let code = err.code();
        Self {
            type_url: problem_type_url(public_url, code),
            title: code.title().to_owned(),
            status: err.status(),
            detail: err.detail().map(str::to_owned),
            instance: instance.to_owned(),
            code,
            request_id: request_id.to_owned(),
            errors: err.field_errors().to_vec(),
            existing_id: err.existing_id(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_body_has_the_rfc_9457_members() {
        let err = AppError::invalid_field("/primaryEmail", "email", "not a valid email address");
        let body = Problem::from_error(&err, "http://127.0.0.1:8080/", "/api/v1/contacts", "req-1");
        let json = serde_json::to_value(&body).unwrap_or_default();
        assert_eq!(
            json["type"],
            "http://127.0.0.1:8080/problems/validation-failed"
        );
        assert_eq!(json["status"], 400);
        assert_eq!(json["code"], "validation_failed");
        assert_eq!(json["requestId"], "req-1");
        assert_eq!(json["errors"][0]["pointer"], "/primaryEmail");
        assert!(json.get("existingId").is_none());
    }
}
