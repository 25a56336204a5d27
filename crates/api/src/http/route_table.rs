//! Tells "no such path" (404) from "path exists, wrong method" (405 + `Allow`), using the
//! OpenAPI document as the list of routes so the two can never disagree.

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

    /// Methods allowed on `path`, if any route template matches it.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let wanted = split(path);
        let mut methods: Vec<&str> = self
            .routes
            .iter()
            .filter(|(template, _)| matches(template, &wanted))
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

fn matches(template: &[String], path: &[String]) -> bool {
    template.len() == path.len()
        && template
            .iter()
            .zip(path)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
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
