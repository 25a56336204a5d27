//! Fixtures of the search tests: rows of tables whose routes live elsewhere, inserted
//! directly (as the Google sync, the tasks routes and document uploads would).

use crate::common::Ctx;
use omnicrm_domain::UserId;
use omnicrm_testkit::Requester;
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

/// Runs `sql` as the database owner after making sure `user` has a tenant row. Texts are
/// dollar-quoted (`$t$..$t$`) by the callers: test data never contains `$t$`.
async fn owner_exec(ctx: &Ctx, user: UserId, sql: &str) {
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO tenants (user_id) VALUES ('{user}') ON CONFLICT DO NOTHING; {sql}"
        ))
        .await
        .unwrap();
}

/// An email on the timeline (no contact).
pub(crate) async fn seed_interaction(ctx: &Ctx, user: UserId, subject: &str, body: &str) -> Uuid {
    let id = Uuid::now_v7();
    let sql = format!(
        "INSERT INTO interactions (user_id, id, type, subject, body_text, occurred_at, source, source_id)
         VALUES ('{user}', '{id}', 'email', $t${subject}$t$, $t${body}$t$, now(), 'gmail', '{id}')"
    );
    owner_exec(ctx, user, &sql).await;
    id
}

/// A task with a description.
pub(crate) async fn seed_task(ctx: &Ctx, user: UserId, name: &str, description: &str) -> Uuid {
    let id = Uuid::now_v7();
    let sql = format!(
        "INSERT INTO tasks (user_id, id, name, details)
         VALUES ('{user}', '{id}', $t${name}$t$, jsonb_build_object('description', $t${description}$t$::text))"
    );
    owner_exec(ctx, user, &sql).await;
    id
}

/// A practitioner goal with a description.
pub(crate) async fn seed_goal(ctx: &Ctx, user: UserId, name: &str, description: &str) -> Uuid {
    let id = Uuid::now_v7();
    let sql = format!(
        "INSERT INTO goals (user_id, id, name, goal_type, details)
         VALUES ('{user}', '{id}', $t${name}$t$, 'practitioner_business',
                 jsonb_build_object('description', $t${description}$t$::text))"
    );
    owner_exec(ctx, user, &sql).await;
    id
}

/// A document with a title and text.
pub(crate) async fn seed_document(ctx: &Ctx, user: UserId, title: &str, text: &str) -> Uuid {
    let id = Uuid::now_v7();
    let sql = format!(
        "INSERT INTO documents (user_id, id, title, text, mime)
         VALUES ('{user}', '{id}', $t${title}$t$, $t${text}$t$, 'text/plain')"
    );
    owner_exec(ctx, user, &sql).await;
    id
}

/// `GET /api/v1/search` with the query string `query` (already encoded), answered 200.
pub(crate) async fn search(as_user: &Requester<'_>, query: &str) -> Value {
    as_user
        .get(&format!("/api/v1/search?{query}"))
        .await
        .ok_json(StatusCode::OK)
}

/// `(type, id)` of each result, in order.
pub(crate) fn hits(answer: &Value) -> Vec<(String, String)> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["type"].as_str().unwrap().to_owned(),
                r["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}
