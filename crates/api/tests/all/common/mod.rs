#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod auth;
pub mod contacts;
pub mod fair_share;
pub mod files;
pub mod identities;
pub mod jobs;
pub mod notes;
pub mod onboarding;
pub mod tags;
pub mod user_data;

use omnicrm_domain::UserId;
use std::time::Duration;

use omnicrm_testkit::{ChaosProxy, TestApp, TestAppOptions, TestDb};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

/// A database and the app over it.
pub struct Ctx {
    pub db: TestDb,
    pub app: TestApp,
}

pub async fn setup() -> Ctx {
    let db = TestDb::new().await.expect("test database");
    let app = TestApp::spawn(&db).await;
    Ctx { db, app }
}

/// An app whose database connections go through a [`ChaosProxy`], with short timeouts
/// (connect 1 s, statement 2 s) so an outage shows within seconds. `options` sets anything
/// else; its URL and timeouts are replaced.
pub async fn behind_proxy(options: TestAppOptions) -> (TestDb, ChaosProxy, TestApp) {
    let db = TestDb::new().await.expect("test database");
    let proxy = ChaosProxy::start(db.server_addr()).await.expect("proxy");
    let app = TestApp::spawn_with(
        &db,
        TestAppOptions {
            database_url: Some(db.app_url_via(proxy.addr)),
            connect_timeout: Duration::from_secs(1),
            statement_timeout: Duration::from_secs(2),
            ..options
        },
    )
    .await;
    (db, proxy, app)
}

impl Ctx {
    pub async fn send(
        &self,
        user: UserId,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut req = self.app.as_user(user).request(method, path);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.expect("request")
    }

    /// Creates a contact and returns its JSON.
    pub async fn create_contact(&self, user: UserId, body: Value) -> Value {
        let res = self
            .send(user, Method::POST, "/api/v1/contacts", Some(body))
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json().await.expect("json")
    }

    pub async fn named(&self, user: UserId, name: &str) -> Value {
        self.create_contact(user, json!({ "displayName": name }))
            .await
    }
}

/// Asserts a problem response and returns its body.
pub async fn problem(res: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status, "unexpected status");
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let request_id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body: Value = res.json().await.expect("problem json");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(body["requestId"], request_id.as_str());
    assert!(
        body["type"]
            .as_str()
            .unwrap_or("")
            .ends_with(&format!("/problems/{}", code.replace('_', "-")))
    );
    body
}

pub fn pointers(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["pointer"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
