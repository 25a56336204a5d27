//! The sweep: every OmniMomentum route naming one of Alice's rows (projects, tasks,
//! subtasks, contacts' tasks, inbox items) is 404 for Bob, and changes nothing; the lists
//! never show Bob Alice's rows; bad paths and bodies are 4xx problems on every route.

use crate::common::setup;
use crate::common::tasks::*;
use crate::omni_momentum::inbox::INBOX;
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_on_another_users_project_task_subtask_or_contact_is_404() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bob = ctx.app.as_user(TestApp::new_user());
    let project = id_of(&create_project(&alice, json!({"name": "Alice's project"})).await);
    let contact = contact_id(&alice, "Ann").await;
    let task = id_of(
        &create_task(
            &alice,
            json!({"name": "Alice's task", "projectId": project, "contactIds": [contact]}),
        )
        .await,
    );
    let pending = id_of(
        &create_task(
            &alice,
            json!({"name": "Alice's suggestion", "status": "pending_approval"}),
        )
        .await,
    );
    let subtask = id_of(
        &alice
            .post_json(
                &format!("{TASKS}/{task}/subtasks"),
                &json!({"title": "Alice's step"}),
            )
            .await
            .ok_json(StatusCode::CREATED),
    );
    let before = alice
        .get(&format!("{TASKS}/{task}"))
        .await
        .ok_json(StatusCode::OK);
    let item = alice
        .post_json(INBOX, &json!({"rawText": "Alice's thought", "queue": true}))
        .await
        .ok_json(StatusCode::CREATED);
    let item = item["id"].as_str().unwrap().to_owned();
    let inbox_before = alice
        .get(&format!("{INBOX}/{item}"))
        .await
        .ok_json(StatusCode::OK);

    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("{PROJECTS}/{project}"), None),
        (
            Method::PATCH,
            format!("{PROJECTS}/{project}"),
            Some(json!({"name": "x"})),
        ),
        (Method::DELETE, format!("{PROJECTS}/{project}"), None),
        (Method::GET, format!("{PROJECTS}/{project}/tasks"), None),
        (Method::GET, format!("{TASKS}/{task}"), None),
        (
            Method::PATCH,
            format!("{TASKS}/{task}"),
            Some(json!({"status": "done"})),
        ),
        (Method::DELETE, format!("{TASKS}/{task}"), None),
        (
            Method::POST,
            format!("{TASKS}/{pending}/approve"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("{TASKS}/{pending}/reject"),
            Some(json!({"reason": "x"})),
        ),
        (Method::GET, format!("{TASKS}/{task}/subtasks"), None),
        (
            Method::POST,
            format!("{TASKS}/{task}/subtasks"),
            Some(json!({"title": "x"})),
        ),
        (
            Method::POST,
            format!("{TASKS}/{task}/subtasks/reorder"),
            Some(json!({"ids": [subtask]})),
        ),
        (
            Method::PATCH,
            format!("{TASKS}/{task}/subtasks/{subtask}"),
            Some(json!({"completed": true})),
        ),
        (
            Method::DELETE,
            format!("{TASKS}/{task}/subtasks/{subtask}"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/contacts/{contact}/tasks"),
            None,
        ),
        (Method::GET, format!("{INBOX}/{item}"), None),
        (
            Method::PATCH,
            format!("{INBOX}/{item}"),
            Some(json!({"status": "archived"})),
        ),
        (Method::DELETE, format!("{INBOX}/{item}"), None),
        (Method::GET, format!("{INBOX}/{item}/audio"), None),
        (
            Method::POST,
            format!("{INBOX}/process"),
            Some(json!({"itemId": item})),
        ),
    ];
    for (method, path, body) in routes {
        let res = bob.send_json(method.clone(), &path, body.as_ref()).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {path}");
        res.problem(StatusCode::NOT_FOUND, "not_found");
    }

    // A bulk request naming Alice's item reports it not found and leaves it alone.
    for action in ["archive", "delete", "process"] {
        let bulk = bob
            .post_json(
                &format!("{INBOX}/bulk"),
                &json!({"itemIds": [item], "action": action}),
            )
            .await
            .ok_json(StatusCode::OK);
        assert_eq!(bulk["results"][0]["outcome"], "not_found", "{action}");
    }

    // Nothing changed, and Bob's lists and figures show none of it.
    assert_eq!(
        alice
            .get(&format!("{INBOX}/{item}"))
            .await
            .ok_json(StatusCode::OK),
        inbox_before
    );
    for (path, field) in [
        (format!("{INBOX}/stats"), "total"),
        (format!("{INBOX}/queue"), "totalQueued"),
    ] {
        assert_eq!(
            bob.get(&path).await.ok_json(StatusCode::OK)[field],
            0,
            "{path}"
        );
    }
    let after = alice
        .get(&format!("{TASKS}/{task}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(after, before);
    assert_eq!(
        alice
            .get(&format!("{TASKS}/{pending}"))
            .await
            .ok_json(StatusCode::OK)["status"],
        "pending_approval"
    );
    for list in [
        TASKS.to_owned(),
        format!("{TASKS}?status=pending_approval"),
        format!("{TASKS}?projectId={project}"),
        format!("{TASKS}?contactId={contact}"),
        format!("{TASKS}/pending-approval"),
        PROJECTS.to_owned(),
        INBOX.to_owned(),
        format!("{INBOX}?status=unprocessed&search=Alice"),
    ] {
        let page = bob.get(&list).await.ok_json(StatusCode::OK);
        assert_eq!(page["pagination"]["total"], 0, "{list}");
    }
    let stats = bob
        .get("/api/v1/omni-momentum/stats")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(stats["tasks"]["pendingApproval"], 0);
    assert_eq!(stats["projects"]["total"], 0);

    // Bob cannot point his own task at Alice's project or contact.
    let bad = bob
        .post_json(
            TASKS,
            &json!({"name": "x", "projectId": project, "contactIds": [contact]}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(
        omnicrm_testkit::pointers(&bad),
        ["/projectId", "/contactIds/0"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_paths_and_bodies_are_4xx_problems_on_every_route() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let task = task_named(&alice, "Mine").await;
    let item = alice
        .post_json(INBOX, &json!({"rawText": "Mine"}))
        .await
        .ok_json(StatusCode::CREATED)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let done = alice
        .post_json(INBOX, &json!({"rawText": "Done"}))
        .await
        .ok_json(StatusCode::CREATED)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    alice
        .post_json(&format!("{INBOX}/process"), &json!({"itemId": done}))
        .await
        .expect(StatusCode::OK);
    let cases: Vec<(Method, String, Value, StatusCode, &str)> = vec![
        (
            Method::GET,
            format!("{TASKS}/nope"),
            Value::Null,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::GET,
            format!("{PROJECTS}/nope"),
            Value::Null,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::GET,
            format!("{TASKS}/nope/subtasks"),
            Value::Null,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::POST,
            format!("{TASKS}/{task}/approve"),
            json!({}),
            StatusCode::CONFLICT,
            "conflict",
        ),
        (
            Method::POST,
            format!("{TASKS}/{task}/reject"),
            json!({}),
            StatusCode::CONFLICT,
            "conflict",
        ),
        (
            Method::POST,
            TASKS.to_owned(),
            json!({}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::POST,
            TASKS.to_owned(),
            json!({"name": "x", "tagIds": vec!["00000000-0000-0000-0000-000000000000"; 51]}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::POST,
            TASKS.to_owned(),
            json!({"name": "x", "extra": 1}),
            StatusCode::BAD_REQUEST,
            "malformed_request",
        ),
        (
            Method::POST,
            TASKS.to_owned(),
            json!({"name": "a\u{0}b"}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::POST,
            TASKS.to_owned(),
            json!({"name": "x".repeat(501)}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::POST,
            PROJECTS.to_owned(),
            json!({"name": "x", "dueDate": "2027-02-30"}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::POST,
            format!("{TASKS}/{task}/subtasks"),
            json!({"title": "x", "duration": ""}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::POST,
            format!("{TASKS}/{task}/subtasks/reorder"),
            json!({"ids": ["x"]}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::PATCH,
            format!("{TASKS}/{task}"),
            json!({"recurrence": "FREQ=DAILY;COUNT=2"}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::GET,
            format!("{TASKS}?pageSize=201"),
            Value::Null,
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::GET,
            format!("{TASKS}?dueBefore=tomorrow"),
            Value::Null,
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::GET,
            format!("{PROJECTS}?unknown=1"),
            Value::Null,
            StatusCode::BAD_REQUEST,
            "malformed_request",
        ),
        // The inbox.
        (
            Method::GET,
            format!("{INBOX}/nope"),
            Value::Null,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::GET,
            format!("{INBOX}/nope/audio"),
            Value::Null,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::GET,
            format!("{INBOX}/{item}/audio"),
            Value::Null,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::POST,
            INBOX.to_owned(),
            json!({}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::POST,
            INBOX.to_owned(),
            json!({"rawText": "   "}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::POST,
            INBOX.to_owned(),
            json!({"rawText": "x".repeat(10_001)}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::POST,
            INBOX.to_owned(),
            json!({"rawText": "x", "extra": 1}),
            StatusCode::BAD_REQUEST,
            "malformed_request",
        ),
        (
            Method::POST,
            format!("{INBOX}/intelligent"),
            json!({"rawText": "x", "source": ""}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::PATCH,
            format!("{INBOX}/{item}"),
            json!({"status": null}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::PATCH,
            format!("{INBOX}/{item}"),
            json!({"status": "done"}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::POST,
            format!("{INBOX}/process"),
            json!({"itemId": "x"}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::POST,
            format!("{INBOX}/process"),
            json!({"itemId": item, "tasks": []}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::POST,
            format!("{INBOX}/process"),
            json!({"itemId": done}),
            StatusCode::CONFLICT,
            "conflict",
        ),
        (
            Method::POST,
            format!("{INBOX}/bulk"),
            json!({"itemIds": [], "action": "archive"}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::POST,
            format!("{INBOX}/bulk"),
            json!({"itemIds": vec![item.clone(); 51], "action": "archive"}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::POST,
            format!("{INBOX}/bulk"),
            json!({"itemIds": [item], "action": "explode"}),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::GET,
            format!("{INBOX}?pageSize=201"),
            Value::Null,
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::GET,
            format!("{INBOX}?createdAfter=yesterday"),
            Value::Null,
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::GET,
            format!("{INBOX}?status=gone"),
            Value::Null,
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let res = alice
            .send_json(method.clone(), &path, (!body.is_null()).then_some(&body))
            .await;
        assert_eq!(
            res.status(),
            status,
            "{method} {path} {body}: {}",
            res.text()
        );
        res.problem(status, code);
    }
}
