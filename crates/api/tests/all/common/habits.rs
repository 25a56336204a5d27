//! Fixtures shared by the tests of `/omni-momentum/habits`.

use omnicrm_domain::{local_date, zone};
use omnicrm_testkit::{Requester, TestResponse};
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

pub(crate) const HABITS: &str = "/api/v1/omni-momentum/habits";

/// Creates a habit from `body` and returns it.
pub(crate) async fn new_habit(as_user: &Requester<'_>, body: Value) -> Value {
    as_user
        .post_json(HABITS, &body)
        .await
        .ok_json(StatusCode::CREATED)
}

/// Creates a daily yes/no habit named `name` and returns its id.
pub(crate) async fn habit_id(as_user: &Requester<'_>, name: &str) -> String {
    new_habit(as_user, json!({ "name": name })).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Sets the user's profile time zone.
pub(crate) async fn set_timezone(as_user: &Requester<'_>, tz: &str) {
    as_user
        .patch_json("/api/v1/user-profile", &json!({ "timezone": tz }))
        .await
        .ok_json(StatusCode::OK);
}

/// The user's local date `days_ago` days before today in `tz`, as `YYYY-MM-DD`.
pub(crate) fn day_in(tz: &str, days_ago: i64) -> String {
    let today = local_date(OffsetDateTime::now_utc(), zone(tz));
    (today - Duration::days(days_ago)).to_string()
}

/// `POST /habits/{habit}/completions` with `body`.
pub(crate) async fn complete(as_user: &Requester<'_>, habit: &str, body: Value) -> TestResponse {
    as_user
        .post_json(&format!("{HABITS}/{habit}/completions"), &body)
        .await
}

/// Records the habit done on each day `days_ago` (in `tz`) and returns the completions.
pub(crate) async fn complete_days(
    as_user: &Requester<'_>,
    habit: &str,
    tz: &str,
    days_ago: &[i64],
) -> Vec<Value> {
    let mut done = Vec::new();
    for ago in days_ago {
        done.push(
            complete(as_user, habit, json!({ "completedDate": day_in(tz, *ago) }))
                .await
                .ok_json(StatusCode::CREATED),
        );
    }
    done
}
