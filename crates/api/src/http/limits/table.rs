//! The limits of every operation, read from the OpenAPI document.

use std::collections::HashMap;

use actix_web::http::Method;
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::Operation;

use super::classes::{BODY_LIMIT_EXTENSION, RATE_CLASS_EXTENSION, RateClass, body_limit};

/// The limits of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteLimits {
    /// The rate limit it counts against.
    pub rate: RateClass,
    /// The largest body it reads, in bytes.
    pub body_bytes: usize,
}

impl RouteLimits {
    /// What `operation` (called with `method`) declares, with the defaults for what it
    /// does not: authenticated `GET`s `read`, other authenticated methods `write`,
    /// unauthenticated operations `public`; a declared body [`body_limit::JSON`], none
    /// [`body_limit::ACTION`].
    pub fn of_operation(method: &str, operation: &Operation) -> Self {
        let declared = |name: &str| {
            operation
                .extensions
                .as_ref()
                .and_then(|extensions| extensions.get(name))
        };
        let authenticated = operation
            .security
            .as_ref()
            .is_some_and(|requirements| !requirements.is_empty());
        let rate = declared(RATE_CLASS_EXTENSION)
            .and_then(|v| v.as_str())
            .and_then(RateClass::from_name)
            .unwrap_or(match (authenticated, method) {
                (false, _) => RateClass::Public,
                (true, "GET" | "HEAD") => RateClass::Read,
                (true, _) => RateClass::Write,
            });
        let body_bytes = declared(BODY_LIMIT_EXTENSION)
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(if operation.request_body.is_some() {
                body_limit::JSON
            } else {
                body_limit::ACTION
            });
        Self { rate, body_bytes }
    }
}

/// `(method, path template)` → limits, for every operation of the document.
#[derive(Debug, Clone, Default)]
pub struct LimitTable {
    routes: HashMap<(String, String), RouteLimits>,
}

impl LimitTable {
    /// Reads every operation of `doc`.
    pub fn from_openapi(doc: &OpenApi) -> Self {
        let routes = operations(doc)
            .map(|(method, path, operation)| {
                (
                    (method.to_owned(), path.to_owned()),
                    RouteLimits::of_operation(method, operation),
                )
            })
            .collect();
        Self { routes }
    }

    /// The limits of `method` on the route template `path`.
    pub fn get(&self, method: &Method, path: &str) -> Option<RouteLimits> {
        self.routes
            .get(&(method.as_str().to_owned(), path.to_owned()))
            .copied()
    }
}

/// `(METHOD, path, operation)` of every operation of `doc`.
pub(super) fn operations(doc: &OpenApi) -> impl Iterator<Item = (&'static str, &str, &Operation)> {
    doc.paths.paths.iter().flat_map(|(path, item)| {
        [
            ("GET", item.get.as_ref()),
            ("POST", item.post.as_ref()),
            ("PUT", item.put.as_ref()),
            ("PATCH", item.patch.as_ref()),
            ("DELETE", item.delete.as_ref()),
            ("HEAD", item.head.as_ref()),
        ]
        .into_iter()
        .filter_map(move |(method, op)| op.map(|op| (method, path.as_str(), op)))
    })
}
