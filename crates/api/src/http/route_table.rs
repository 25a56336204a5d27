//! Tells "no such path" (404) from "path exists, wrong method" (405 + `Allow`), using the
//! OpenAPI document as the list of routes so the two can never disagree.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, web};
use omnicrm_problem::AppError;

use super::ApiError;

/// Path templates and their methods.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<String>)>,
}

impl RouteTable {
    /// Collects every path and method of the OpenAPI document.
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = split(path);
                let mut methods: Vec<String> = Vec::new();
                let ops = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("HEAD", item.head.is_some()),
                ];
                for (name, present) in ops {
                    if present {
                        methods.push(name.to_owned());
                    }
                }
                (segments, methods)
            })
            .collect();
        Self { routes }
    }

    /// Methods allowed on `path`, if any route template matches it. Only the most specific
    /// templates count (`/jobs/runner` over `/jobs/{id}`): the path is documented as that
    /// route, so `Allow` lists exactly its methods.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let wanted = split(path);
        let matching: Vec<&(Vec<String>, Vec<String>)> = self
            .routes
            .iter()
            .filter(|(template, _)| matches(template, &wanted))
            .collect();
        let most_specific = matching.iter().map(|(t, _)| literals(t)).max()?;
        let mut methods: Vec<&str> = matching
            .iter()
            .filter(|(template, _)| literals(template) == most_specific)
            .flat_map(|(_, m)| m.iter().map(String::as_str))
            .collect();
        if methods.is_empty() {
            return None;
        }
        methods.sort_unstable();
        methods.dedup();
        Some(methods.join(", "))
    }
}

fn split(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

/// Which segments are literal: compared in order, a literal beats a `{param}`.
fn literals(template: &[String]) -> Vec<bool> {
    template.iter().map(|t| !t.starts_with('{')).collect()
}

fn matches(template: &[String], path: &[String]) -> bool {
    template.len() == path.len()
        && template
            .iter()
            .zip(path)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

/// Middleware: a method the most specific route of a path does not take is 405 with `Allow`,
/// even when a templated sibling would take it (`PATCH /contacts/bulk-delete` would reach
/// `PATCH /contacts/{id}` and answer 404 for the id `bulk-delete`).
pub async fn method_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let refused = req.app_data::<web::Data<RouteTable>>().and_then(|table| {
        let allow = table.allowed(req.path())?;
        let method = req.method().as_str();
        (!allow.split(", ").any(|m| m == method)).then_some(allow)
    });
    match refused {
        Some(allow) => Ok(req.error_response(ApiError::from(AppError::method_not_allowed(allow)))),
        None => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body),
    }
}

/// The default service: 405 with `Allow` for a known path, else 404.
pub async fn unmatched(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<actix_web::HttpResponse, ApiError> {
    match table.allowed(req.path()) {
        Some(allow) => Err(AppError::method_not_allowed(allow).into()),
        None => Err(AppError::not_found()
            .with_detail("no route matches this path")
            .into()),
    }
}
