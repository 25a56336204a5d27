//! The whole OpenAPI document as a reviewed snapshot: any change to the contract (a route, a
//! field, a rule, a declared status) shows as a diff in `snapshots/` that a reviewer accepts
//! with `cargo insta review` (or `INSTA_UPDATE=always`), never silently.

#[test]
fn the_openapi_document_is_the_reviewed_one() {
    let doc: serde_json::Value =
        serde_json::from_str(&omnicrm_api::api_doc().to_json().unwrap()).unwrap();
    insta::assert_json_snapshot!("openapi_document", doc, {".info.version" => "[version]"});
}
