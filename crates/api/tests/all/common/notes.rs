//! Fixtures shared by the tests of notes.rs

use crate::common::Ctx;
use crate::common::named_contact;
use omnicrm_domain::UserId;
use omnicrm_testkit::Requester;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

pub(crate) async fn contact(as_user: &Requester<'_>, name: &str) -> String {
    named_contact(as_user, name).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn create_note(as_user: &Requester<'_>, body: Value) -> Value {
    let res = as_user.post_json("/api/v1/notes", &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json()
}

/// Inserts a tag for `user` directly (the tag routes live elsewhere).
pub(crate) async fn seed_tag(ctx: &Ctx, user: UserId, name: &str) -> Uuid {
    let id = Uuid::now_v7();
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO tenants (user_id) VALUES ('{user}') ON CONFLICT DO NOTHING;
             INSERT INTO tags (user_id, id, name) VALUES ('{user}', '{id}', '{name}');"
        ))
        .await
        .unwrap();
    id
}

/// Inserts a practitioner goal for `user` directly.
pub(crate) async fn seed_goal(ctx: &Ctx, user: UserId, name: &str) -> Uuid {
    let id = Uuid::now_v7();
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO tenants (user_id) VALUES ('{user}') ON CONFLICT DO NOTHING;
             INSERT INTO goals (user_id, id, name, goal_type)
             VALUES ('{user}', '{id}', '{name}', 'practitioner_business');"
        ))
        .await
        .unwrap();
    id
}

/// One value of a single-row owner query, as text.
pub(crate) async fn sql_text(ctx: &Ctx, sql: &str) -> String {
    let row = ctx
        .db
        .owner()
        .await
        .unwrap()
        .query_one(sql, &[])
        .await
        .unwrap();
    row.get::<_, String>(0)
}

pub(crate) fn rich_doc() -> Value {
    json!({"type": "doc", "content": [
        {"type": "paragraph", "content": [
            {"type": "text", "text": "Reach her at "},
            {"type": "text", "marks": [{"type": "link", "attrs": {"href": "mailto:ann.lee@example.com"}}],
             "text": "ann.lee@example.com"},
            {"type": "text", "text": " or 555-"},
            {"type": "text", "marks": [{"type": "bold"}], "text": "987-6543"},
            {"type": "text", "text": "."}
        ]},
        {"type": "paragraph", "content": [
            {"type": "text", "text": "Lives at 42 Elm Street; card 4111 1111 1111 1111."}
        ]}
    ]})
}
