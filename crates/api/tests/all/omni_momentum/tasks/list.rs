//! `GET /omni-momentum/tasks`: filters, sorts and pages.

use crate::common::setup;
use crate::common::tasks::*;
use omnicrm_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_filter_narrows_the_list() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bob = ctx.app.as_user(TestApp::new_user());
    let project = id_of(&create_project(&alice, json!({"name": "Launch"})).await);
    let (red, blue) = (tag_id(&alice, "Red").await, tag_id(&alice, "Blue").await);
    let ann = contact_id(&alice, "Ann").await;
    let yesterday = local_date(&ctx, "UTC", -1).await;
    let tomorrow = local_date(&ctx, "UTC", 1).await;
    for body in [
        json!({"name": "alpha", "status": "todo", "priority": "high", "projectId": project,
               "tagIds": [red], "dueDate": yesterday}),
        json!({"name": "beta", "status": "in_progress", "priority": "low", "zoneId": SELF_CARE,
               "tagIds": [blue], "contactIds": [ann], "dueDate": tomorrow}),
        json!({"name": "gamma", "status": "done", "priority": "medium", "tagIds": [red, blue],
               "dueDate": yesterday}),
        json!({"name": "delta", "status": "pending_approval"}),
    ] {
        create_task(&alice, body).await;
    }
    create_task(&bob, json!({"name": "alpha of bob", "tagIds": []})).await;
    let (bobs_tag, bobs_contact) = (tag_id(&bob, "Red").await, contact_id(&bob, "Ann").await);
    create_task(
        &bob,
        json!({"name": "beta of bob", "tagIds": [bobs_tag], "contactIds": [bobs_contact]}),
    )
    .await;

    let list = |q: String| {
        let alice = &alice;
        async move {
            let mut got = names(alice, &format!("{TASKS}?{q}")).await;
            got.sort();
            got
        }
    };
    // Suggestions awaiting approval have their own list.
    assert_eq!(list(String::new()).await, ["alpha", "beta", "gamma"]);
    assert_eq!(list("status=pending_approval".into()).await, ["delta"]);
    assert_eq!(
        list("status=todo&status=done".into()).await,
        ["alpha", "gamma"]
    );
    assert_eq!(
        list("priority=high&priority=low".into()).await,
        ["alpha", "beta"]
    );
    assert_eq!(list(format!("projectId={project}")).await, ["alpha"]);
    assert_eq!(list(format!("zoneId={SELF_CARE}")).await, ["beta"]);
    assert_eq!(list(format!("tagId={red}")).await, ["alpha", "gamma"]);
    assert_eq!(
        list(format!("tagId={red}&tagId={blue}")).await,
        ["alpha", "beta", "gamma"]
    );
    assert_eq!(list(format!("tagId={red}&status=todo")).await, ["alpha"]);
    assert_eq!(list(format!("contactId={ann}")).await, ["beta"]);
    assert_eq!(
        list(format!("tagId={red}&tagId={blue}&contactId={ann}")).await,
        ["beta"]
    );
    assert_eq!(list(format!("tagId={red}&overdue=true")).await, ["alpha"]);
    assert_eq!(list(format!("tagId={blue}&search=AMM")).await, ["gamma"]);
    assert_eq!(
        list(format!("contactId={ann}&priority=high")).await,
        Vec::<String>::new()
    );
    // Another user's tag or contact finds none of their tasks (the links are read first).
    assert_eq!(
        list(format!("tagId={bobs_tag}")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        list(format!("tagId={red}&tagId={bobs_tag}")).await,
        ["alpha", "gamma"]
    );
    assert_eq!(
        list(format!("contactId={bobs_contact}")).await,
        Vec::<String>::new()
    );
    assert_eq!(list(format!("dueAfter={tomorrow}")).await, ["beta"]);
    assert_eq!(
        list(format!("dueBefore={yesterday}")).await,
        ["alpha", "gamma"]
    );
    // Done tasks are never overdue.
    assert_eq!(list("overdue=true".into()).await, ["alpha"]);
    assert_eq!(list("search=AMM".into()).await, ["gamma"]);
    assert_eq!(list("search=100%25".into()).await, Vec::<String>::new());

    for bad in [
        "status=open",
        "priority=urgent",
        "sort=name",
        "overdue=yes",
        "tagId=x",
    ]
    .into_iter()
    .map(str::to_owned)
    // At most 50 tags: the list reads each one's links.
    .chain([(0..51)
        .map(|_| format!("tagId={red}"))
        .collect::<Vec<_>>()
        .join("&")])
    {
        alice
            .get(&format!("{TASKS}?{bad}"))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_sort_by_due_date_priority_and_time_and_come_in_pages() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let red = tag_id(&alice, "Red").await;
    let ann = contact_id(&alice, "Ann").await;
    for (name, priority, due) in [
        ("one", "low", json!("2027-01-03")),
        ("two", "high", json!(null)),
        ("three", "medium", json!("2027-01-01")),
        ("four", "high", json!("2027-01-02")),
    ] {
        create_task(
            &alice,
            json!({"name": name, "priority": priority, "dueDate": due, "tagIds": [red],
                   "contactIds": [ann]}),
        )
        .await;
    }
    // A list filtered by links starts from them (ADR 0052): it sorts and pages the same.
    for filter in [
        String::new(),
        format!("tagId={red}&"),
        format!("contactId={ann}&"),
        format!("tagId={red}&contactId={ann}&"),
    ] {
        let list = |q: &str| {
            let (alice, path) = (&alice, format!("{TASKS}?{filter}{q}"));
            async move { names(alice, &path).await }
        };
        assert_eq!(list("").await, ["four", "three", "two", "one"], "{filter}");
        assert_eq!(
            list("sort=createdAt&order=asc").await,
            ["one", "two", "three", "four"],
            "{filter}"
        );
        assert_eq!(
            list("sort=dueDate&order=asc").await,
            ["three", "four", "one", "two"],
            "{filter}"
        );
        assert_eq!(
            list("sort=dueDate&order=desc").await,
            ["one", "four", "three", "two"],
            "{filter}"
        );
        assert_eq!(
            list("sort=priority").await,
            ["four", "two", "three", "one"],
            "{filter}"
        );
        let page = alice
            .get(&format!(
                "{TASKS}?{filter}sort=dueDate&order=asc&page=2&pageSize=3"
            ))
            .await
            .ok_json(StatusCode::OK);
        assert_eq!(page["items"][0]["name"], "two", "{filter}");
        assert_eq!(page["pagination"]["total"], 4, "{filter}");
        assert_eq!(page["pagination"]["totalPages"], 2, "{filter}");
        assert_eq!(page["pagination"]["hasPrev"], true, "{filter}");
    }
}

/// Lists filtered by a tag or a contact count their matches inside the page's statement;
/// the total must not depend on which page is asked for, past the end included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_or_contact_filter_reports_the_same_total_on_every_page() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let red = tag_id(&alice, "Red").await;
    let ann = contact_id(&alice, "Ann").await;
    for n in 0..5 {
        create_task(
            &alice,
            json!({"name": format!("linked {n}"), "tagIds": [red], "contactIds": [ann]}),
        )
        .await;
    }
    create_task(&alice, json!({"name": "unlinked"})).await;
    for filter in [format!("tagId={red}"), format!("contactId={ann}")] {
        for (page, items) in [(1, 2), (3, 1), (4, 0), (9, 0)] {
            let body = alice
                .get(&format!("{TASKS}?{filter}&page={page}&pageSize=2"))
                .await
                .ok_json(StatusCode::OK);
            assert_eq!(body["pagination"]["total"], 5, "{filter} page {page}");
            assert_eq!(body["pagination"]["totalPages"], 3, "{filter} page {page}");
            assert_eq!(
                body["items"].as_array().map(Vec::len),
                Some(items),
                "{filter} page {page}"
            );
        }
    }
}
