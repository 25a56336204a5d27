//! Fixtures shared by the tests of `/omni-momentum/pulse`.

use omnicrm_testkit::Requester;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(crate) const PULSE: &str = "/api/v1/omni-momentum/pulse";

/// The three required ratings.
pub(crate) fn ratings(time: f64, energy: f64, mood: f64) -> Value {
    json!({"time": time, "energy": energy, "mood": mood})
}

/// Records the entry of `day` and returns it.
pub(crate) async fn log_day(as_user: &Requester<'_>, day: &str, details: Value) -> Value {
    as_user
        .post_json(PULSE, &json!({"logDate": day, "details": details}))
        .await
        .ok_json(StatusCode::CREATED)
}
