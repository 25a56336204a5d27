//! The document is exactly the contract: what schemathesis (`scripts/contract-test`) checks
//! against the running server, checked here on the document itself, table-driven over every
//! operation, so a new route that breaks it fails here first.

use omnicrm_testkit::{TestApp, TestDb};
use reqwest::{Method, StatusCode};
use serde_json::Value;

fn doc() -> Value {
    serde_json::from_str(&omnicrm_api::api_doc().to_json().unwrap()).unwrap()
}

/// `(METHOD, path, operation)` of every operation.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            out.push((method.to_uppercase(), path.clone(), operation.clone()));
        }
    }
    out
}

fn collect_refs(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "$ref" {
                    out.push((at.to_owned(), inner.as_str().unwrap_or_default().to_owned()));
                } else {
                    collect_refs(inner, &format!("{at}/{key}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                collect_refs(inner, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_reference_resolves_to_a_registered_schema() {
    let doc = doc();
    let mut refs = Vec::new();
    collect_refs(&doc, "", &mut refs);
    assert!(refs.len() > 50, "too few references found: {}", refs.len());
    let dangling: Vec<_> = refs
        .iter()
        .filter(|(_, target)| {
            !target.starts_with('#') || doc.pointer(target.trim_start_matches('#')).is_none()
        })
        .collect();
    assert!(dangling.is_empty(), "dangling $refs: {dangling:#?}");
}

#[test]
fn every_error_response_is_a_problem_document() {
    let doc = doc();
    let mut wrong = Vec::new();
    for (method, path, operation) in operations(&doc) {
        for (status, response) in operation["responses"].as_object().unwrap() {
            if !(status.starts_with('4') || status.starts_with('5')) {
                continue;
            }
            let content = response["content"].as_object();
            let ok = content.is_some_and(|c| {
                c.len() == 1
                    && c["application/problem+json"]["schema"]["$ref"]
                        == "#/components/schemas/Problem"
            });
            if !ok {
                wrong.push(format!("{method} {path} {status}: {}", response["content"]));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "error responses that are not problems: {wrong:#?}"
    );
}

/// What the framework answers, by the operation's shape: the same table the document is
/// generated from, restated so a change to either shows.
#[test]
fn every_operation_declares_what_the_framework_can_answer_for_it() {
    let doc = doc();
    let mut missing = Vec::new();
    for (method, path, operation) in operations(&doc) {
        let params = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let has = |place: &str| params.iter().any(|p| p["in"] == place);
        let body = operation.get("requestBody");
        let multipart = body.is_some_and(|b| b["content"].get("multipart/form-data").is_some());
        let schemes: Vec<String> = operation["security"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| r.as_object().unwrap().keys().cloned())
            .collect();
        let mut expected = vec!["500", "503"];
        if has("path") || has("query") || body.is_some() {
            expected.push("400");
        }
        if !schemes.is_empty() {
            expected.push("401");
        }
        if schemes.iter().any(|s| s == "cookie") && method != "GET" {
            expected.push("403");
        }
        if has("path") {
            expected.push("404");
        }
        if body.is_some() {
            expected.push("413");
        }
        if multipart {
            expected.push("415");
        }
        for status in expected {
            if operation["responses"].get(status).is_none() {
                missing.push(format!("{method} {path}: {status}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "undeclared framework answers: {missing:#?}"
    );
}

/// An action body may be absent or `{}`; the document must not invite `null`.
#[test]
fn an_optional_body_is_absent_never_null() {
    let doc = doc();
    let mut nullable = Vec::new();
    for (method, path, operation) in operations(&doc) {
        let Some(body) = operation.get("requestBody") else {
            continue;
        };
        for content in body["content"].as_object().unwrap().values() {
            let text = content["schema"].to_string();
            if text.contains("\"type\":\"null\"") && content["schema"].get("oneOf").is_some() {
                nullable.push(format!("{method} {path}"));
            }
        }
    }
    assert!(
        nullable.is_empty(),
        "bodies documented as nullable: {nullable:?}"
    );
}

/// `OPTIONS /jobs/runner` (and any other unrouted method) answers 405 with an `Allow` that
/// lists the methods of `/jobs/runner` itself, not those of `/jobs/{id}` it also matches;
/// `GET /jobs/runner` is that 405 too, not `GET /jobs/{id}`'s 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_lists_the_methods_of_the_most_specific_route() {
    let db = TestDb::new().await.unwrap();
    let app = TestApp::spawn(&db).await;
    let alice = app.as_user(TestApp::new_user());
    let doc = doc();
    for (path, methods) in [
        ("/api/v1/jobs/runner", "POST"),
        ("/api/v1/contacts/count", "GET"),
        ("/api/v1/contacts/bulk-delete", "POST"),
    ] {
        let documented: Vec<String> = doc["paths"][path]
            .as_object()
            .unwrap()
            .keys()
            .map(|m| m.to_uppercase())
            .collect();
        assert_eq!(documented.join(", "), methods, "{path}");
        // PATCH and GET would reach `/{id}` routes of the same resource, which take them.
        for method in [Method::OPTIONS, Method::PATCH, Method::GET] {
            if methods.contains(method.as_str()) {
                continue;
            }
            let res = alice.send(alice.request(method.clone(), path)).await;
            assert_eq!(
                res.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            assert_eq!(res.header("allow"), Some(methods), "{method} {path}");
        }
    }
}

/// Two types deriving `ToSchema` under one name are one component: whichever registers
/// last documents both (the contact photo form once carried the onboarding form's `token`).
/// Scans every crate's source, as the route scan does.
#[test]
fn no_two_schema_types_share_a_component_name() {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let mut pending: Option<Option<String>> = None;
                for line in text.lines().map(str::trim) {
                    if line.starts_with("#[derive(") && line.contains("ToSchema") {
                        pending = Some(None);
                    } else if let Some(alias) = line
                        .strip_prefix("#[schema(as = ")
                        .and_then(|rest| rest.split(')').next())
                    {
                        if let Some(slot) = pending.as_mut() {
                            *slot = Some(alias.rsplit("::").next().unwrap().to_owned());
                        }
                    } else if let Some(name) = ["pub struct ", "pub enum ", "struct ", "enum "]
                        .iter()
                        .find_map(|p| line.strip_prefix(p))
                        .and_then(|rest| {
                            rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                                .next()
                        })
                        && let Some(alias) = pending.take()
                    {
                        let name = alias.unwrap_or_else(|| name.to_owned());
                        out.push((name, path.display().to_string()));
                    }
                }
            }
        }
    }
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut names = Vec::new();
    for krate in std::fs::read_dir(&crates).unwrap() {
        let src = krate.unwrap().path().join("src");
        if src.is_dir() {
            walk(&src, &mut names);
        }
    }
    assert!(
        names.len() > 50,
        "schema scan found too little: {}",
        names.len()
    );
    names.sort();
    let clashes: Vec<_> = names.windows(2).filter(|w| w[0].0 == w[1].0).collect();
    assert!(clashes.is_empty(), "schema names used twice: {clashes:#?}");
}

/// Every input type whose rules garde checks carries `#[garde_schema]`, which writes the same
/// rules into its schema: a new input type cannot document less than it validates.
#[test]
fn every_validated_input_type_documents_its_rules() {
    fn walk(dir: &std::path::Path, missing: &mut Vec<String>, found: &mut usize) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, missing, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let lines: Vec<&str> = text.lines().map(str::trim).collect();
                for (i, line) in lines.iter().enumerate() {
                    let documented = line.contains("ToSchema") || line.contains("IntoParams");
                    if !(line.starts_with("#[derive(") && line.contains("Validate") && documented) {
                        continue;
                    }
                    *found += 1;
                    let attrs_above = lines[..i].iter().rev().take_while(|l| l.starts_with("#["));
                    let attrs_below = lines[i + 1..].iter().take_while(|l| l.starts_with("#["));
                    if !attrs_above
                        .chain(attrs_below)
                        .any(|l| l.contains("garde_schema"))
                    {
                        missing.push(format!("{}:{}", path.display(), i + 1));
                    }
                }
            }
        }
    }
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (mut missing, mut found) = (Vec::new(), 0);
    for krate in std::fs::read_dir(&crates).unwrap() {
        let src = krate.unwrap().path().join("src");
        if src.is_dir() {
            walk(&src, &mut missing, &mut found);
        }
    }
    assert!(found > 20, "input type scan found too little: {found}");
    assert!(
        missing.is_empty(),
        "validated input types without #[garde_schema]: {missing:#?}"
    );
}

/// Spot checks of rules as the document states them (the macro's table, end to end).
#[test]
fn garde_rules_are_in_the_schemas() {
    let doc = doc();
    let create = &doc["components"]["schemas"]["CreateContact"]["properties"]["displayName"];
    assert_eq!(create["minLength"], 1, "{create}");
    assert_eq!(create["maxLength"], 200, "{create}");
    assert_eq!(create["pattern"], r"\S", "{create}");
    let params = doc["paths"]["/api/v1/contacts"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let page_size = params.iter().find(|p| p["name"] == "pageSize").unwrap();
    assert_eq!(page_size["schema"]["minimum"], 1, "{page_size}");
    assert_eq!(page_size["schema"]["maximum"], 200, "{page_size}");
    let bulk = &doc["components"]["schemas"]["BulkDeleteContacts"]["properties"]["ids"];
    assert_eq!(bulk["minItems"], 1, "{bulk}");
    // A PATCH field that may be absent but never null.
    let patch = &doc["components"]["schemas"]["UpdateContact"]["properties"]["displayName"];
    assert_eq!(patch["type"], "string", "{patch}");
}
