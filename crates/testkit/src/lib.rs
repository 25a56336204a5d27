//! Test harness for OmniCRM.
//!
//! * [`TestDb`]: a database of its own per test, cloned from the template database that
//!   `scripts/test` migrated once (`OMNICRM_TEST_DATABASE_URL`), dropped afterwards.
//! * [`TestApp`]: the real application composition served on a random local port.
//! * [`Requester`] / [`TestResponse`]: `app.as_user(u).get(path).await`, requests that read
//!   like the API (see [`request`](crate::Requester)).
//! * [`ChaosProxy`]: a TCP proxy between app and Postgres that a test can cut.
//!
//! Tests using these run in parallel; nothing is shared but the cluster.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test support code")]

mod ai;
mod app;
mod db;
mod google;
mod google_api;
mod proxy;
mod request;
pub mod semantic;

pub use ai::{
    FAKE_AI_KEY, FAKE_CHAT_COST_USD, FAKE_EMBED_DIMENSIONS, FakeAi, FakeReply, TestAi,
    fake_embedding,
};
pub use app::{TEST_CRON_SECRET, TEST_JWT_SECRET, TEST_MASTER_KEY, TestApp, TestAppOptions};
pub use app::{TEST_KEY_ID, TestGoogle, test_vault};
pub use db::TestDb;
pub use google::{FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FakeGoogle};
pub use google_api::{FakeMail, encoded_word};
pub use proxy::{ChaosProxy, ProxyMode};
pub use request::{Multipart, Requester, TestResponse, pointers};
