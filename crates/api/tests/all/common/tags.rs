//! Fixtures shared by the tests of tags.rs

use crate::common::Ctx;
use crate::common::named_contact;
use omnicrm_domain::UserId;
use omnicrm_testkit::Requester;
use omnicrm_testkit::TestResponse;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// Number of templates seeded by migration 000004.
pub(crate) const SYSTEM_TAGS: u64 = 67;

/// Every tag of the user (at most 200), by name.
pub(crate) async fn all_tags(as_user: &Requester<'_>) -> Vec<Value> {
    as_user
        .get("/api/v1/tags?pageSize=200")
        .await
        .ok_json(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone()
}

pub(crate) async fn system_tag(as_user: &Requester<'_>, name: &str) -> Value {
    all_tags(as_user)
        .await
        .into_iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no tag {name}"))
}

pub(crate) async fn new_tag(as_user: &Requester<'_>, name: &str) -> String {
    let created = as_user
        .post_json("/api/v1/tags", &json!({ "name": name }))
        .await
        .ok_json(StatusCode::CREATED);
    created["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn new_contact(as_user: &Requester<'_>, name: &str) -> String {
    named_contact(as_user, name).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) fn assignment(entity_type: &str, entity_id: &str, tag_ids: &[&str]) -> Value {
    json!({ "entityType": entity_type, "entityId": entity_id, "tagIds": tag_ids })
}

pub(crate) async fn apply(
    as_user: &Requester<'_>,
    entity_type: &str,
    id: &str,
    tags: &[&str],
) -> TestResponse {
    as_user
        .post_json("/api/v1/tags/apply", &assignment(entity_type, id, tags))
        .await
}

pub(crate) async fn remove(
    as_user: &Requester<'_>,
    entity_type: &str,
    id: &str,
    tags: &[&str],
) -> TestResponse {
    as_user
        .post_json("/api/v1/tags/remove", &assignment(entity_type, id, tags))
        .await
}

/// Inserts a task, note or goal behind the API's back (their routes are built elsewhere).
pub(crate) async fn insert_entity(ctx: &Ctx, user: UserId, kind: &str, contact: &str) -> String {
    let owner = ctx.db.owner().await.unwrap();
    let id = Uuid::now_v7();
    let contact = Uuid::parse_str(contact).unwrap();
    let user = user.into_uuid();
    match kind {
        "task" => owner
            .execute(
                "INSERT INTO tasks (user_id, id, name) VALUES ($1, $2, 'Call back')",
                &[&user, &id],
            )
            .await
            .unwrap(),
        "note" => owner
            .execute(
                "INSERT INTO notes (user_id, id, contact_id, content_plain) VALUES ($1, $2, $3, 'n')",
                &[&user, &id, &contact],
            )
            .await
            .unwrap(),
        "goal" => owner
            .execute(
                "INSERT INTO goals (user_id, id, contact_id, name, goal_type) \
                 VALUES ($1, $2, $3, 'Sleep better', 'client_wellness')",
                &[&user, &id, &contact],
            )
            .await
            .unwrap(),
        other => panic!("unknown kind {other}"),
    };
    id.to_string()
}

/// `(tags.usage_count, number of junction rows)` of a tag, read as the owner.
pub(crate) async fn usage(ctx: &Ctx, tag: &str) -> (i64, i64) {
    let owner = ctx.db.owner().await.unwrap();
    let tag = Uuid::parse_str(tag).unwrap();
    let row = owner
        .query_one(
            "SELECT t.usage_count::bigint, \
                    (SELECT count(*) FROM contact_tags WHERE tag_id = t.id) \
                  + (SELECT count(*) FROM task_tags WHERE tag_id = t.id) \
                  + (SELECT count(*) FROM note_tags WHERE tag_id = t.id) \
                  + (SELECT count(*) FROM goal_tags WHERE tag_id = t.id) \
             FROM tags t WHERE t.id = $1",
            &[&tag],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

pub(crate) fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}
