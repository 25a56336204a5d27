//! `GET /omni-momentum/stats`: the figures at a glance, in the user's time zone.

use crate::common::setup;
use crate::common::tasks::*;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_count_tasks_projects_habits_done_today_and_the_inbox() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let bob = ctx.app.as_user(TestApp::new_user());
    let zone = "Pacific/Kiritimati";
    alice
        .patch_json("/api/v1/user-profile", &json!({"timezone": zone}))
        .await
        .expect(StatusCode::OK);
    let empty = alice
        .get("/api/v1/omni-momentum/stats")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(empty["tasks"]["total"], 0);
    assert_eq!(empty["inbox"]["unprocessed"], 0);

    let yesterday = local_date(&ctx, zone, -1).await;
    let today = local_date(&ctx, zone, 0).await;
    for body in [
        json!({"name": "late", "dueDate": yesterday}),
        json!({"name": "late too", "status": "in_progress", "dueDate": yesterday}),
        json!({"name": "today", "dueDate": today}),
        json!({"name": "done late", "status": "done", "dueDate": yesterday}),
        json!({"name": "suggested", "status": "pending_approval", "dueDate": yesterday}),
    ] {
        create_task(&alice, body).await;
    }
    create_task(&bob, json!({"name": "bob", "dueDate": yesterday})).await;
    create_project(&alice, json!({"name": "A"})).await;
    create_project(&alice, json!({"name": "B", "status": "completed"})).await;
    let (walk, read, old) = (
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
    );
    owner_sql(
        &ctx,
        &format!(
            "INSERT INTO habits (user_id, id, name) VALUES ('{user}', '{walk}', 'Walk'), ('{user}', '{read}', 'Read');
             INSERT INTO habits (user_id, id, name, is_active) VALUES ('{user}', '{old}', 'Old', false);
             INSERT INTO habit_completions (user_id, id, habit_id, completed_date) VALUES
                 ('{user}', gen_random_uuid(), '{walk}', '{today}'),
                 ('{user}', gen_random_uuid(), '{read}', '{yesterday}'),
                 ('{user}', gen_random_uuid(), '{old}', '{today}');
             INSERT INTO inbox_items (user_id, id, raw_text, status) VALUES
                 ('{user}', gen_random_uuid(), 'idea', 'unprocessed'),
                 ('{user}', gen_random_uuid(), 'idea 2', 'unprocessed'),
                 ('{user}', gen_random_uuid(), 'done', 'processed');"
        ),
    )
    .await;

    let stats = alice
        .get("/api/v1/omni-momentum/stats")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(
        stats,
        json!({
            "tasks": {"total": 4, "completed": 1, "inProgress": 1, "overdue": 2, "pendingApproval": 1},
            "projects": {"total": 2, "active": 1, "completed": 1},
            "habits": {"active": 2, "completedToday": 1},
            "inbox": {"unprocessed": 2}
        })
    );
}
