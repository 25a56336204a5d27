//! The OpenAPI document covers every registered route, and every documented route answers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::setup;
use serde_json::Value;

/// `(METHOD, /path)` of every actix route macro under `src/routes`, with the scope
/// prefix the registration adds (`/api/v1`, except the root-level problem pages).
fn routes_in_source() -> BTreeSet<(String, String)> {
    fn walk(dir: &Path, out: &mut BTreeSet<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines().map(str::trim) {
                for method in ["get", "post", "put", "patch", "delete", "head"] {
                    if let Some(rest) = line.strip_prefix(&format!("#[{method}(\"")) {
                        let route = rest.split('"').next().unwrap();
                        let full = if route.starts_with("/problems/") {
                            route.to_owned()
                        } else {
                            format!("/api/v1{route}")
                        };
                        out.insert((method.to_uppercase(), full));
                    }
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes"),
        &mut out,
    );
    out
}

fn routes_in_doc(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.insert((method.to_uppercase(), path.clone()));
        }
    }
    out
}

#[test]
fn every_route_in_the_source_is_in_the_document() {
    let doc: Value = serde_json::from_str(&omnicrm_api::api_doc().to_json().unwrap()).unwrap();
    let source = routes_in_source();
    assert!(
        source.len() >= 10,
        "route scan found too little: {source:?}"
    );
    let documented = routes_in_doc(&doc);
    let missing: Vec<_> = source.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the OpenAPI document: {missing:?}"
    );
    assert_eq!(
        doc["openapi"].as_str().map(|v| v.starts_with("3.1")),
        Some(true)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_lists_only_routes_that_answer() {
    let ctx = setup().await;
    let doc: Value = ctx.app.anonymous().get("/api/v1/openapi.json").await.json();
    for (method, path) in routes_in_doc(&doc) {
        let concrete = path
            .replace("{id}", "0193c1a0-0000-7000-8000-000000000001")
            .replace("{code}", "not-found");
        let res = ctx
            .app
            .anonymous()
            .send_json(method.parse().unwrap(), &concrete, None)
            .await;
        // Without a token a real route answers 200 or 401, never the router's 404/405.
        assert!(
            res.status() != 405,
            "{method} {path} is documented but not routed"
        );
        if res.status() == 404 {
            let body: Value = res.json();
            assert_ne!(
                body["detail"], "no route matches this path",
                "{method} {path} is documented but not routed"
            );
        }
    }
}

/// Follows `$ref`s within the document.
fn resolve<'a>(doc: &'a Value, mut schema: &'a Value) -> &'a Value {
    while let Some(reference) = schema["$ref"].as_str() {
        let pointer = reference.trim_start_matches('#');
        schema = doc.pointer(pointer).unwrap_or(&Value::Null);
    }
    schema
}

#[test]
fn every_bulk_delete_reports_its_errors_with_the_error_code_vocabulary() {
    let doc: Value = serde_json::from_str(&omnicrm_api::api_doc().to_json().unwrap()).unwrap();
    let code_schemas: Vec<&Value> = ["/api/v1/contacts/bulk-delete", "/api/v1/tags/bulk-delete"]
        .iter()
        .map(|path| {
            let ok = &doc["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]
                ["schema"];
            let errors = &resolve(&doc, ok)["properties"]["errors"]["items"];
            resolve(&doc, &resolve(&doc, errors)["properties"]["code"])
        })
        .collect();
    assert_eq!(code_schemas[0], code_schemas[1]);
    let codes = code_schemas[0]["enum"]
        .as_array()
        .expect("an enum of codes");
    assert!(codes.contains(&Value::from("not_found")));
}

/// A route with only literal segments (`/contacts/duplicates`) registered after a templated
/// sibling (`/contacts/{id}`) is never reached: actix tries routes in registration order, and
/// the templated one answers (here 404, "duplicates" is not a UUID). Every such route must
/// answer as itself: never 404 or 405, which only a shadowing route would give it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_route_is_shadowed_by_one_registered_before_it() {
    let ctx = setup().await;
    let user = omnicrm_testkit::TestApp::new_user();
    let doc: Value = serde_json::from_str(&omnicrm_api::api_doc().to_json().unwrap()).unwrap();
    let mut checked = 0;
    for (method, path) in routes_in_doc(&doc) {
        if path.contains('{') || !path.starts_with("/api/v1/") {
            continue;
        }
        let res = ctx
            .app
            .as_user(user)
            .send_bytes(method.parse().unwrap(), &path, "application/json", "{}")
            .await;
        let status = res.status().as_u16();
        let body = res.text();
        assert!(
            status != 404 && status != 405,
            "{method} {path} answered {status}: another route caught it ({body})"
        );
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} literal routes checked");
}
