//! The signature fields of the public onboarding form (and of the practitioner's consent
//! route): `signatureSvg` keeps only drawing elements and geometry attributes,
//! `signatureImageUrl` is `https:` or a small PNG data URL; anything else is a 400 with a
//! pointer to the field, and nothing is written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::named_contact;
use crate::common::{Ctx, setup};
use omnicrm_testkit::Requester;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::TestResponse;
use omnicrm_testkit::pointers;
use reqwest::StatusCode;
use serde_json::{Value, json};

const TOKENS: &str = "/api/v1/onboarding/admin/tokens";
const SUBMIT: &str = "/api/v1/onboarding/public/submit";

async fn new_token(as_user: &Requester<'_>) -> String {
    let res = as_user.post_json(TOKENS, &json!({"maxUses": 10})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json();
    created["token"].as_str().unwrap().to_owned()
}

fn form(token: &str, consent: &Value) -> Value {
    json!({
        "token": token,
        "client": {"displayName": "Ann Client", "primaryEmail": "ann@example.com"},
        "consent": consent,
    })
}

async fn submit(app: &TestApp, body: &Value) -> TestResponse {
    app.anonymous().post_json(SUBMIT, body).await
}

async fn count(ctx: &Ctx, table: &str) -> i64 {
    let client = ctx.db.owner().await.unwrap();
    client
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap()
        .get::<_, i64>(0)
}

const HOSTILE_SVGS: &[&str] = &[
    r#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
    r#"<svg onload="alert(1)"/>"#,
    r#"<svg><path d="M0 0" onmouseover="alert(1)"/></svg>"#,
    r#"<svg><foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="https://evil.example"/></foreignObject></svg>"#,
    r#"<svg><use href="http://evil.example/sprite.svg#a"/></svg>"#,
    r#"<svg><path xlink:href="http://evil.example/"/></svg>"#,
    r#"<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><svg><path d="&xxe;"/></svg>"#,
    r#"<svg style="background:url(https://evil.example/beacon)"/>"#,
    r#"<svg><a href="javascript:alert(1)"><path d="M0 0"/></a></svg>"#,
];

const HOSTILE_URLS: &[&str] = &[
    "javascript:alert(document.cookie)",
    "http://example.com/signature.png",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/png;base64,R0lGODlhAQABAAAAACw=",
    "data:image/png;base64,%%%",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_signatures_are_400_with_a_pointer_and_write_nothing() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let token = new_token(&as_user).await;
    for svg in HOSTILE_SVGS {
        let body = submit(&ctx.app, &form(&token, &json!({"signatureSvg": svg})))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&body), ["/consent/signatureSvg"], "{svg}");
        assert!(!body.to_string().contains("evil.example"), "{body}");
    }
    for url in HOSTILE_URLS {
        let body = submit(&ctx.app, &form(&token, &json!({"signatureImageUrl": url})))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&body), ["/consent/signatureImageUrl"], "{url}");
    }
    assert_eq!(count(&ctx, "contacts").await, 0);
    assert_eq!(count(&ctx, "client_consents").await, 0);

    // The practitioner's consent route follows the same rules.
    let contact = named_contact(&as_user, "Bob").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/contacts/{contact}/consents");
    let body = as_user
        .post_json(
            &path,
            &json!({"consentType": "hipaa", "consentTextVersion": "v1", "granted": true,
                        "signatureSvg": HOSTILE_SVGS[0], "signatureImageUrl": HOSTILE_URLS[0]}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    let mut got = pointers(&body);
    got.sort();
    assert_eq!(got, ["/signatureImageUrl", "/signatureSvg"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drawn_signatures_and_png_or_https_images_are_stored() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let token = new_token(&ctx.app.as_user(user)).await;
    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 150"><path d="M 10 20 L 30 40" stroke="#000" stroke-width="2" fill="none"/></svg>"##;
    let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    for (consent, email) in [
        (json!({"signatureSvg": svg}), "a@example.com"),
        (json!({"signatureImageUrl": png}), "b@example.com"),
        (
            json!({"signatureImageUrl": "https://cdn.example.com/sig.png"}),
            "c@example.com",
        ),
    ] {
        let mut body = form(&token, &consent);
        body["client"]["primaryEmail"] = json!(email);
        let res = submit(&ctx.app, &body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{email}");
    }
    assert_eq!(count(&ctx, "client_consents").await, 3);
}
