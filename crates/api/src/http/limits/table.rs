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
    /// [`body_limit::ACTION`]. A declaration that is not a class or a byte count is an
    /// error, not a silent default.
    pub fn of_operation(method: &str, operation: &Operation) -> Result<Self, String> {
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
        let rate = match declared(RATE_CLASS_EXTENSION) {
            Some(value) => value
                .as_str()
                .and_then(RateClass::from_name)
                .ok_or_else(|| format!("{RATE_CLASS_EXTENSION} {value} is not a class"))?,
            None => match (authenticated, method) {
                (false, _) => RateClass::Public,
                (true, "GET" | "HEAD") => RateClass::Read,
                (true, _) => RateClass::Write,
            },
        };
        let body_bytes = match declared(BODY_LIMIT_EXTENSION) {
            Some(value) => value
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| format!("{BODY_LIMIT_EXTENSION} {value} is not a byte count"))?,
            None if operation.request_body.is_some() => body_limit::JSON,
            None => body_limit::ACTION,
        };
        Ok(Self { rate, body_bytes })
    }
}

/// Path template → method → limits, for every operation of the document (nested so a
/// request's lookup borrows its strings instead of building a key).
#[derive(Debug, Clone, Default)]
pub struct LimitTable {
    routes: HashMap<String, HashMap<&'static str, RouteLimits>>,
}

impl LimitTable {
    /// Reads every operation of `doc`. At startup only: a malformed declaration is a
    /// programming error, and a route must never go unlimited because of one.
    pub fn from_openapi(doc: &OpenApi) -> Self {
        let mut routes: HashMap<String, HashMap<&'static str, RouteLimits>> = HashMap::new();
        for (method, path, operation) in operations(doc) {
            let limits = RouteLimits::of_operation(method, operation)
                .unwrap_or_else(|err| panic!("{method} {path}: {err}"));
            routes
                .entry(path.to_owned())
                .or_default()
                .insert(method, limits);
        }
        Self { routes }
    }

    /// The limits of `method` on the route template `path`.
    pub fn get(&self, method: &Method, path: &str) -> Option<RouteLimits> {
        self.routes.get(path)?.get(method.as_str()).copied()
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

#[cfg(test)]
mod tests {
    use utoipa::openapi::Required;
    use utoipa::openapi::path::OperationBuilder;
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::security::SecurityRequirement;

    use super::*;

    fn operation(authenticated: bool, body: bool) -> OperationBuilder {
        let mut builder = OperationBuilder::new();
        if authenticated {
            builder = builder.security(SecurityRequirement::new::<_, _, &str>("bearer", []));
        }
        if body {
            builder = builder.request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .build(),
            ));
        }
        builder
    }

    #[test]
    fn undeclared_operations_get_their_defaults() {
        let limits = |method, authenticated, body| {
            RouteLimits::of_operation(method, &operation(authenticated, body).build()).unwrap()
        };
        assert_eq!(limits("GET", true, false).rate, RateClass::Read);
        assert_eq!(limits("DELETE", true, false).rate, RateClass::Write);
        assert_eq!(limits("POST", false, true).rate, RateClass::Public);
        assert_eq!(limits("POST", true, true).body_bytes, body_limit::JSON);
        assert_eq!(limits("GET", true, false).body_bytes, body_limit::ACTION);
    }

    #[test]
    fn declarations_win_and_nonsense_is_an_error() {
        let declared = |class: serde_json::Value, bytes: serde_json::Value| {
            let extensions = utoipa::openapi::extensions::ExtensionsBuilder::new()
                .add(RATE_CLASS_EXTENSION, class)
                .add(BODY_LIMIT_EXTENSION, bytes)
                .build();
            RouteLimits::of_operation(
                "POST",
                &operation(true, true).extensions(Some(extensions)).build(),
            )
        };
        assert_eq!(
            declared("heavy".into(), 5000.into()),
            Ok(RouteLimits {
                rate: RateClass::Heavy,
                body_bytes: 5000
            })
        );
        assert!(declared("hevy".into(), 5000.into()).is_err());
        assert!(declared("heavy".into(), "big".into()).is_err());
    }
}
