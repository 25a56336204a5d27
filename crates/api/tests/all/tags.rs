//! Tags: system tags on first touch, CRUD with the system-tag rules, tagging every entity
//! type, bulk delete, statistics, tenant isolation on every route, validation problems,
//! and exact usage counts under concurrent tagging and cascading deletes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use crate::common::{Ctx, pointers, problem, setup};
use omnicrm_domain::UserId;
use omnicrm_testkit::TestApp;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// Number of templates seeded by migration 000004.
const SYSTEM_TAGS: u64 = 67;

async fn body(res: Response, status: StatusCode) -> Value {
    let actual = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(actual, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn get(ctx: &Ctx, user: UserId, path: &str) -> Value {
    body(
        ctx.send(user, Method::GET, path, None).await,
        StatusCode::OK,
    )
    .await
}

/// Every tag of the user (at most 200), by name.
async fn all_tags(ctx: &Ctx, user: UserId) -> Vec<Value> {
    get(ctx, user, "/api/v1/tags?pageSize=200").await["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn system_tag(ctx: &Ctx, user: UserId, name: &str) -> Value {
    all_tags(ctx, user)
        .await
        .into_iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no tag {name}"))
}

async fn new_tag(ctx: &Ctx, user: UserId, name: &str) -> String {
    let created = body(
        ctx.send(
            user,
            Method::POST,
            "/api/v1/tags",
            Some(json!({ "name": name })),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    created["id"].as_str().unwrap().to_owned()
}

async fn new_contact(ctx: &Ctx, user: UserId, name: &str) -> String {
    ctx.named(user, name).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn assignment(entity_type: &str, entity_id: &str, tag_ids: &[&str]) -> Value {
    json!({ "entityType": entity_type, "entityId": entity_id, "tagIds": tag_ids })
}

async fn apply(ctx: &Ctx, user: UserId, entity_type: &str, id: &str, tags: &[&str]) -> Response {
    ctx.send(
        user,
        Method::POST,
        "/api/v1/tags/apply",
        Some(assignment(entity_type, id, tags)),
    )
    .await
}

async fn remove(ctx: &Ctx, user: UserId, entity_type: &str, id: &str, tags: &[&str]) -> Response {
    ctx.send(
        user,
        Method::POST,
        "/api/v1/tags/remove",
        Some(assignment(entity_type, id, tags)),
    )
    .await
}

/// Inserts a task, note or goal behind the API's back (their routes are built elsewhere).
async fn insert_entity(ctx: &Ctx, user: UserId, kind: &str, contact: &str) -> String {
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
async fn usage(ctx: &Ctx, tag: &str) -> (i64, i64) {
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

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------
// System tags and the list
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_touch_creates_the_system_tags_once_even_concurrently() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    // Eight first touches at once: every one succeeds and the user ends with one copy.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let http = ctx.app.http.clone();
        let url = ctx.app.url(if i % 2 == 0 {
            "/api/v1/tags"
        } else {
            "/api/v1/tags/stats"
        });
        tasks.spawn(async move {
            http.get(url)
                .bearer_auth(TestApp::token(user))
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.unwrap(), StatusCode::OK);
    }
    let list = get(&ctx, user, "/api/v1/tags?pageSize=200").await;
    assert_eq!(list["pagination"]["total"], SYSTEM_TAGS);
    let items = list["items"].as_array().unwrap();
    assert!(items.iter().all(|t| t["isSystem"] == true
        && t["usageCount"] == 0
        && t["userId"] == user.to_string()
        && t["templateId"].is_string()));
    let yoga = items.iter().find(|t| t["name"] == "Yoga").unwrap();
    assert_eq!(yoga["category"], "services_modalities");
    assert_eq!(yoga["color"], "#6366F1");

    // Another touch adds nothing; another user gets their own copies (other ids).
    assert_eq!(
        get(&ctx, user, "/api/v1/tags").await["pagination"]["total"],
        SYSTEM_TAGS
    );
    let other = TestApp::new_user();
    let theirs = system_tag(&ctx, other, "Yoga").await;
    assert_ne!(theirs["id"], yoga["id"]);
    assert_eq!(theirs["templateId"], yoga["templateId"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_searches_filters_sorts_and_paginates() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = new_contact(&ctx, user, "Ann").await;
    let mine = new_tag(&ctx, user, "Zen 50%").await;
    body(
        ctx.send(
            user,
            Method::POST,
            "/api/v1/tags",
            Some(json!({"name": "Calm", "category": "emotional_mental", "color": "#000000"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let yoga = system_tag(&ctx, user, "Yoga").await;
    let yoga_id = yoga["id"].as_str().unwrap();
    body(
        apply(&ctx, user, "contact", &contact, &[yoga_id, &mine]).await,
        StatusCode::OK,
    )
    .await;

    // Search is a case-insensitive substring; LIKE wildcards match literally.
    let found = get(&ctx, user, "/api/v1/tags?search=YOG").await;
    assert_eq!(found["pagination"]["total"], 1);
    assert_eq!(found["items"][0]["name"], "Yoga");
    let found = get(&ctx, user, "/api/v1/tags?search=50%25").await;
    assert_eq!(found["items"][0]["id"], mine.as_str());
    assert_eq!(found["pagination"]["total"], 1);
    assert_eq!(
        get(&ctx, user, "/api/v1/tags?search=%25").await["pagination"]["total"],
        1
    );

    // isSystem=false: only the user's own tags, by name A→Z by default.
    let own = get(&ctx, user, "/api/v1/tags?isSystem=false").await;
    let names: Vec<&str> = own["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Calm", "Zen 50%"]);
    assert_eq!(
        get(&ctx, user, "/api/v1/tags?isSystem=true").await["pagination"]["total"],
        SYSTEM_TAGS
    );

    // Repeated category keys are a union.
    let two = get(
        &ctx,
        user,
        "/api/v1/tags?category=emotional_mental&category=health_wellness&pageSize=200",
    )
    .await;
    let items = two["items"].as_array().unwrap();
    assert_eq!(items.len(), 11 + 11 + 1);
    assert!(
        items
            .iter()
            .all(|t| t["category"] == "emotional_mental" || t["category"] == "health_wellness")
    );

    // Sort by usage: the two used tags first; order=asc puts them last.
    let by_usage = get(&ctx, user, "/api/v1/tags?sort=usageCount&pageSize=2").await;
    let top: Vec<&str> = by_usage["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(top, ["Yoga", "Zen 50%"]);
    assert_eq!(by_usage["items"][0]["usageCount"], 1);
    let asc = get(
        &ctx,
        user,
        "/api/v1/tags?sort=usageCount&order=asc&pageSize=200",
    )
    .await;
    let last = asc["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["usageCount"], 1);

    // Newest first by default for createdAt; name desc reverses the alphabet.
    let newest = get(&ctx, user, "/api/v1/tags?sort=createdAt&pageSize=1").await;
    assert_eq!(newest["items"][0]["name"], "Calm");
    let z_first = get(&ctx, user, "/api/v1/tags?sort=name&order=desc&pageSize=1").await;
    assert_eq!(z_first["items"][0]["name"], "Zen 50%");

    // Pagination metadata, and a page past the end is empty.
    let page = get(&ctx, user, "/api/v1/tags?page=2&pageSize=50").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 19);
    assert_eq!(
        page["pagination"],
        json!({"page": 2, "pageSize": 50, "total": 69, "totalPages": 2, "hasNext": false, "hasPrev": true})
    );
    let past = get(&ctx, user, "/api/v1/tags?page=9&pageSize=50").await;
    assert_eq!(past["items"], json!([]));
}

// ---------------------------------------------------------------------------------------
// CRUD and the system-tag rules
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_own_tag_is_created_read_changed_and_deleted() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let res = ctx
        .send(
            user,
            Method::POST,
            "/api/v1/tags",
            Some(json!({"name": "  Morning people ", "category": "schedule_attendance", "color": "#ABCDEF"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = res.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/tags/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(created["name"], "Morning people");
    assert_eq!(created["category"], "schedule_attendance");
    assert_eq!(created["color"], "#ABCDEF");
    assert_eq!(created["isSystem"], false);
    assert_eq!(created["templateId"], Value::Null);
    assert_eq!(created["usageCount"], 0);
    assert_eq!(get(&ctx, user, &location).await, created);

    // Defaults: services_modalities and #a78bfa.
    let plain = body(
        ctx.send(
            user,
            Method::POST,
            "/api/v1/tags",
            Some(json!({"name": "Plain"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(plain["category"], "services_modalities");
    assert_eq!(plain["color"], "#a78bfa");

    let changed = body(
        ctx.send(
            user,
            Method::PATCH,
            &location,
            Some(json!({"name": "Early birds", "color": "#123456"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["name"], "Early birds");
    assert_eq!(changed["color"], "#123456");
    assert_eq!(changed["category"], "schedule_attendance");
    // An empty PATCH changes nothing.
    let same = body(
        ctx.send(user, Method::PATCH, &location, Some(json!({})))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(same, changed);

    let res = ctx.send(user, Method::DELETE, &location, None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    problem(
        ctx.send(user, Method::GET, &location, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        ctx.send(user, Method::DELETE, &location, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        ctx.send(
            user,
            Method::PATCH,
            &location,
            Some(json!({"color": "#000000"})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        ctx.send(user, Method::GET, "/api/v1/tags/not-a-uuid", None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_are_unique_per_user_ignoring_case_system_names_included() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    // A system tag's name is taken from the very first request on.
    problem(
        ctx.send(
            alice,
            Method::POST,
            "/api/v1/tags",
            Some(json!({"name": "yOGA"})),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let focus = new_tag(&ctx, alice, "Focus").await;
    problem(
        ctx.send(
            alice,
            Method::POST,
            "/api/v1/tags",
            Some(json!({"name": " FOCUS "})),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let other = new_tag(&ctx, alice, "Other").await;
    for taken in ["focus", "Reiki"] {
        problem(
            ctx.send(
                alice,
                Method::PATCH,
                &format!("/api/v1/tags/{other}"),
                Some(json!({ "name": taken })),
            )
            .await,
            StatusCode::CONFLICT,
            "conflict",
        )
        .await;
    }
    // Renaming a tag to a different case of its own name is fine.
    let renamed = body(
        ctx.send(
            alice,
            Method::PATCH,
            &format!("/api/v1/tags/{focus}"),
            Some(json!({"name": "FOCUS"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(renamed["name"], "FOCUS");
    // Names are per user.
    new_tag(&ctx, bob, "Focus").await;
    assert_eq!(all_tags(&ctx, alice).await.len() as u64, SYSTEM_TAGS + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_system_tag_only_changes_colour_and_is_never_deleted() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let reiki = system_tag(&ctx, user, "Reiki").await;
    let path = format!("/api/v1/tags/{}", reiki["id"].as_str().unwrap());

    let recoloured = body(
        ctx.send(
            user,
            Method::PATCH,
            &path,
            Some(json!({"color": "#FF0000"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(recoloured["color"], "#FF0000");
    assert_eq!(recoloured["isSystem"], true);

    // Sending back the current name and category with a new colour is accepted.
    let echoed = body(
        ctx.send(
            user,
            Method::PATCH,
            &path,
            Some(json!({"name": "Reiki", "category": "services_modalities", "color": "#00FF00"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(echoed["color"], "#00FF00");

    for change in [
        json!({"name": "Energy work"}),
        json!({"category": "health_wellness"}),
        json!({"name": "Energy work", "color": "#0000FF"}),
    ] {
        let p = problem(
            ctx.send(user, Method::PATCH, &path, Some(change)).await,
            StatusCode::CONFLICT,
            "conflict",
        )
        .await;
        assert!(p["detail"].as_str().unwrap().contains("system tag"));
    }
    let p = problem(
        ctx.send(user, Method::DELETE, &path, None).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("system tag"));

    // Nothing of the refused changes stuck.
    let now = get(&ctx, user, &path).await;
    assert_eq!(now["name"], "Reiki");
    assert_eq!(now["category"], "services_modalities");
    assert_eq!(now["color"], "#00FF00");
}

// ---------------------------------------------------------------------------------------
// Tagging
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_apply_to_and_come_off_every_entity_type() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = new_contact(&ctx, user, "Ann").await;
    let entities = [
        ("contact", contact.clone()),
        ("task", insert_entity(&ctx, user, "task", &contact).await),
        ("note", insert_entity(&ctx, user, "note", &contact).await),
        ("goal", insert_entity(&ctx, user, "goal", &contact).await),
    ];
    let a = new_tag(&ctx, user, "A").await;
    let b = new_tag(&ctx, user, "B").await;
    let yoga = system_tag(&ctx, user, "Yoga").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    for (kind, id) in &entities {
        let applied = body(
            apply(&ctx, user, kind, id, &[&b, &a, &b]).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(applied["applied"], 2, "{kind}");
        assert_eq!(ids(&applied["tagIds"]), [b.clone(), a.clone()], "{kind}");
        // Again, with one more: only the new one is applied.
        let again = body(
            apply(&ctx, user, kind, id, &[&a, &yoga, &b]).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(again["applied"], 1, "{kind}");
        assert_eq!(ids(&again["tagIds"]), [yoga.as_str()], "{kind}");
    }
    for tag in [&a, &b, &yoga] {
        assert_eq!(usage(&ctx, tag).await, (4, 4));
        assert_eq!(
            get(&ctx, user, &format!("/api/v1/tags/{tag}")).await["usageCount"],
            4
        );
    }

    let contact_tags = get(&ctx, user, &format!("/api/v1/contacts/{contact}/tags")).await;
    let names: Vec<&str> = contact_tags["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["A", "B", "Yoga"]);
    assert_eq!(contact_tags["pagination"]["total"], 3);
    let second = get(
        &ctx,
        user,
        &format!("/api/v1/contacts/{contact}/tags?page=2&pageSize=2"),
    )
    .await;
    assert_eq!(second["items"][0]["name"], "Yoga");
    assert_eq!(second["pagination"]["hasPrev"], true);

    for (kind, id) in &entities {
        let removed = body(
            remove(&ctx, user, kind, id, &[&yoga, &a]).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(removed["removed"], 2, "{kind}");
        assert_eq!(ids(&removed["tagIds"]), [yoga.clone(), a.clone()]);
        let nothing = body(remove(&ctx, user, kind, id, &[&a]).await, StatusCode::OK).await;
        assert_eq!(nothing, json!({"removed": 0, "tagIds": []}));
    }
    assert_eq!(usage(&ctx, &a).await, (0, 0));
    assert_eq!(usage(&ctx, &yoga).await, (0, 0));
    assert_eq!(usage(&ctx, &b).await, (4, 4));
    let left = get(&ctx, user, &format!("/api/v1/contacts/{contact}/tags")).await;
    assert_eq!(left["items"].as_array().unwrap().len(), 1);
    assert_eq!(left["items"][0]["id"], b.as_str());

    // Deleting a tag takes it off everything.
    let res = ctx
        .send(user, Method::DELETE, &format!("/api/v1/tags/{b}"), None)
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let none = get(&ctx, user, &format!("/api/v1/contacts/{contact}/tags")).await;
    assert_eq!(none["pagination"]["total"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_entities_are_404_and_unknown_tags_are_400_with_pointers() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = new_contact(&ctx, user, "Ann").await;
    let tag = new_tag(&ctx, user, "Known").await;
    let ghost = Uuid::now_v7().to_string();

    for kind in ["contact", "task", "note", "goal"] {
        for res in [
            apply(&ctx, user, kind, &ghost, &[&tag]).await,
            remove(&ctx, user, kind, &ghost, &[&tag]).await,
        ] {
            problem(res, StatusCode::NOT_FOUND, "not_found").await;
        }
    }
    // The contact's id is not a task's id.
    problem(
        apply(&ctx, user, "task", &contact, &[&tag]).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Unknown tags: every bad entry is named, and nothing is applied (one transaction).
    let other = Uuid::now_v7().to_string();
    let p = problem(
        apply(
            &ctx,
            user,
            "contact",
            &contact,
            &[&tag, &ghost, &tag, &other],
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), ["/tagIds/1", "/tagIds/3"]);
    assert_eq!(p["errors"][0]["code"], "not_found");
    assert_eq!(usage(&ctx, &tag).await, (0, 0));
    let p = problem(
        remove(&ctx, user, "contact", &contact, &[&ghost]).await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), ["/tagIds/0"]);
    problem(
        ctx.send(
            user,
            Method::GET,
            &format!("/api/v1/contacts/{ghost}/tags"),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// Bulk delete and statistics
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_delete_reports_each_id_and_deletes_only_own_tags() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let contact = new_contact(&ctx, alice, "Ann").await;
    let one = new_tag(&ctx, alice, "One").await;
    let two = new_tag(&ctx, alice, "Two").await;
    let keep = new_tag(&ctx, alice, "Keep").await;
    let system = system_tag(&ctx, alice, "Lead").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bobs = new_tag(&ctx, bob, "Bob's").await;
    let ghost = Uuid::now_v7().to_string();
    body(
        apply(&ctx, alice, "contact", &contact, &[&one, &keep]).await,
        StatusCode::OK,
    )
    .await;

    let outcome = body(
        ctx.send(
            alice,
            Method::POST,
            "/api/v1/tags/bulk-delete",
            Some(json!({"ids": [one, system, bobs, two, ghost, one]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        outcome,
        json!({
            "deleted": 2,
            "errors": [
                {"id": system, "code": "conflict"},
                {"id": bobs, "code": "not_found"},
                {"id": ghost, "code": "not_found"},
            ]
        })
    );
    let names: Vec<String> = all_tags(&ctx, alice)
        .await
        .iter()
        .filter(|t| t["isSystem"] == false)
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Keep"]);
    assert_eq!(all_tags(&ctx, alice).await.len() as u64, SYSTEM_TAGS + 1);
    // The deleted tag came off the contact; Bob's tag survived.
    let on_contact = get(&ctx, alice, &format!("/api/v1/contacts/{contact}/tags")).await;
    assert_eq!(on_contact["items"][0]["id"], keep.as_str());
    assert_eq!(on_contact["pagination"]["total"], 1);
    get(&ctx, bob, &format!("/api/v1/tags/{bobs}")).await;

    // Nothing deletable: 200 with every id reported.
    let nothing = body(
        ctx.send(
            alice,
            Method::POST,
            "/api/v1/tags/bulk-delete",
            Some(json!({ "ids": [one] })),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        nothing,
        json!({"deleted": 0, "errors": [{"id": one, "code": "not_found"}]})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_count_uses_per_entity_type_exactly() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let ann = new_contact(&ctx, user, "Ann").await;
    let bea = new_contact(&ctx, user, "Bea").await;
    let task = insert_entity(&ctx, user, "task", &ann).await;
    let note = insert_entity(&ctx, user, "note", &ann).await;
    let goal = insert_entity(&ctx, user, "goal", &bea).await;
    let busy = new_tag(&ctx, user, "Busy").await;
    let quiet = new_tag(&ctx, user, "Quiet").await;
    let reiki = system_tag(&ctx, user, "Reiki").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    for (kind, id) in [
        ("contact", &ann),
        ("contact", &bea),
        ("task", &task),
        ("note", &note),
        ("goal", &goal),
    ] {
        body(apply(&ctx, user, kind, id, &[&busy]).await, StatusCode::OK).await;
    }
    body(
        apply(&ctx, user, "note", &note, &[&reiki]).await,
        StatusCode::OK,
    )
    .await;

    let stats = get(&ctx, user, "/api/v1/tags/stats?pageSize=200").await;
    let items = stats["items"].as_array().unwrap();
    assert_eq!(items.len() as u64, SYSTEM_TAGS + 2);
    assert_eq!(stats["pagination"]["total"], SYSTEM_TAGS + 2);
    // An offset list like every other: the default page, and a later one.
    let first = get(&ctx, user, "/api/v1/tags/stats").await;
    assert_eq!(first["items"].as_array().unwrap().len(), 20);
    assert_eq!(first["pagination"]["hasNext"], true);
    let second = get(&ctx, user, "/api/v1/tags/stats?page=2&pageSize=1").await;
    assert_eq!(second["items"], json!([items[1]]));
    assert_eq!(
        items[0],
        json!({"tagId": busy, "name": "Busy", "usageCount": 5,
               "byEntity": {"contact": 2, "task": 1, "note": 1, "goal": 1}})
    );
    assert_eq!(
        items[1],
        json!({"tagId": reiki, "name": "Reiki", "usageCount": 1,
               "byEntity": {"contact": 0, "task": 0, "note": 1, "goal": 0}})
    );
    let quiet_stats = items.iter().find(|i| i["tagId"] == quiet.as_str()).unwrap();
    assert_eq!(quiet_stats["usageCount"], 0);
    // Every stat agrees with the denormalised counter.
    let listed = all_tags(&ctx, user).await;
    for item in items {
        let tag = listed.iter().find(|t| t["id"] == item["tagId"]).unwrap();
        assert_eq!(tag["usageCount"], item["usageCount"], "{}", item["name"]);
    }
}

// ---------------------------------------------------------------------------------------
// Tenant isolation
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_tags_and_entities_are_out_of_reach_on_every_route() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let alices_contact = new_contact(&ctx, alice, "Ann").await;
    let alices_note = insert_entity(&ctx, alice, "note", &alices_contact).await;
    let alices_tag = new_tag(&ctx, alice, "Private").await;
    let alices_system = system_tag(&ctx, alice, "Yoga").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    body(
        apply(&ctx, alice, "contact", &alices_contact, &[&alices_tag]).await,
        StatusCode::OK,
    )
    .await;
    let bobs_contact = new_contact(&ctx, bob, "Bo").await;
    let bobs_tag = new_tag(&ctx, bob, "Bob's").await;

    // GET, PATCH, DELETE of Alice's tags (her own and her copy of a system tag): 404.
    for tag in [&alices_tag, &alices_system] {
        let path = format!("/api/v1/tags/{tag}");
        for (method, payload) in [
            (Method::GET, None),
            (Method::PATCH, Some(json!({"color": "#000000"}))),
            (Method::DELETE, None),
        ] {
            problem(
                ctx.send(bob, method, &path, payload).await,
                StatusCode::NOT_FOUND,
                "not_found",
            )
            .await;
        }
    }
    // Bob cannot tag Alice's entities, with his tags or hers.
    for (kind, id) in [("contact", &alices_contact), ("note", &alices_note)] {
        for tag in [&bobs_tag, &alices_tag] {
            problem(
                apply(&ctx, bob, kind, id, &[tag]).await,
                StatusCode::NOT_FOUND,
                "not_found",
            )
            .await;
            problem(
                remove(&ctx, bob, kind, id, &[tag]).await,
                StatusCode::NOT_FOUND,
                "not_found",
            )
            .await;
        }
    }
    // Alice's tags are unknown tags on Bob's own contact.
    let p = problem(
        apply(
            &ctx,
            bob,
            "contact",
            &bobs_contact,
            &[&bobs_tag, &alices_tag],
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), ["/tagIds/1"]);
    let p = problem(
        remove(&ctx, bob, "contact", &bobs_contact, &[&alices_system]).await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), ["/tagIds/0"]);
    // Nor can Bob list the tags of Alice's contact.
    problem(
        ctx.send(
            bob,
            Method::GET,
            &format!("/api/v1/contacts/{alices_contact}/tags"),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Bulk delete reports Alice's ids as not found and deletes nothing.
    let outcome = body(
        ctx.send(
            bob,
            Method::POST,
            "/api/v1/tags/bulk-delete",
            Some(json!({"ids": [alices_tag, alices_system]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(outcome["deleted"], 0);
    assert_eq!(outcome["errors"][0]["code"], "not_found");
    assert_eq!(outcome["errors"][1]["code"], "not_found");
    // Bob's list and stats hold only his tags.
    for tag in all_tags(&ctx, bob).await {
        assert_eq!(tag["userId"], bob.to_string());
        assert_ne!(tag["id"], alices_tag.as_str());
        assert_ne!(tag["id"], alices_system.as_str());
    }
    let stats = get(&ctx, bob, "/api/v1/tags/stats").await;
    assert!(
        stats["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["tagId"] != alices_tag.as_str() && i["usageCount"] == 0)
    );

    // Alice's data is untouched.
    let hers = get(&ctx, alice, &format!("/api/v1/tags/{alices_tag}")).await;
    assert_eq!(hers["usageCount"], 1);
    assert_eq!(hers["color"], "#a78bfa");
    let system = get(&ctx, alice, &format!("/api/v1/tags/{alices_system}")).await;
    assert_eq!(system["color"], "#6366F1");
    let on_contact = get(
        &ctx,
        alice,
        &format!("/api/v1/contacts/{alices_contact}/tags"),
    )
    .await;
    assert_eq!(on_contact["pagination"]["total"], 1);
}

// ---------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_bodies_and_queries_are_400_with_pointers() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = new_contact(&ctx, user, "Ann").await;
    let tag = new_tag(&ctx, user, "T").await;
    let tag_path = format!("/api/v1/tags/{tag}");

    let cases: Vec<(Method, String, Value, Vec<&str>)> = vec![
        (
            Method::POST,
            "/api/v1/tags".into(),
            json!({}),
            vec!["/name"],
        ),
        (
            Method::POST,
            "/api/v1/tags".into(),
            json!({"name": "   ", "color": "#12345G"}),
            vec!["/color", "/name"],
        ),
        (
            Method::POST,
            "/api/v1/tags".into(),
            json!({"name": "x".repeat(101)}),
            vec!["/name"],
        ),
        (
            Method::POST,
            "/api/v1/tags".into(),
            json!({"name": "x", "category": "astrology"}),
            vec!["/category"],
        ),
        (
            Method::PATCH,
            tag_path.clone(),
            json!({"name": null, "color": "blue"}),
            vec!["/color", "/name"],
        ),
        (
            Method::PATCH,
            tag_path.clone(),
            json!({"category": null}),
            vec!["/category"],
        ),
        (
            Method::POST,
            "/api/v1/tags/apply".into(),
            json!({"entityType": "contact", "entityId": contact, "tagIds": []}),
            vec!["/tagIds"],
        ),
        (
            Method::POST,
            "/api/v1/tags/apply".into(),
            json!({"entityType": "contact", "entityId": contact,
                   "tagIds": (0..51).map(|_| Uuid::now_v7()).collect::<Vec<_>>()}),
            vec!["/tagIds"],
        ),
        (
            Method::POST,
            "/api/v1/tags/remove".into(),
            json!({"entityType": "project", "entityId": contact, "tagIds": [tag]}),
            vec!["/entityType"],
        ),
        (
            Method::POST,
            "/api/v1/tags/apply".into(),
            json!({"entityType": "contact", "entityId": "nope", "tagIds": [tag]}),
            vec!["/entityId"],
        ),
        (
            Method::POST,
            "/api/v1/tags/apply".into(),
            json!({"entityType": "contact", "entityId": contact, "tagIds": [tag, "x"]}),
            vec!["/tagIds/1"],
        ),
        (
            Method::POST,
            "/api/v1/tags/apply".into(),
            json!({"entityType": "contact", "tagIds": [tag]}),
            vec!["/entityId"],
        ),
        (
            Method::POST,
            "/api/v1/tags/bulk-delete".into(),
            json!({"ids": []}),
            vec!["/ids"],
        ),
        (
            Method::POST,
            "/api/v1/tags/bulk-delete".into(),
            json!({"ids": (0..101).map(|_| Uuid::now_v7()).collect::<Vec<_>>()}),
            vec!["/ids"],
        ),
    ];
    for (method, path, payload, expected) in cases {
        let p = problem(
            ctx.send(user, method.clone(), &path, Some(payload.clone()))
                .await,
            StatusCode::BAD_REQUEST,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&p), expected, "{method} {path} {payload}");
    }

    // Unknown fields are malformed requests.
    for (path, payload) in [
        ("/api/v1/tags", json!({"name": "x", "colour": "#000000"})),
        (
            "/api/v1/tags/apply",
            json!({"entityType": "contact", "entityId": contact, "tagIds": [tag], "force": true}),
        ),
    ] {
        problem(
            ctx.send(user, Method::POST, path, Some(payload)).await,
            StatusCode::BAD_REQUEST,
            "malformed_request",
        )
        .await;
    }

    let long_search = format!("search={}", "x".repeat(101));
    for (query, pointer) in [
        ("pageSize=201", "/pageSize"),
        ("page=0", "/page"),
        (long_search.as_str(), "/search"),
        ("sort=color", "/sort"),
        ("order=up", "/order"),
        ("isSystem=maybe", "/isSystem"),
    ] {
        let p = problem(
            ctx.send(user, Method::GET, &format!("/api/v1/tags?{query}"), None)
                .await,
            StatusCode::BAD_REQUEST,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&p), [pointer], "{query}");
    }
    // An empty search is no filter.
    assert_eq!(
        get(&ctx, user, "/api/v1/tags?search=").await["pagination"]["total"],
        SYSTEM_TAGS + 1
    );
    let p = problem(
        ctx.send(user, Method::GET, "/api/v1/tags?category=astrology", None)
            .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert!(pointers(&p)[0].starts_with("/category"), "{p}");
    problem(
        ctx.send(user, Method::GET, "/api/v1/tags?colour=red", None)
            .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    let p = problem(
        ctx.send(
            user,
            Method::GET,
            &format!("/api/v1/contacts/{contact}/tags?pageSize=0"),
            None,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), ["/pageSize"]);
    // The original's `DELETE /tags/remove` is gone: `/tags/remove` is the POST route, so the
    // answer is 405 with `Allow: POST` (not the 404 of `DELETE /tags/{id}`; ADR 0017).
    problem(
        ctx.send(user, Method::DELETE, "/api/v1/tags/remove", None)
            .await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// Exact usage counts
// ---------------------------------------------------------------------------------------

/// Sends every request concurrently (at most `parallel` in flight) and returns the bodies;
/// each must answer 200.
async fn concurrently(
    ctx: &Ctx,
    user: UserId,
    requests: Vec<(&str, Value)>,
    parallel: usize,
) -> Vec<Value> {
    let gate = Arc::new(tokio::sync::Semaphore::new(parallel));
    let mut tasks = tokio::task::JoinSet::new();
    for (path, payload) in requests {
        let http = ctx.app.http.clone();
        let url = ctx.app.url(path);
        let gate = Arc::clone(&gate);
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            let res = http
                .post(url)
                .bearer_auth(TestApp::token(user))
                .json(&payload)
                .send()
                .await
                .unwrap();
            let status = res.status();
            let text = res.text().await.unwrap();
            assert_eq!(status, StatusCode::OK, "{text}");
            serde_json::from_str::<Value>(&text).unwrap()
        });
    }
    let mut out = Vec::new();
    while let Some(result) = tasks.join_next().await {
        out.push(result.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_counts_stay_exact_under_concurrent_tagging_and_cascades() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let mut contacts = Vec::new();
    for i in 0..12 {
        contacts.push(new_contact(&ctx, user, &format!("Client {i}")).await);
    }
    let t = new_tag(&ctx, user, "T").await;

    // Phase 1: applies and removes on every contact, with many tags in opposite orders
    // (a tagging must never wait for another one holding tags it wants next: no
    // deadlock), plus a pile-up on one contact-tag pair.
    let mut many: Vec<String> = all_tags(&ctx, user)
        .await
        .iter()
        .take(10)
        .map(|tag| tag["id"].as_str().unwrap().to_owned())
        .collect();
    many.push(t.clone());
    let forward: Vec<&str> = many.iter().map(String::as_str).collect();
    let backward: Vec<&str> = forward.iter().rev().copied().collect();
    let sets = [vec![t.as_str()], forward, backward];
    let mut requests = Vec::new();
    for (i, contact) in contacts.iter().enumerate() {
        for round in 0..3 {
            let tags = &sets[(i + round) % 3];
            requests.push(("/api/v1/tags/apply", assignment("contact", contact, tags)));
            requests.push(("/api/v1/tags/remove", assignment("contact", contact, tags)));
            requests.push(("/api/v1/tags/apply", assignment("contact", contact, tags)));
        }
    }
    for _ in 0..15 {
        requests.push((
            "/api/v1/tags/apply",
            assignment("contact", &contacts[0], &[&t]),
        ));
        requests.push((
            "/api/v1/tags/remove",
            assignment("contact", &contacts[0], &[&t]),
        ));
    }
    concurrently(&ctx, user, requests, 12).await;
    // Taggings lock tags in id order, so none deadlocked and had to be run again.
    assert_eq!(ctx.app.db.contention_retries(), 0);
    for tag in &many {
        let (counter, rows) = usage(&ctx, tag).await;
        assert_eq!(counter, rows, "tag {tag}");
        let listed = get(&ctx, user, &format!("/api/v1/tags/{tag}")).await;
        assert_eq!(listed["usageCount"], rows);
    }

    // Phase 2: every contact gets T twice at once; only first applications count.
    let (_, before) = usage(&ctx, &t).await;
    let mut requests = Vec::new();
    for contact in contacts.iter().chain(contacts.iter()) {
        requests.push(("/api/v1/tags/apply", assignment("contact", contact, &[&t])));
    }
    let answers = concurrently(&ctx, user, requests, 12).await;
    let applied: i64 = answers.iter().map(|a| a["applied"].as_i64().unwrap()).sum();
    assert_eq!(applied, 12 - before);
    assert_eq!(usage(&ctx, &t).await, (12, 12));

    // Phase 3: ten concurrent removals of one pair remove it once.
    let requests = (0..10)
        .map(|_| {
            (
                "/api/v1/tags/remove",
                assignment("contact", &contacts[2], &[&t]),
            )
        })
        .collect();
    let answers = concurrently(&ctx, user, requests, 10).await;
    let removed: i64 = answers.iter().map(|a| a["removed"].as_i64().unwrap()).sum();
    assert_eq!(removed, 1);
    assert_eq!(usage(&ctx, &t).await, (11, 11));

    // Phase 4: deleting a contact cascades to its tag links, and through its notes to
    // theirs; the triggers count the cascaded deletions too.
    let note = insert_entity(&ctx, user, "note", &contacts[1]).await;
    body(
        apply(&ctx, user, "note", &note, &[&t]).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(usage(&ctx, &t).await, (12, 12));
    let res = ctx
        .send(
            user,
            Method::DELETE,
            &format!("/api/v1/contacts/{}", contacts[1]),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(usage(&ctx, &t).await, (10, 10));
    let stats = get(&ctx, user, "/api/v1/tags/stats").await;
    let t_stats = stats["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["tagId"] == t.as_str())
        .unwrap()
        .clone();
    assert_eq!(t_stats["usageCount"], 10);
    assert_eq!(t_stats["byEntity"]["contact"], 10);
    assert_eq!(t_stats["byEntity"]["note"], 0);
    // The other tags lost their links to the deleted contact as well.
    for tag in &many {
        let (counter, rows) = usage(&ctx, tag).await;
        assert_eq!(counter, rows, "tag {tag}");
    }
}
