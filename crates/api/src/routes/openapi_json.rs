use actix_web::{HttpResponse, get, web};

use crate::openapi::OpenApiJson;

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("exempt"))),
    tag = "meta", responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
#[get("/openapi.json")]
pub async fn openapi_json(doc: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "no-cache"))
        .body(doc.0.clone())
}
