//! The limits in the OpenAPI document: every operation states its classes
//! (`x-rate-limit-class`, `x-body-limit`), every limited operation's responses carry the
//! `RateLimit-Policy` and `RateLimit` headers, and the refusals the framework can give
//! (429 with `Retry-After`, 413 for a body, 503 when the counters cannot be reached) are
//! declared where the handler did not already declare them.

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{Content, Header, OpenApi, Ref, RefOr, ResponseBuilder};

use super::{BODY_LIMIT_EXTENSION, RATE_CLASS_EXTENSION, RateClass, RouteLimits};

/// Adds the limits of every operation to `doc` (called once from `openapi::finish`, at
/// startup: a malformed declaration panics there, naming the operation).
pub fn declare(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, operation) in [
            ("GET", item.get.as_mut()),
            ("POST", item.post.as_mut()),
            ("PUT", item.put.as_mut()),
            ("PATCH", item.patch.as_mut()),
            ("DELETE", item.delete.as_mut()),
            ("HEAD", item.head.as_mut()),
        ] {
            if let Some(operation) = operation {
                let limits = RouteLimits::of_operation(method, operation)
                    .unwrap_or_else(|err| panic!("{method} {path}: {err}"));
                declare_operation(limits, operation);
            }
        }
    }
}

fn declare_operation(limits: RouteLimits, operation: &mut Operation) {
    let extensions = operation.extensions.get_or_insert_with(Default::default);
    extensions.insert(RATE_CLASS_EXTENSION.to_owned(), limits.rate.name().into());
    extensions.insert(BODY_LIMIT_EXTENSION.to_owned(), limits.body_bytes.into());
    if operation.request_body.is_some() {
        add_problem(
            operation,
            "413",
            "`payload_too_large`: the body passes the route's limit",
        );
    }
    if limits.rate == RateClass::Exempt {
        return;
    }
    add_problem(
        operation,
        "429",
        "`rate_limited`: the route class's budget is used up; retry after `Retry-After` seconds",
    );
    add_problem(
        operation,
        "503",
        "`unavailable`: the database (and so the rate-limit counters) cannot be reached",
    );
    for (status, response) in operation.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if status == "429" {
            response
                .headers
                .entry("Retry-After".to_owned())
                .or_insert_with(|| header(Type::Integer, "seconds to wait before retrying"));
        }
        response
            .headers
            .entry("RateLimit-Policy".to_owned())
            .or_insert_with(|| {
                header(
                    Type::String,
                    "the policies applied, e.g. `\"user-read\";q=600;w=60` (IETF httpapi ratelimit-headers draft)",
                )
            });
        response
            .headers
            .entry("RateLimit".to_owned())
            .or_insert_with(|| {
                header(
                    Type::String,
                    "what is left of each policy, e.g. `\"user-read\";r=599;t=60`",
                )
            });
    }
}

fn add_problem(operation: &mut Operation, status: &str, description: &str) {
    operation
        .responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/problem+json",
                        Content::new(Some(Ref::from_schema_name("Problem"))),
                    )
                    .build(),
            )
        });
}

fn header(schema_type: Type, description: &str) -> Header {
    let mut header = Header::new(ObjectBuilder::new().schema_type(schema_type));
    header.description = Some(description.to_owned());
    header
}
