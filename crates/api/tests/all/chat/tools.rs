//! The tool loop end to end: reads run in the caller's tenant, writes wait for the user's
//! confirmation, every call is recorded with its arguments, result and latency.

use omnicrm_testkit::{FakeReply, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::ai::{ask, create_thread, setup};

#[tokio::test]
async fn the_tool_loop_reads_at_once_and_writes_only_after_confirmation() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let contact: Value = alice
        .post_json(
            "/api/v1/contacts",
            &json!({ "displayName": "Grace Hopper" }),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let cid = contact["id"].as_str().unwrap();
    let thread = create_thread(&alice).await;
    ctx.fake
        .reply_tool_call("get_contact", json!({ "contactId": cid }));
    ctx.fake.reply(FakeReply::ToolCalls(vec![(
        "create_task".to_owned(),
        json!({ "name": "Call Grace about her sleep plan", "priority": "high" }),
    )]));
    ctx.fake.reply_text("I proposed a task; please confirm it.");
    let reply = ask(&alice, &thread, "Plan a follow-up with Grace")
        .await
        .ok_json(StatusCode::OK);

    assert_eq!(
        reply["message"]["text"],
        "I proposed a task; please confirm it."
    );
    let calls = reply["toolInvocations"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["tool"], "get_contact");
    assert_eq!(calls[0]["status"], "done");
    assert_eq!(calls[0]["result"]["displayName"], "Grace Hopper");
    assert!(calls[0]["latencyMs"].as_i64().unwrap() >= 0);
    assert_eq!(calls[1]["tool"], "create_task");
    assert_eq!(calls[1]["status"], "awaiting_confirmation");
    let pending = reply["pendingActions"].as_array().unwrap();
    assert_eq!(pending.len(), 1);
    let action = pending[0]["id"].as_str().unwrap();

    // The model got the contact, and was told the write waits for the user.
    let requests = ctx.fake.requests();
    assert_eq!(requests.len(), 3);
    let second = requests[1].1.to_string();
    assert!(
        second.contains("Grace Hopper"),
        "the tool result went back to the model"
    );
    let third = requests[2].1.to_string();
    assert!(third.contains("awaiting_confirmation"));

    // Nothing was written yet.
    let tasks = alice
        .get("/api/v1/omni-momentum/tasks")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(tasks["pagination"]["total"], 0);

    // Confirming runs it, once.
    let confirm = format!("/api/v1/chat/threads/{thread}/actions/{action}/confirm");
    let done = alice.post(&confirm).await.ok_json(StatusCode::OK);
    assert_eq!(done["action"]["status"], "done");
    assert_eq!(
        done["action"]["result"]["name"],
        "Call Grace about her sleep plan"
    );
    assert_eq!(done["error"], Value::Null);
    let tasks = alice
        .get("/api/v1/omni-momentum/tasks")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(tasks["pagination"]["total"], 1);
    alice
        .post(&confirm)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");

    // The thread shows every call and the confirmation.
    let detail = alice
        .get(&format!("/api/v1/chat/threads/{thread}"))
        .await
        .ok_json(StatusCode::OK);
    let statuses: Vec<&str> = detail["toolInvocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["done", "done"]);
    assert_eq!(
        detail["messages"].as_array().unwrap().last().unwrap()["role"],
        "tool"
    );
}

#[tokio::test]
async fn chat_tools_run_in_the_callers_tenant_only() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bob = ctx.app.as_user(TestApp::new_user());
    let contact: Value = alice
        .post_json(
            "/api/v1/contacts",
            &json!({ "displayName": "Margaret Hamilton" }),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let cid = contact["id"].as_str().unwrap();
    alice
        .post_json(
            "/api/v1/notes",
            &json!({ "contactId": cid, "contentPlain": "Insomnia since spring" }),
        )
        .await
        .expect(StatusCode::CREATED);

    // Bob's assistant is asked for Alice's contact, history and data by id and by search.
    let thread = create_thread(&bob).await;
    ctx.fake.reply(FakeReply::ToolCalls(vec![
        ("get_contact".to_owned(), json!({ "contactId": cid })),
        ("contact_history".to_owned(), json!({ "contactId": cid })),
        ("search".to_owned(), json!({ "q": "Hamilton" })),
        ("search".to_owned(), json!({ "q": "insomnia" })),
        (
            "create_note".to_owned(),
            json!({ "contactId": cid, "contentPlain": "x" }),
        ),
    ]));
    let reply = ask(&bob, &thread, "Tell me about Margaret")
        .await
        .ok_json(StatusCode::OK);
    let calls = reply["toolInvocations"].as_array().unwrap();
    assert_eq!(calls[0]["status"], "failed");
    assert_eq!(calls[1]["status"], "failed");
    assert_eq!(calls[2]["result"]["results"], json!([]));
    assert_eq!(calls[3]["result"]["results"], json!([]));
    // A write proposed on Alice's contact is refused when Bob confirms it: the note
    // service sees no such contact in Bob's tenant.
    if let Some(p) = reply["pendingActions"].as_array().unwrap().first() {
        let done = bob
            .post(&format!(
                "/api/v1/chat/threads/{thread}/actions/{}/confirm",
                p["id"].as_str().unwrap()
            ))
            .await
            .ok_json(StatusCode::OK);
        assert_eq!(done["action"]["status"], "failed");
    }
    let received = ctx.fake.received_text();
    assert!(!received.contains("Margaret Hamilton"));
    assert!(!received.contains("Insomnia since spring"));

    // Alice's own thread and actions are out of Bob's reach, and his of hers.
    let alices = create_thread(&alice).await;
    ctx.fake
        .reply_tool_call("create_task", json!({ "name": "Alice's task" }));
    let r = ask(&alice, &alices, "add a task")
        .await
        .ok_json(StatusCode::OK);
    let action = r["pendingActions"][0]["id"].as_str().unwrap();
    bob.post(&format!(
        "/api/v1/chat/threads/{alices}/actions/{action}/confirm"
    ))
    .await
    .problem(StatusCode::NOT_FOUND, "not_found");
    bob.post(&format!(
        "/api/v1/chat/threads/{thread}/actions/{action}/confirm"
    ))
    .await
    .problem(StatusCode::NOT_FOUND, "not_found");
    let tasks = alice
        .get("/api/v1/omni-momentum/tasks")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(tasks["pagination"]["total"], 0);
}
