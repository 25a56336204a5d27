//! Fixtures shared by the api tests: a database with the app over it, and small request
//! fixtures over a [`Requester`] (`create_contact(&alice, json!(..))`).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod ai;
pub mod auth;
pub mod contacts;
pub mod fair_share;
pub mod files;
pub mod google;
pub mod google_sync;
pub mod habits;
pub mod identities;
pub mod insights;
pub mod jobs;
pub mod notes;
pub mod onboarding;
pub mod pulse;
pub mod search;
pub mod tags;
pub mod tasks;
pub mod timeline;
pub mod user_data;

use std::time::Duration;

use omnicrm_testkit::{ChaosProxy, Requester, TestApp, TestAppOptions, TestDb};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A database and the app over it.
pub struct Ctx {
    pub db: TestDb,
    pub app: TestApp,
}

/// A fresh database and the app over it.
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

/// Creates a contact and returns its JSON.
pub async fn create_contact(as_user: &Requester<'_>, body: Value) -> Value {
    as_user
        .post_json("/api/v1/contacts", &body)
        .await
        .ok_json(StatusCode::CREATED)
}

/// Creates a contact with only a display name and returns its JSON.
pub async fn named_contact(as_user: &Requester<'_>, name: &str) -> Value {
    create_contact(as_user, json!({ "displayName": name })).await
}
