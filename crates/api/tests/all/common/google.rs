//! Google fixtures: an app whose Google endpoints are a [`FakeGoogle`], and the browser's
//! walk through connect → consent → callback.

use omnicrm_domain::UserId;
use omnicrm_testkit::{FakeGoogle, TestApp, TestAppOptions, TestDb};
use reqwest::StatusCode;

/// A database, a fake Google and the app pointed at it.
pub struct GoogleCtx {
    pub db: TestDb,
    pub google: FakeGoogle,
    pub app: TestApp,
}

/// A fresh database, a fake Google, and the app configured with the fake's client.
pub async fn setup() -> GoogleCtx {
    let db = TestDb::new().await.unwrap();
    let google = FakeGoogle::start().await;
    let app = TestApp::spawn_with(
        &db,
        TestAppOptions {
            google: google.options(),
            ..TestAppOptions::default()
        },
    )
    .await;
    GoogleCtx { db, google, app }
}

/// A client that does not follow redirects (the tests look at each hop).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `GET /google/{service}/connect` as `user`: Google's consent URL (asserts the 302).
pub async fn start_connect(app: &TestApp, user: UserId, service: &str) -> String {
    let res = browser()
        .get(format!("{}/api/v1/google/{service}/connect", app.base_url))
        .bearer_auth(TestApp::token(user))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    location(&res)
}

/// Follows a callback URL (no session: the browser carries none to it) and returns where
/// the app sent the browser.
pub async fn follow_callback(callback_url: &str) -> String {
    let res = browser().get(callback_url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    location(&res)
}

/// The whole walk: connect, consent at the fake, callback. Returns the final redirect.
pub async fn connect(ctx: &GoogleCtx, user: UserId, service: &str) -> String {
    let consent = start_connect(&ctx.app, user, service).await;
    let callback = ctx.google.consent(&consent).await;
    follow_callback(&callback).await
}

/// The `location` header.
pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .to_owned()
}

/// The value of `key` in a URL's query.
pub fn query_param(url: &str, key: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}
