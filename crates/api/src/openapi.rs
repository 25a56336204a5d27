//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` attributes as
//! utoipa-actix-web collects them while routes are registered.

mod cross_field_rules;
mod custom_rule_patterns;
mod optional_bodies;
mod problem_responses;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder};

/// Title, version and security schemes; paths are added by registration.
pub fn base_doc() -> OpenApi {
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("OmniCRM API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "REST API of OmniCRM, the CRM for wellness practitioners. Errors are RFC 9457 problem details.",
                ))
                .build(),
        )
        .build()
}

/// Adds the security schemes every authenticated operation refers to, and what the
/// framework answers for every operation (cross-cutting declarations: one line each, before
/// `use_problem_media_type`).
pub fn finish(mut doc: OpenApi) -> OpenApi {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    components.add_security_scheme(
        "cookie",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("sb-access-token"))),
    );
    optional_bodies::declare(&mut doc);
    cross_field_rules::declare(&mut doc);
    custom_rule_patterns::declare(&mut doc);
    problem_responses::declare(&mut doc);
    // Before the limits: they add their headers to every response, these included.
    crate::http::preconditions::openapi::declare(&mut doc);
    crate::http::limits::openapi::declare(&mut doc);
    problem_responses::use_problem_media_type(&mut doc);
    recording_media_types(&mut doc);
    doc
}

/// A voice capture's recording is served with its own type, one of those the upload
/// accepts (`omnicrm_integrations::audio::AUDIO_KINDS`); the path attribute can name only
/// one media type.
fn recording_media_types(doc: &mut OpenApi) {
    let Some(operation) = doc
        .paths
        .paths
        .get_mut("/api/v1/omni-momentum/inbox/{id}/audio")
        .and_then(|item| item.get.as_mut())
    else {
        return;
    };
    let Some(utoipa::openapi::RefOr::T(ok)) = operation.responses.responses.get_mut("200") else {
        return;
    };
    ok.content.clear();
    for media in [
        "audio/webm",
        "audio/ogg",
        "audio/mpeg",
        "audio/mp4",
        "audio/wav",
    ] {
        ok.content.insert(
            media.to_owned(),
            utoipa::openapi::content::ContentBuilder::new().build(),
        );
    }
}

/// The whole document of the application (for tests and tools).
pub fn api_doc() -> OpenApi {
    let (_, doc) = utoipa_actix_web::AppExt::into_utoipa_app(actix_web::App::new())
        .openapi(base_doc())
        .service(crate::routes::api_scope())
        .service(crate::routes::problems::problem_page)
        .split_for_parts();
    finish(doc)
}

/// The serialised document, built once.
#[derive(Debug, Clone)]
pub struct OpenApiJson(pub String);

impl OpenApiJson {
    /// Serialises `doc`.
    pub fn new(doc: &OpenApi) -> Self {
        Self(doc.to_json().unwrap_or_else(|_| "{}".to_owned()))
    }
}
