//! Every problem body the API produces, snapshotted with `insta`: a change to the error
//! contract shows as a reviewed diff of `snapshots/`. Each code of
//! [`ErrorCode::ALL`] is either provoked over HTTP below or listed in [`UNREACHABLE`] with
//! the reason; a code in neither fails the test.
//!
//! What differs per request (`requestId`, `instance`, ids) is redacted. A changed snapshot
//! fails the run (in CI, `CI=true`, insta writes nothing); accept a reviewed change with
//! `cargo insta review` or `INSTA_UPDATE=always`.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::common::{behind_proxy, named_contact, setup};
use omnicrm_problem::ErrorCode;
use omnicrm_testkit::{
    Multipart, ProxyMode, TEST_CRON_SECRET, TestApp, TestAppOptions, TestDb, TestResponse,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Codes no request can provoke today, and why. Remove a line when a route starts
/// answering with its code (and snapshot it below).
const UNREACHABLE: &[(ErrorCode, &str)] = &[
    (
        ErrorCode::UpstreamFailed,
        "no route calls a third-party service yet",
    ),
    (
        ErrorCode::IntegrationNotConfigured,
        "only the cron drain answers it, on a server without OMNICRM_CRON_SECRET; \
         the test app always configures one",
    ),
];

/// The snapshots taken, by code.
#[derive(Default)]
struct Shapes(BTreeSet<&'static str>);

impl Shapes {
    /// Asserts `res` is the problem `code` with `status` and snapshots its body as `name`.
    #[track_caller]
    fn snapshot(&mut self, name: &str, res: &TestResponse, status: StatusCode, code: &'static str) {
        let body = res.problem(status, code);
        self.0.insert(code);
        insta::assert_json_snapshot!(name, body, {
            ".requestId" => "[requestId]",
            ".instance" => "[instance]",
            ".existingId" => "[id]",
            // The test server's origin changes per run; the problem page's path does not.
            ".type" => insta::dynamic_redaction(|value, _| {
                let url = value.as_str().unwrap_or_default();
                format!("[origin]{}", &url[url.find("/problems/").unwrap_or(0)..])
            }),
            ".detail" => insta::dynamic_redaction(|value, _| without_waits(value.as_str().unwrap_or_default())),
        });
    }
}

/// `detail` with the seconds of "retry after N s" (which depend on the clock) replaced.
fn without_waits(detail: &str) -> String {
    match detail.split_once("retry after ") {
        Some((head, tail)) => {
            let rest = tail.trim_start_matches(|c: char| c.is_ascii_digit());
            format!("{head}retry after [n]{rest}")
        }
        None => detail.to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_problem_code_has_a_snapshot_of_its_body() {
    let ctx = setup().await;
    let mut shapes = Shapes::default();
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let contact = named_contact(&alice, "Ann").await;
    let contact_id = contact["id"].as_str().unwrap();

    // 400 malformed_request: a body that is not JSON.
    let res = alice
        .send_bytes(Method::POST, "/api/v1/contacts", "application/json", "{")
        .await;
    shapes.snapshot(
        "malformed_request",
        &res,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    );

    // 400 validation_failed, with `errors` pointers.
    let res = alice
        .post_json(
            "/api/v1/contacts",
            &json!({"displayName": "", "primaryEmail": "not an email"}),
        )
        .await;
    shapes.snapshot(
        "validation_failed",
        &res,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    );

    // 401 unauthenticated.
    let res = ctx.app.anonymous().get("/api/v1/contacts").await;
    shapes.snapshot(
        "unauthenticated",
        &res,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );

    // 403 csrf_failed: a cookie session's unsafe request without the token.
    let res = ctx
        .app
        .with_session_cookie(user)
        .post_json("/api/v1/contacts", &json!({"displayName": "X"}))
        .await;
    shapes.snapshot("csrf_failed", &res, StatusCode::FORBIDDEN, "csrf_failed");

    // 403 forbidden: the cron drain with a wrong secret.
    let res = ctx
        .app
        .with_bearer("not-the-secret")
        .post("/api/v1/cron/process-jobs")
        .await;
    assert_ne!(TEST_CRON_SECRET, "not-the-secret");
    shapes.snapshot("forbidden", &res, StatusCode::FORBIDDEN, "forbidden");

    // 404 not_found: an unknown route, and another user's (or no) contact: one shape.
    let res = alice.get("/api/v1/nothing-here").await;
    shapes.snapshot("not_found_route", &res, StatusCode::NOT_FOUND, "not_found");
    let res = ctx
        .app
        .as_user(TestApp::new_user())
        .get(&format!("/api/v1/contacts/{contact_id}"))
        .await;
    shapes.snapshot(
        "not_found_resource",
        &res,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let res = alice.get("/api/v1/contacts/not-a-uuid").await;
    shapes.snapshot(
        "not_found_invalid_path",
        &res,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // 405 method_not_allowed, with `Allow`.
    let res = alice
        .send_json(Method::PUT, &format!("/api/v1/contacts/{contact_id}"), None)
        .await;
    assert_eq!(res.header("allow"), Some("DELETE, GET, PATCH"));
    shapes.snapshot(
        "method_not_allowed",
        &res,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );

    // 409 conflict: a duplicate, naming the existing contact.
    let res = alice
        .post_json(
            "/api/v1/contacts",
            &json!({"displayName": "Ann", "primaryEmail": "ann@example.com"}),
        )
        .await
        .expect(StatusCode::CREATED);
    let first: Value = res.json();
    let res = alice
        .post_json(
            "/api/v1/contacts",
            &json!({"displayName": "Ann B", "primaryEmail": "ANN@example.com"}),
        )
        .await;
    assert_eq!(res.json::<Value>()["existingId"], first["id"]);
    shapes.snapshot("conflict_duplicate", &res, StatusCode::CONFLICT, "conflict");

    // 413 payload_too_large: a JSON body over the route's limit.
    let huge = json!({"displayName": "A", "referralSource": "x".repeat(400 * 1024)});
    let res = alice.post_json("/api/v1/contacts", &huge).await;
    shapes.snapshot(
        "payload_too_large",
        &res,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );

    // 415 unsupported_media_type: a photo that is no image.
    let form = Multipart::new().file("file", "a.png", "image/png", b"%PDF-1.7\n%%EOF\n");
    let res = alice
        .post_multipart(&format!("/api/v1/contacts/{contact_id}/photo"), &form)
        .await;
    shapes.snapshot(
        "unsupported_media_type",
        &res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );

    // 500 internal: a row the application cannot read back; the cause stays in the log.
    let broken = uuid::Uuid::now_v7();
    ctx.db
        .owner()
        .await
        .unwrap()
        .execute(
            "INSERT INTO contacts (user_id, id, display_name, address) \
             VALUES ($1, $2, 'Broken', '{\"street\": 42}')",
            &[&user.into_uuid(), &broken],
        )
        .await
        .unwrap();
    let res = alice.get(&format!("/api/v1/contacts/{broken}")).await;
    shapes.snapshot(
        "internal",
        &res,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
    );

    preconditions_and_idempotency(&ctx, user, contact_id, &mut shapes).await;
    rate_limited_and_quota_exceeded(&ctx.db, &mut shapes).await;
    unavailable(&mut shapes).await;

    // Every code is snapshotted or unreachable for a stated reason, not both.
    let unreachable: BTreeSet<&str> = UNREACHABLE.iter().map(|(c, _)| c.as_str()).collect();
    for code in ErrorCode::ALL {
        let code = code.as_str();
        assert!(
            shapes.0.contains(code) != unreachable.contains(code),
            "{code}: snapshot its problem body here, or list it in UNREACHABLE with the \
             reason (and not both)"
        );
    }
}

/// 429 `rate_limited` (the public limiter, with `Retry-After`) and 413 `quota_exceeded`
/// (the storage quota), from an app with small limits.
async fn rate_limited_and_quota_exceeded(db: &TestDb, shapes: &mut Shapes) {
    let app = TestApp::spawn_with(
        db,
        TestAppOptions {
            public_rate_limit: 1,
            storage_quota_bytes: 1_000,
            ..TestAppOptions::default()
        },
    )
    .await;
    let visitor = app.anonymous();
    let status = "/api/v1/onboarding/public/tokens/unknown-token";
    let mut res = visitor.get(status).await;
    for _ in 0..5 {
        if res.status() != StatusCode::NOT_FOUND {
            break;
        }
        res = visitor.get(status).await;
    }
    assert!(res.header("retry-after").is_some());
    shapes.snapshot(
        "rate_limited",
        &res,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    );

    let alice = app.as_user(TestApp::new_user());
    let contact = named_contact(&alice, "Client").await;
    let pdf = [b"%PDF-1.4\n".as_slice(), &[b'x'; 2_000]].concat();
    let form = Multipart::new().file("file", "big.pdf", "application/pdf", &pdf);
    let res = alice
        .post_multipart(
            &format!("/api/v1/contacts/{}/files", contact["id"].as_str().unwrap()),
            &form,
        )
        .await;
    shapes.snapshot(
        "quota_exceeded_storage",
        &res,
        StatusCode::PAYLOAD_TOO_LARGE,
        "quota_exceeded",
    );
    app.stop().await;
}

/// 503 `unavailable`: the database cut off behind a proxy.
async fn unavailable(shapes: &mut Shapes) {
    let (_db, proxy, app) = behind_proxy(TestAppOptions::default()).await;
    proxy.set(ProxyMode::Reset);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let res = app
        .as_user(TestApp::new_user())
        .get("/api/v1/contacts")
        .await;
    shapes.snapshot(
        "unavailable",
        &res,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    );
    app.stop().await;
}

/// 412 and 428 (`If-Match`), 422 and 409 (`Idempotency-Key`; ADR 0016).
async fn preconditions_and_idempotency(
    ctx: &crate::common::Ctx,
    user: omnicrm_domain::UserId,
    contact_id: &str,
    shapes: &mut Shapes,
) {
    let alice = ctx.app.as_user(user);
    let path = format!("/api/v1/contacts/{contact_id}");
    let change = json!({"displayName": "Ann B"});
    let res = alice
        .clone()
        .header("if-match", "\"stale\"")
        .patch_json(&path, &change)
        .await;
    shapes.snapshot(
        "precondition_failed",
        &res,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    );

    let strict = TestApp::spawn_with(
        &ctx.db,
        TestAppOptions {
            require_if_match: true,
            ..TestAppOptions::default()
        },
    )
    .await;
    let res = strict.as_user(user).patch_json(&path, &change).await;
    shapes.snapshot(
        "precondition_required",
        &res,
        StatusCode::PRECONDITION_REQUIRED,
        "precondition_required",
    );

    let keyed = alice.clone().header("idempotency-key", "shape-key");
    keyed
        .post_json("/api/v1/tags", &json!({"name": "Shape A"}))
        .await
        .expect(StatusCode::CREATED);
    let res = keyed
        .post_json("/api/v1/tags", &json!({"name": "Shape B"}))
        .await;
    shapes.snapshot(
        "idempotency_key_reused",
        &res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    );

    // A claim whose first request has not finished: the fingerprint the middleware
    // computes (method, path, query, content type, body).
    let body = json!({"name": "Shape C"});
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    for part in ["POST", "/api/v1/tags", "", "application/json"] {
        digest.update(part.as_bytes());
        digest.update(b"\0");
    }
    digest.update(&serde_json::to_vec(&body).unwrap());
    let fingerprint = digest.finish().as_ref().to_vec();
    ctx.db
        .owner()
        .await
        .unwrap()
        .execute(
            "INSERT INTO idempotency_keys (user_id, idempotency_key, fingerprint) \
             VALUES ($1, 'in-flight', $2)",
            &[&user.into_uuid(), &fingerprint],
        )
        .await
        .unwrap();
    let res = alice
        .clone()
        .header("idempotency-key", "in-flight")
        .post_json("/api/v1/tags", &body)
        .await;
    shapes.snapshot(
        "idempotency_key_in_flight",
        &res,
        StatusCode::CONFLICT,
        "idempotency_key_in_flight",
    );
}
