//! Completing a recurring task creates its next occurrence, in the user's time zone.

use crate::common::setup;
use crate::common::tasks::*;
use omnicrm_testkit::{Requester, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn complete(as_user: &Requester<'_>, id: &str) -> Value {
    as_user
        .patch_json(&format!("{TASKS}/{id}"), &json!({"status": "done"}))
        .await
        .ok_json(StatusCode::OK)
}

/// The open occurrences of tasks named `name`.
async fn open_named(as_user: &Requester<'_>, name: &str) -> Vec<Value> {
    let page = as_user
        .get(&format!("{TASKS}?search={name}&status=todo"))
        .await
        .ok_json(StatusCode::OK);
    page["items"].as_array().unwrap().clone()
}

async fn next_due(as_user: &Requester<'_>, body: Value) -> String {
    let name = body["name"].as_str().unwrap().to_owned();
    let id = id_of(&create_task(as_user, body).await);
    complete(as_user, &id).await;
    let open = open_named(as_user, &name).await;
    assert_eq!(open.len(), 1, "{open:?}");
    open[0]["dueDate"].as_str().unwrap_or("none").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_occurrence_follows_the_rule_and_keeps_the_task_as_it_was() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let tag = tag_id(&alice, "Routine").await;
    let ann = contact_id(&alice, "Ann").await;
    let first = create_task(
        &alice,
        json!({"name": "Stretch", "dueDate": "2030-01-07", "recurrence": "FREQ=DAILY;INTERVAL=2",
               "priority": "high", "tagIds": [tag], "contactIds": [ann], "zoneId": SELF_CARE}),
    )
    .await;
    let path = format!("{TASKS}/{}/subtasks", id_of(&first));
    let step = alice
        .post_json(&path, &json!({"title": "Warm up"}))
        .await
        .ok_json(StatusCode::CREATED);
    alice
        .patch_json(
            &format!("{path}/{}", id_of(&step)),
            &json!({"completed": true}),
        )
        .await
        .expect(StatusCode::OK);
    complete(&alice, &id_of(&first)).await;
    let open = open_named(&alice, "Stretch").await;
    assert_eq!(open.len(), 1);
    let next = &open[0];
    assert_eq!(next["dueDate"], "2030-01-09");
    assert_eq!(next["recurrence"], "FREQ=DAILY;INTERVAL=2");
    assert_eq!(next["priority"], "high");
    assert_eq!(next["zoneId"], SELF_CARE);
    assert_eq!(next["tags"][0]["name"], "Routine");
    assert_eq!(next["contactIds"], json!([ann]));
    assert_eq!(next["subtasks"][0]["title"], "Warm up");
    assert_eq!(next["subtasks"][0]["completed"], false);

    // Reopening and completing again creates no second occurrence.
    alice
        .patch_json(
            &format!("{TASKS}/{}", id_of(&first)),
            &json!({"status": "todo"}),
        )
        .await
        .expect(StatusCode::OK);
    complete(&alice, &id_of(&first)).await;
    assert_eq!(open_named(&alice, "Stretch").await.len(), 1);

    // 2030-01-07 is a Monday.
    let weekly = json!({"name": "Yoga", "dueDate": "2030-01-07",
                        "recurrence": "FREQ=WEEKLY;BYDAY=MO,TH"});
    assert_eq!(next_due(&alice, weekly).await, "2030-01-10");
    let monthly = json!({"name": "Invoices", "dueDate": "2030-01-31",
                         "recurrence": "FREQ=MONTHLY;BYMONTHDAY=31"});
    assert_eq!(next_due(&alice, monthly).await, "2030-03-31");
    // A task that does not repeat creates nothing.
    let once = id_of(&create_task(&alice, json!({"name": "Once"})).await);
    complete(&alice, &once).await;
    assert!(open_named(&alice, "Once").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_due_date_the_next_occurrence_is_after_today_in_the_users_time_zone() {
    let ctx = setup().await;
    // UTC+14 and UTC-11: at any instant their dates differ by a day or two.
    for zone in ["Pacific/Kiritimati", "Pacific/Pago_Pago"] {
        let user = ctx.app.as_user(TestApp::new_user());
        user.patch_json("/api/v1/user-profile", &json!({"timezone": zone}))
            .await
            .expect(StatusCode::OK);
        let due = next_due(
            &user,
            json!({"name": "Journal", "recurrence": "FREQ=DAILY"}),
        )
        .await;
        assert_eq!(due, local_date(&ctx, zone, 1).await, "{zone}");
        // An overdue series resumes after today, not on a date already past.
        let overdue = next_due(
            &user,
            json!({"name": "Water", "recurrence": "FREQ=DAILY",
                   "dueDate": local_date(&ctx, zone, -5).await}),
        )
        .await;
        assert_eq!(overdue, local_date(&ctx, zone, 1).await, "{zone}");
    }
}
