//! An `Option<T>` request body means "may be absent" (an action `POST` without a body), not
//! "may be the JSON `null`", which utoipa makes of it and no extractor accepts. Every
//! optional body is documented as `T`, not required.

use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::{OpenApi, RefOr, Required};

use super::problem_responses::for_each_operation;

/// Rewrites each `oneOf: [null, T]` request body as an optional `T`.
pub fn declare(doc: &mut OpenApi) {
    for_each_operation(doc, |_, operation| {
        let Some(body) = operation.request_body.as_mut() else {
            return;
        };
        for content in body.content.values_mut() {
            let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema else {
                continue;
            };
            let rest: Vec<&RefOr<Schema>> =
                one_of.items.iter().filter(|item| !is_null(item)).collect();
            if rest.len() == 1 && one_of.items.len() == 2 {
                let only = rest[0].clone();
                content.schema = Some(only);
                body.required = Some(Required::False);
            }
        }
    });
}

fn is_null(schema: &RefOr<Schema>) -> bool {
    matches!(schema, RefOr::T(Schema::Object(object)) if object.schema_type == SchemaType::Type(Type::Null))
}
