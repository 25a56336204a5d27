//! The problem responses of every operation, declared once from the operation's shape
//! (its parameters, body and security) instead of by each handler, so a new route documents
//! the 400/401/403/404/413/415/500/503 the framework can answer for it without a line of
//! its own. Every error response, declared here or by a handler, is
//! `application/problem+json` with the `Problem` schema, as the envelope sends it.

use utoipa::openapi::path::{HttpMethod, Operation, ParameterIn};
use utoipa::openapi::{
    Content, OpenApi, Ref, RefOr, Response, ResponseBuilder, Schema, security::SecurityRequirement,
};
use utoipa::{PartialSchema, ToSchema};

use omnicrm_problem::Problem;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// What the declarations below look at.
struct Shape {
    method: HttpMethod,
    path_params: bool,
    query_params: bool,
    body: Option<BodyKind>,
    bearer_or_cookie: bool,
    cookie: bool,
}

#[derive(PartialEq, Eq)]
enum BodyKind {
    Json,
    Multipart,
}

/// One framework answer and the operations that can get it.
struct Declaration {
    status: u16,
    applies: fn(&Shape) -> bool,
    description: &'static str,
}

const DECLARATIONS: &[Declaration] = &[
    Declaration {
        status: 400,
        applies: |s| s.path_params || s.query_params || s.body.is_some(),
        description: "`malformed_request` (syntax, content type, unknown field or parameter) or \
            `validation_failed` (a value breaks a rule; `errors` lists each field)",
    },
    Declaration {
        status: 401,
        applies: |s| s.bearer_or_cookie,
        description: "`unauthenticated`: no access token, or one that is invalid or expired",
    },
    Declaration {
        status: 403,
        applies: |s| s.cookie && !matches!(s.method, HttpMethod::Get | HttpMethod::Head),
        description: "`csrf_failed`: a cookie-authenticated unsafe request without the CSRF token",
    },
    Declaration {
        status: 404,
        applies: |s| s.path_params,
        description: "`not_found`: no such resource for this user (a malformed id included)",
    },
    Declaration {
        status: 413,
        applies: |s| s.body.is_some(),
        description: "`payload_too_large`: the body is larger than the route accepts",
    },
    Declaration {
        status: 415,
        applies: |s| s.body == Some(BodyKind::Multipart),
        description: "`unsupported_media_type`: the file type (read from its bytes) is not accepted",
    },
    Declaration {
        status: 500,
        applies: |_| true,
        description: "`internal`: an unexpected failure (details only in the server's log)",
    },
    Declaration {
        status: 503,
        applies: |_| true,
        description: "`unavailable`: the database cannot be reached in time",
    },
];

/// Adds the declared problem responses an operation does not declare itself, and registers
/// the `Problem` schema they refer to.
pub fn declare(doc: &mut OpenApi) {
    register_problem_schema(doc);
    for_each_operation(doc, |method, operation| {
        let shape = shape(method, operation);
        for declaration in DECLARATIONS {
            if (declaration.applies)(&shape) {
                let status = declaration.status.to_string();
                operation
                    .responses
                    .responses
                    .entry(status)
                    .or_insert_with(|| RefOr::T(problem_response(declaration.description)));
            }
        }
    });
}

/// Makes every 4xx/5xx response whose body is the problem (or that has no body) an
/// `application/problem+json` response with the `Problem` schema. Runs after every other
/// declaration, so theirs need not care.
pub fn use_problem_media_type(doc: &mut OpenApi) {
    for_each_operation(doc, |_, operation| {
        for (status, response) in &mut operation.responses.responses {
            let RefOr::T(response) = response else {
                continue;
            };
            if !status.starts_with('4') && !status.starts_with('5') {
                continue;
            }
            let is_problem = response.content.is_empty()
                || response
                    .content
                    .values()
                    .all(|content| content.schema.as_ref() == Some(&problem_ref()));
            if is_problem {
                response.content.clear();
                response
                    .content
                    .insert(PROBLEM_JSON.to_owned(), Content::new(Some(problem_ref())));
            }
        }
    });
}

/// A problem response with `description` (for other declarations).
pub fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, Content::new(Some(problem_ref())))
        .build()
}

fn problem_ref() -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(Problem::name()))
}

fn register_problem_schema(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    let mut schemas = vec![(Problem::name().into_owned(), Problem::schema())];
    Problem::schemas(&mut schemas);
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }
}

fn shape(method: HttpMethod, operation: &Operation) -> Shape {
    let params = operation.parameters.as_deref().unwrap_or_default();
    let schemes: Vec<&str> = operation
        .security
        .iter()
        .flatten()
        .flat_map(scheme_names)
        .collect();
    let body = operation.request_body.as_ref().map(|body| {
        if body.content.keys().any(|t| t.starts_with("multipart/")) {
            BodyKind::Multipart
        } else {
            BodyKind::Json
        }
    });
    Shape {
        method,
        path_params: params
            .iter()
            .any(|p| matches!(p.parameter_in, ParameterIn::Path)),
        query_params: params
            .iter()
            .any(|p| matches!(p.parameter_in, ParameterIn::Query)),
        body,
        bearer_or_cookie: !schemes.is_empty(),
        cookie: schemes.contains(&"cookie"),
    }
}

/// The scheme names of one requirement (utoipa keeps them private; its JSON shows them).
fn scheme_names(requirement: &SecurityRequirement) -> Vec<&'static str> {
    let json = serde_json::to_value(requirement).unwrap_or_default();
    ["bearer", "cookie"]
        .into_iter()
        .filter(|name| json.get(name).is_some())
        .collect()
}

/// Calls `f` on every operation of the document.
pub fn for_each_operation(doc: &mut OpenApi, mut f: impl FnMut(HttpMethod, &mut Operation)) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            (HttpMethod::Get, &mut item.get),
            (HttpMethod::Put, &mut item.put),
            (HttpMethod::Post, &mut item.post),
            (HttpMethod::Delete, &mut item.delete),
            (HttpMethod::Options, &mut item.options),
            (HttpMethod::Head, &mut item.head),
            (HttpMethod::Patch, &mut item.patch),
            (HttpMethod::Trace, &mut item.trace),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation {
                f(method, operation);
            }
        }
    }
}
