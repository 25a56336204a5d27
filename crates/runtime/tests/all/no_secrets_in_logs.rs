//! No bearer secret or personal data in logs at any level: a realistic flow runs under the
//! production subscriber at debug (the PostgreSQL driver included), and the captured output
//! is searched for every token, email, phone, name and note text the flow used.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use omnicrm_testkit::{TestApp, TestDb};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Everything written to the subscriber.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

async fn send(req: reqwest::RequestBuilder, status: StatusCode) -> Value {
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), status);
    res.json().await.unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_flow_at_debug_level_logs_no_secret_and_no_personal_data() {
    let capture = Capture::default();
    // What an operator chasing a problem would set, the driver's statements included.
    assert!(omnicrm_runtime::telemetry::init_with_writer(
        "debug,tokio_postgres=debug,actix_web=debug,actix_server=debug,omnicrm_api=trace",
        true,
        capture.clone(),
    ));

    let db = TestDb::new().await.expect("test database");
    let app = TestApp::spawn(&db).await;
    let user = TestApp::new_user();
    let bearer = TestApp::token(user);

    let name = "Zebulon Quartermaine";
    let email = "zebulon.quartermaine@example.org";
    let phone = "+44 20 7946 0321";
    let note = "Prefers calls after the Kilimanjaro trip";
    let client_name = "Ottoline Vantablack";
    let client_email = "ottoline.vantablack@example.net";
    let client_phone = "+1 415 555 0199";
    let client_request_id = "client-trace-7f3a";

    let contact = send(
        app.as_user(user)
            .request(Method::POST, "/api/v1/contacts")
            .header("x-request-id", client_request_id)
            .json(&json!({"displayName": name, "primaryEmail": email, "primaryPhone": phone})),
        StatusCode::CREATED,
    )
    .await;
    let contact_id = contact["id"].as_str().unwrap().to_owned();
    send(
        app.as_user(user)
            .request(Method::POST, "/api/v1/notes")
            .json(&json!({"contactId": contact_id, "contentPlain": note})),
        StatusCode::CREATED,
    )
    .await;
    send(
        app.as_user(user).request(
            Method::GET,
            &format!("/api/v1/contacts?search={}", "Quartermaine"),
        ),
        StatusCode::OK,
    )
    .await;
    // A duplicate is refused (409): refusals are logged too.
    send(
        app.as_user(user)
            .request(Method::POST, "/api/v1/contacts")
            .json(&json!({"displayName": name, "primaryEmail": email})),
        StatusCode::CONFLICT,
    )
    .await;

    let created = send(
        app.as_user(user)
            .request(Method::POST, "/api/v1/onboarding/admin/tokens")
            .json(&json!({"label": "front desk"})),
        StatusCode::CREATED,
    )
    .await;
    let onboarding_token = created["token"].as_str().unwrap().to_owned();
    send(
        app.http.get(app.url(&format!(
            "/api/v1/onboarding/public/tokens/{onboarding_token}"
        ))),
        StatusCode::OK,
    )
    .await;
    send(
        app.http
            .post(app.url("/api/v1/onboarding/public/submit"))
            .json(&json!({
                "token": onboarding_token,
                "client": {"displayName": client_name, "primaryEmail": client_email,
                           "primaryPhone": client_phone},
                "consent": {},
            })),
        StatusCode::CREATED,
    )
    .await;
    // A wrong token and a bad bearer are refused without echoing them into the logs.
    let wrong_token = "wrongtoken-Hq2v9xZ81mPq";
    app.http
        .get(app.url(&format!("/api/v1/onboarding/public/tokens/{wrong_token}")))
        .send()
        .await
        .unwrap();
    let bad_bearer = format!("{bearer}x");
    app.http
        .get(app.url("/api/v1/contacts"))
        .bearer_auth(&bad_bearer)
        .send()
        .await
        .unwrap();

    app.stop().await;
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();

    // The capture really saw the requests, under their route templates, with both ids.
    assert!(
        logs.contains("/api/v1/onboarding/public/tokens/{token}"),
        "route templates are logged"
    );
    assert!(
        logs.contains(client_request_id),
        "the client's request id is kept"
    );
    assert!(logs.contains("request.client_id"), "as a field of its own");

    let signature = bearer.rsplit('.').next().unwrap();
    for (what, secret) in [
        ("bearer token", bearer.as_str()),
        ("bearer signature", signature),
        ("onboarding token", onboarding_token.as_str()),
        ("wrong onboarding token", wrong_token),
        ("contact name", name),
        ("contact surname", "Quartermaine"),
        ("contact email", email),
        ("contact email local part", "zebulon.quartermaine"),
        ("contact phone", phone),
        ("contact phone digits", "79460321"),
        ("note", "Kilimanjaro"),
        ("client name", client_name),
        ("client email", client_email),
        ("client phone", client_phone),
        ("client phone digits", "4155550199"),
    ] {
        // Also as the driver would print a bound parameter: `Some([122, 101, ..])`.
        let as_bytes = secret
            .bytes()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let found = logs.find(secret).or_else(|| logs.find(&as_bytes));
        if let Some(at) = found {
            let start = logs[..at].rfind('\n').map_or(0, |i| i + 1);
            let end = logs[at..].find('\n').map_or(logs.len(), |i| at + i);
            panic!("the {what} is in the logs:\n{}", &logs[start..end]);
        }
    }
}
