//! Which POSTs create: those whose operation in the OpenAPI document answers 201. A new
//! create route is idempotent as soon as it declares its 201.

use utoipa::openapi::OpenApi;

/// Path templates of the creating POSTs.
#[derive(Debug, Clone, Default)]
pub struct CreatingRoutes {
    templates: Vec<Vec<String>>,
}

impl CreatingRoutes {
    /// Every POST of `doc` with a 201 response.
    pub fn from_openapi(doc: &OpenApi) -> Self {
        let templates = doc
            .paths
            .paths
            .iter()
            .filter(|(_, item)| {
                item.post
                    .as_ref()
                    .is_some_and(|op| op.responses.responses.contains_key("201"))
            })
            .map(|(path, _)| segments(path))
            .collect();
        Self { templates }
    }

    /// Whether `path` is one of them.
    pub fn contains(&self, path: &str) -> bool {
        let wanted = segments(path);
        self.templates.iter().any(|t| {
            t.len() == wanted.len()
                && t.iter().zip(&wanted).all(|(t, p)| {
                    (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p
                })
        })
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}
