//! The conditional-request and idempotency headers and answers in the OpenAPI document,
//! declared from the same lists the middlewares act on, so the two cannot disagree.

use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Required, Response, ResponseBuilder};

use super::resources::RESOURCES;
use crate::http::idempotency::{CreatingRoutes, MAX_KEY_BYTES};

/// Declares `ETag`, `If-Match`, `If-None-Match` and 304/412/428 on the versioned
/// resources, and `Idempotency-Key` with 409/422 on the creating POSTs.
pub fn declare(doc: &mut OpenApi) {
    let creating = CreatingRoutes::from_openapi(doc);
    for (path, item) in &mut doc.paths.paths {
        if RESOURCES.iter().any(|r| r.template == path) {
            if let Some(get) = item.get.as_mut() {
                add_parameter(get, if_none_match());
                with_etag(get, "200");
                add_response(get, "304", not_modified());
            }
            for write in [item.patch.as_mut(), item.delete.as_mut()]
                .into_iter()
                .flatten()
            {
                add_parameter(write, if_match());
                with_etag(write, "200");
                add_response(write, "412", problem("`If-Match` names no current version"));
                add_response(
                    write,
                    "428",
                    problem("`If-Match` is missing and the server requires it"),
                );
            }
        }
        if let Some(post) = item.post.as_mut().filter(|_| creating.contains(path)) {
            add_parameter(post, idempotency_key());
            with_etag(post, "201");
            add_response(
                post,
                "409",
                problem(
                    "a conflict, or `idempotency_key_in_flight`: the first request with this key still runs",
                ),
            );
            add_response(
                post,
                "422",
                problem("`idempotency_key_reused`: the key was used with another request"),
            );
        }
    }
}

/// What `Condition::parse` accepts: `*` alone, or a comma-separated list of entity tags
/// (`W/` optional, opaque part `%x21 / %x23-7E`; a header value is visible ASCII) with
/// optional whitespace and empty elements. A unit test holds the two together.
pub(crate) const ENTITY_TAGS_PATTERN: &str =
    r#"^([ \t]*\*[ \t]*|[ \t,]*(W/)?"[!#-~]*"([ \t]*,[ \t,]*(W/)?"[!#-~]*")*[ \t,]*)$"#;

/// What `valid_key` accepts: 1 to `MAX_KEY_BYTES` visible ASCII characters (the length is
/// the parameter's `minLength`/`maxLength`).
pub(crate) const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]+$";

fn string_schema(max_length: Option<usize>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(max_length)
}

fn header_parameter(name: &str, description: &str, schema: ObjectBuilder) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

fn entity_tags_schema() -> ObjectBuilder {
    string_schema(None).pattern(Some(ENTITY_TAGS_PATTERN))
}

fn if_match() -> Parameter {
    header_parameter(
        "If-Match",
        "`*` or entity tags (RFC 9110): the change applies only if one names the current version (strong comparison), else 412. Required (428) when the server runs with OMNICRM_REQUIRE_IF_MATCH.",
        entity_tags_schema(),
    )
}

fn if_none_match() -> Parameter {
    header_parameter(
        "If-None-Match",
        "`*` or entity tags: 304 without a body when one names the current version (weak comparison). Any other value is ignored (the full response follows), so it has no pattern.",
        string_schema(None),
    )
}

fn idempotency_key() -> Parameter {
    header_parameter(
        "Idempotency-Key",
        "1 to 255 visible ASCII characters. The same key with the same request within 24 hours replays the first successful response (status, headers, body) without creating again.",
        string_schema(Some(MAX_KEY_BYTES))
            .min_length(Some(1))
            .pattern(Some(IDEMPOTENCY_KEY_PATTERN)),
    )
}

fn etag_header() -> Header {
    HeaderBuilder::new()
        .schema(string_schema(None))
        .description(Some("Strong entity tag of the resource's current version"))
        .build()
}

fn not_modified() -> Response {
    ResponseBuilder::new()
        .description("Not modified: `If-None-Match` names the current version")
        .header("ETag", etag_header())
        .build()
}

fn problem(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

fn add_parameter(op: &mut Operation, parameter: Parameter) {
    let parameters = op.parameters.get_or_insert_with(Vec::new);
    if !parameters.iter().any(|p| p.name == parameter.name) {
        parameters.push(parameter);
    }
}

fn add_response(op: &mut Operation, status: &str, response: Response) {
    op.responses
        .responses
        .entry(status.to_owned())
        .or_insert(RefOr::T(response));
}

fn with_etag(op: &mut Operation, status: &str) {
    if let Some(RefOr::T(response)) = op.responses.responses.get_mut(status) {
        response.headers.insert("ETag".to_owned(), etag_header());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_resources_and_creates_declare_their_headers_and_answers() {
        let doc = crate::api_doc();
        let item = &doc.paths.paths["/api/v1/contacts/{id}"];
        let names = |op: &Operation| -> Vec<String> {
            op.parameters
                .iter()
                .flatten()
                .map(|p| p.name.clone())
                .collect()
        };
        let get = item.get.as_ref().unwrap();
        assert!(names(get).contains(&"If-None-Match".to_owned()));
        assert!(get.responses.responses.contains_key("304"));
        for op in [item.patch.as_ref().unwrap(), item.delete.as_ref().unwrap()] {
            assert!(names(op).contains(&"If-Match".to_owned()));
            assert!(op.responses.responses.contains_key("412"));
            assert!(op.responses.responses.contains_key("428"));
        }
        let create = doc.paths.paths["/api/v1/contacts"].post.as_ref().unwrap();
        assert!(names(create).contains(&"Idempotency-Key".to_owned()));
        assert!(create.responses.responses.contains_key("422"));
        let Some(RefOr::T(created)) = create.responses.responses.get("201") else {
            panic!("no 201");
        };
        assert!(created.headers.contains_key("ETag"));
        let bulk = doc.paths.paths["/api/v1/contacts/bulk-delete"]
            .post
            .as_ref()
            .unwrap();
        assert!(
            !names(bulk).contains(&"Idempotency-Key".to_owned()),
            "an action"
        );
    }
}
