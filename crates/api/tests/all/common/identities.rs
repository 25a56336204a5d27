//! Fixtures shared by the tests of identities.rs

use omnicrm_testkit::Requester;
use serde_json::Value;
use time::{Duration, OffsetDateTime};

pub(crate) const IDENTITIES: &str = "/api/v1/data-intelligence/contact-identities";

pub(crate) const IGNORED: &str = "/api/v1/data-intelligence/ignored-identifiers";

pub(crate) async fn identity(
    as_user: &Requester<'_>,
    body: Value,
) -> omnicrm_testkit::TestResponse {
    as_user.post_json(IDENTITIES, &body).await
}

pub(crate) fn values(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].as_str().unwrap().to_owned())
        .collect()
}

/// One "now" per test binary, so timestamps computed twice agree.
pub(crate) static NOW: std::sync::LazyLock<OffsetDateTime> =
    std::sync::LazyLock::new(|| OffsetDateTime::now_utc().replace_nanosecond(0).unwrap());

pub(crate) fn at(days_ago: i64) -> OffsetDateTime {
    *NOW - Duration::days(days_ago)
}
