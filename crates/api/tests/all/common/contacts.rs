//! Fixtures shared by the tests of contacts_more.rs

use crate::common::Ctx;
use omnicrm_domain::UserId;
use serde_json::Value;
use uuid::Uuid;

pub(crate) fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["displayName"].as_str().unwrap().to_owned())
        .collect()
}

pub(crate) fn id_of(contact: &Value) -> String {
    contact["id"].as_str().unwrap().to_owned()
}

/// Runs SQL as the owner (bypassing RLS), for rows other features own.
pub(crate) async fn sql(ctx: &Ctx, statements: &str) {
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(statements)
        .await
        .unwrap();
}

pub(crate) async fn add_tag(
    ctx: &Ctx,
    user: UserId,
    name: &str,
    color: &str,
    category: &str,
) -> Uuid {
    let id = Uuid::now_v7();
    sql(
        ctx,
        &format!(
            "INSERT INTO tenants (user_id) VALUES ('{user}') ON CONFLICT DO NOTHING;
             INSERT INTO tags (user_id, id, name, color, category)
             VALUES ('{user}', '{id}', '{name}', '{color}', '{category}')"
        ),
    )
    .await;
    id
}

pub(crate) async fn tag_contact(ctx: &Ctx, user: UserId, contact: &str, tag: Uuid) {
    sql(
        ctx,
        &format!(
            "INSERT INTO contact_tags (user_id, contact_id, tag_id, created_by)
             VALUES ('{user}', '{contact}', '{tag}', '{user}')"
        ),
    )
    .await;
}

pub(crate) async fn add_note(
    ctx: &Ctx,
    user: UserId,
    contact: &str,
    text: &str,
    minutes_ago: i64,
) -> Uuid {
    let id = Uuid::now_v7();
    sql(
        ctx,
        &format!(
            "INSERT INTO notes (user_id, id, contact_id, content_plain, created_at)
             VALUES ('{user}', '{id}', '{contact}', '{text}', now() - interval '{minutes_ago} minutes')"
        ),
    )
    .await;
    id
}
