//! Fixtures shared by the OmniMomentum zone, project and task tests.

use crate::common::Ctx;
use crate::common::named_contact;
use omnicrm_testkit::Requester;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Zone ids of migration 000003 (UUIDv5 of `zone:<name>`).
pub(crate) const SELF_CARE: &str = "499b44eb-399c-5f11-9240-bd942102ab2c";
pub(crate) const CLIENT_CARE: &str = "c24e3925-258c-5d5b-86e6-9df1478feae3";

pub(crate) const TASKS: &str = "/api/v1/omni-momentum/tasks";
pub(crate) const PROJECTS: &str = "/api/v1/omni-momentum/projects";

pub(crate) async fn create_task(as_user: &Requester<'_>, body: Value) -> Value {
    as_user
        .post_json(TASKS, &body)
        .await
        .ok_json(StatusCode::CREATED)
}

/// A task with only a name; its id.
pub(crate) async fn task_named(as_user: &Requester<'_>, name: &str) -> String {
    id_of(&create_task(as_user, json!({ "name": name })).await)
}

pub(crate) async fn create_project(as_user: &Requester<'_>, body: Value) -> Value {
    as_user
        .post_json(PROJECTS, &body)
        .await
        .ok_json(StatusCode::CREATED)
}

pub(crate) async fn contact_id(as_user: &Requester<'_>, name: &str) -> String {
    id_of(&named_contact(as_user, name).await)
}

pub(crate) async fn tag_id(as_user: &Requester<'_>, name: &str) -> String {
    id_of(
        &as_user
            .post_json("/api/v1/tags", &json!({ "name": name }))
            .await
            .ok_json(StatusCode::CREATED),
    )
}

pub(crate) fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

/// The names of a list answer's items, in order.
pub(crate) async fn names(as_user: &Requester<'_>, path: &str) -> Vec<String> {
    let page = as_user.get(path).await.ok_json(StatusCode::OK);
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

/// A date relative to the user's local today, computed by PostgreSQL (`days` may be
/// negative), as `YYYY-MM-DD`.
pub(crate) async fn local_date(ctx: &Ctx, time_zone: &str, days: i32) -> String {
    let row = ctx
        .db
        .owner()
        .await
        .unwrap()
        .query_one(
            &format!(
                "SELECT to_char((now() AT TIME ZONE '{time_zone}')::date + {days}, 'YYYY-MM-DD')"
            ),
            &[],
        )
        .await
        .unwrap();
    row.get::<_, String>(0)
}

/// Runs owner SQL (seeding tables whose routes live elsewhere).
pub(crate) async fn owner_sql(ctx: &Ctx, sql: &str) {
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(sql)
        .await
        .unwrap();
}
