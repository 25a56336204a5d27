//! Rate limits, body limits and CORS: table-driven over the operations of the OpenAPI
//! document, which lists every route with the classes it declares.

mod body;
mod cors;
mod rate;

use serde_json::Value;

/// One operation of the document.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: reqwest::Method,
    /// The template, e.g. `/api/v1/contacts/{id}`.
    pub template: String,
    /// `x-rate-limit-class`.
    pub rate_class: String,
    /// `x-body-limit`.
    pub body_limit: usize,
    /// Whether it declares a request body.
    pub has_body: bool,
    /// Whether it reads a `multipart/form-data` body.
    pub multipart: bool,
}

impl Operation {
    /// The template with every `{param}` replaced by a UUID (nothing of anyone's).
    pub fn path(&self) -> String {
        self.template
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "0193c1a0-0000-7000-8000-000000000001"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.template)
    }
}

/// The document the app serves.
pub fn document() -> Value {
    serde_json::from_str(&omnicrm_api::api_doc().to_json().unwrap()).unwrap()
}

/// Every operation of the document.
pub fn operations() -> Vec<Operation> {
    let doc = document();
    let mut out = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse() else {
                continue;
            };
            out.push(Operation {
                method,
                template: template.clone(),
                rate_class: op["x-rate-limit-class"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{template}: no x-rate-limit-class"))
                    .to_owned(),
                body_limit: op["x-body-limit"]
                    .as_u64()
                    .unwrap_or_else(|| panic!("{template}: no x-body-limit"))
                    as usize,
                has_body: op["requestBody"].is_object(),
                multipart: op["requestBody"]["content"]
                    .get("multipart/form-data")
                    .is_some(),
            });
        }
    }
    assert!(out.len() > 50, "too few operations: {}", out.len());
    out
}

/// Operations limited per user.
pub fn per_user_operations() -> Vec<Operation> {
    operations()
        .into_iter()
        .filter(|op| matches!(op.rate_class.as_str(), "read" | "write" | "heavy"))
        .collect()
}
