//! `GET /problems/{code}`: the human-readable page behind every problem `type` URL.

use actix_web::{HttpResponse, get, web};
use omnicrm_problem::{AppError, ErrorCode};

use crate::ApiError;

/// Describes one problem type.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("exempt"))),
    tag = "meta", params(("code" = String, Path, description = "problem code with dashes, e.g. `not-found`")),
    responses((status = 200, description = "HTML page", content_type = "text/html"), (status = 404, body = omnicrm_problem::Problem)))]
#[get("/problems/{code}")]
pub async fn problem_page(code: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let code = ErrorCode::from_slug(&code).ok_or_else(AppError::not_found)?;
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>HTTP status {status}, code <code>{code}</code>.</p><p>{text}</p></body></html>",
        title = code.title(),
        status = code
            .statuses()
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(" or "),
        code = code.as_str(),
        text = code.explanation().replace('<', "&lt;"),
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(page))
}
