//! `/api/v1/omni-momentum/inbox/...` and `/api/v1/cron/process-inbox`.

mod bulk;
mod capture;
mod process;
mod queue;
mod tenancy;
mod user_data;
mod voice;

use omnicrm_testkit::Requester;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(crate) const INBOX: &str = "/api/v1/omni-momentum/inbox";

/// Captures `text`; the item.
pub(crate) async fn capture(as_user: &Requester<'_>, text: &str) -> Value {
    as_user
        .post_json(INBOX, &json!({ "rawText": text }))
        .await
        .ok_json(StatusCode::CREATED)
}

/// The item's path.
pub(crate) fn item_path(item: &Value) -> String {
    format!("{INBOX}/{}", item["id"].as_str().unwrap())
}
