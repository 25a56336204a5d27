//! Notes over HTTP: CRUD, PII redaction of plain and rich content (also in the database),
//! pagination, search, tag and goal links, tenant isolation on every route, validation
//! problems with JSON pointers, and hostile rich documents.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{Ctx, pointers, problem, setup};
use omnicrm_domain::UserId;
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// What a user typed: none of it may ever come back or reach the database.
const SECRETS: &[&str] = &[
    "ann.lee@example.com",
    "(555) 123-4567",
    "+44 20 7946 0958",
    "123-45-6789",
    "4111 1111 1111 1111",
    "192.168.10.20",
    "42 Elm Street",
    "555-",
    "987-6543",
];

async fn contact(ctx: &Ctx, user: UserId, name: &str) -> String {
    ctx.named(user, name).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn create_note(ctx: &Ctx, user: UserId, body: Value) -> Value {
    let res = ctx
        .send(user, Method::POST, "/api/v1/notes", Some(body))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

async fn get_json(ctx: &Ctx, user: UserId, path: &str) -> Value {
    let res = ctx.send(user, Method::GET, path, None).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.json().await.unwrap()
}

/// Inserts a tag for `user` directly (the tag routes live elsewhere).
async fn seed_tag(ctx: &Ctx, user: UserId, name: &str) -> Uuid {
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
async fn seed_goal(ctx: &Ctx, user: UserId, name: &str) -> Uuid {
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
async fn sql_text(ctx: &Ctx, sql: &str) -> String {
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

/// How many goals the note is linked to, counted in the database.
async fn goal_links(ctx: &Ctx, note_id: &str) -> String {
    sql_text(
        ctx,
        &format!("SELECT count(*)::text FROM note_goals WHERE note_id = '{note_id}'"),
    )
    .await
}

/// `name=usage_count` of every tag of `user`, by name.
async fn usage(ctx: &Ctx, user: UserId) -> String {
    sql_text(
        ctx,
        &format!(
            "SELECT string_agg(name || '=' || usage_count, ',' ORDER BY name) FROM tags \
             WHERE user_id = '{user}'"
        ),
    )
    .await
}

fn assert_no_secrets(text: &str) {
    // Ids are random hex, so a fragment such as "555-" can occur inside one by chance
    // (about once in a few hundred notes): look for secrets everywhere but in ids.
    let without_ids = text
        .split('"')
        .filter(|part| uuid::Uuid::parse_str(part).is_err())
        .collect::<Vec<_>>()
        .join("\"");
    for secret in SECRETS {
        assert!(
            !without_ids.contains(secret),
            "{secret:?} leaked into {text}"
        );
    }
}

fn rich_doc() -> Value {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_note_is_redacted_in_the_answer_and_in_the_database() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact_id = contact(&ctx, user, "Ann Lee").await;
    let plain = "Email ann.lee@example.com, call (555) 123-4567 or +44 20 7946 0958. \
                 SSN 123-45-6789, seen from 192.168.10.20. Session on 2024-01-15 at 10:30 cost $120.";
    let res = ctx
        .send(
            user,
            Method::POST,
            "/api/v1/notes",
            Some(json!({
                "contactId": contact_id,
                "contentPlain": plain,
                "contentRich": rich_doc(),
                "sourceType": "voice",
            })),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let note: Value = res.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/notes/{}", note["id"].as_str().unwrap())
    );
    assert_eq!(note["contactId"], contact_id.as_str());
    assert_eq!(note["sourceType"], "voice");
    assert_eq!(
        note["contentPlain"],
        "Email [EMAIL], call [PHONE] or [PHONE]. SSN [SSN], seen from [IP_ADDRESS]. \
         Session on 2024-01-15 at 10:30 cost $120."
    );
    // Entities: type and offsets into what was typed, a redacted flag, never the value.
    let entities = note["piiEntities"].as_array().unwrap();
    let kinds: Vec<&str> = entities
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["email", "phone", "phone", "ssn", "ip_address"]);
    let typed: Vec<char> = plain.chars().collect();
    let first = &entities[0];
    let (start, end) = (
        first["start"].as_u64().unwrap() as usize,
        first["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(
        typed[start..end].iter().collect::<String>(),
        "ann.lee@example.com"
    );
    assert!(entities.iter().all(|e| e["redacted"] == true));
    assert!(entities.iter().all(|e| e.as_object().unwrap().len() == 4));

    // The rich document is redacted too: text split over marks, and the mailto link.
    let para = &note["contentRich"]["content"][0]["content"];
    assert_eq!(para[1]["text"], "[EMAIL]");
    assert_eq!(para[1]["marks"][0]["attrs"]["href"], "mailto:[EMAIL]");
    assert_eq!(para[2]["text"], " or [PHONE]");
    assert_eq!(
        note["contentRich"]["content"][1]["content"][0]["text"],
        "Lives at [ADDRESS]; card [CREDIT_CARD]."
    );
    assert_no_secrets(&note.to_string());

    // What the database holds, read as the owner (no RLS, no API in between).
    let stored = sql_text(
        &ctx,
        "SELECT content_plain || content_rich::text || pii_entities::text FROM notes",
    )
    .await;
    assert_no_secrets(&stored);
    assert!(stored.contains("[SSN]"));

    let fetched = get_json(&ctx, user, &location).await;
    assert_eq!(fetched, note);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rich_content_alone_gives_the_plain_text() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact_id = contact(&ctx, user, "Ann").await;
    let note = create_note(
        &ctx,
        user,
        json!({"contactId": contact_id, "contentRich": rich_doc()}),
    )
    .await;
    assert_eq!(
        note["contentPlain"],
        "Reach her at [EMAIL] or [PHONE].\nLives at [ADDRESS]; card [CREDIT_CARD]."
    );
    assert_eq!(note["sourceType"], "typed");
    let kinds: Vec<&str> = note["piiEntities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["email", "phone", "address", "credit_card"]);
    assert_no_secrets(&note.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_changes_only_what_is_sent_and_redacts_new_text() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact_id = contact(&ctx, user, "Ann").await;
    let note = create_note(
        &ctx,
        user,
        json!({"contactId": contact_id, "contentPlain": "First visit", "contentRich": rich_doc()}),
    )
    .await;
    let path = format!("/api/v1/notes/{}", note["id"].as_str().unwrap());

    // An empty PATCH changes nothing.
    let same: Value = ctx
        .send(user, Method::PATCH, &path, Some(json!({})))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(same, note);

    // New plain text is redacted; the rich document stays.
    let res = ctx
        .send(
            user,
            Method::PATCH,
            &path,
            Some(json!({"contentPlain": "Now at 123-45-6789 and ann.lee@example.com"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["contentPlain"], "Now at [SSN] and [EMAIL]");
    assert_eq!(changed["piiEntities"][0]["type"], "ssn");
    assert_eq!(changed["piiEntities"][0]["start"], 7);
    assert_eq!(changed["contentRich"], note["contentRich"]);
    assert_eq!(changed["contactId"], note["contactId"]);

    // A new rich document alone also replaces the plain text with its text.
    let doc = json!({"type": "doc", "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": "Moved to 42 Elm Street"}]}]});
    let changed: Value = ctx
        .send(
            user,
            Method::PATCH,
            &path,
            Some(json!({"contentRich": doc})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(changed["contentPlain"], "Moved to [ADDRESS]");
    assert_eq!(
        changed["contentRich"]["content"][0]["content"][0]["text"],
        "Moved to [ADDRESS]"
    );

    // `contentRich: null` clears the document and keeps the text.
    let cleared: Value = ctx
        .send(
            user,
            Method::PATCH,
            &path,
            Some(json!({"contentRich": null})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["contentRich"], json!({}));
    assert_eq!(cleared["contentPlain"], "Moved to [ADDRESS]");

    // The text cannot be emptied, nulled or blanked; contact and source are fixed.
    for body in [
        json!({"contentPlain": ""}),
        json!({"contentPlain": "   "}),
        json!({"contentPlain": null}),
    ] {
        let body = problem(
            ctx.send(user, Method::PATCH, &path, Some(body)).await,
            StatusCode::BAD_REQUEST,
            "validation_failed",
        )
        .await;
        let mut fields = pointers(&body);
        fields.dedup();
        assert_eq!(fields, ["/contentPlain"]);
    }
    let body = problem(
        ctx.send(
            user,
            Method::PATCH,
            &path,
            Some(json!({"contentRich": {"type": "doc", "content": []}})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), ["/contentRich"]);
    problem(
        ctx.send(
            user,
            Method::PATCH,
            &path,
            Some(json!({"contactId": contact_id})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    let unchanged = get_json(&ctx, user, &path).await;
    assert_eq!(unchanged["contentPlain"], "Moved to [ADDRESS]");

    // Delete, then it is gone.
    let res = ctx.send(user, Method::DELETE, &path, None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for method in [Method::GET, Method::DELETE] {
        problem(
            ctx.send(user, method, &path, None).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    problem(
        ctx.send(user, Method::GET, "/api/v1/notes/not-a-uuid", None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_paginate_filter_search_and_sort() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let ann = contact(&ctx, user, "Ann").await;
    let bob = contact(&ctx, user, "Bob").await;
    let mut ann_notes = Vec::new();
    for text in [
        "Sleep improved 100% this week",
        "Sleep improved 1000 times",
        "Knee_pain after running",
        "Knee pain gone",
        "Wrote to ann.lee@example.com about sleep",
    ] {
        let note = create_note(&ctx, user, json!({"contactId": ann, "contentPlain": text})).await;
        ann_notes.push(note["id"].as_str().unwrap().to_owned());
    }
    for text in ["Bob: first visit", "Bob: follow-up about sleep"] {
        create_note(&ctx, user, json!({"contactId": bob, "contentPlain": text})).await;
    }

    let page = get_json(&ctx, user, "/api/v1/notes?pageSize=3&page=2").await;
    assert_eq!(
        page["pagination"],
        json!({"page": 2, "pageSize": 3, "total": 7, "totalPages": 3, "hasNext": true, "hasPrev": true})
    );
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let past_end = get_json(&ctx, user, "/api/v1/notes?page=9").await;
    assert_eq!(past_end["items"], json!([]));
    assert_eq!(past_end["pagination"]["total"], 7);

    // Newest first by default; ascending on request.
    let newest = get_json(&ctx, user, &format!("/api/v1/notes?contactId={ann}")).await;
    let ids: Vec<&str> = newest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    let mut expected: Vec<&str> = ann_notes.iter().map(String::as_str).collect();
    expected.reverse();
    assert_eq!(ids, expected);
    let oldest = get_json(
        &ctx,
        user,
        &format!("/api/v1/notes?contactId={ann}&order=asc&pageSize=1"),
    )
    .await;
    assert_eq!(oldest["items"][0]["id"], ann_notes[0].as_str());

    // sort=updatedAt puts the note changed last first.
    let touched = format!("/api/v1/notes/{}", ann_notes[0]);
    ctx.send(
        user,
        Method::PATCH,
        &touched,
        Some(json!({"contentPlain": "Sleep improved 100% this week!"})),
    )
    .await;
    let by_update = get_json(&ctx, user, "/api/v1/notes?sort=updatedAt&pageSize=1").await;
    assert_eq!(by_update["items"][0]["id"], ann_notes[0].as_str());

    // Search is case-insensitive and takes % and _ literally.
    let search = |q: &str| format!("/api/v1/notes?search={q}");
    let hits = get_json(&ctx, user, &search("SLEEP")).await;
    assert_eq!(hits["pagination"]["total"], 4);
    let hits = get_json(&ctx, user, &search("100%25")).await;
    assert_eq!(hits["pagination"]["total"], 1);
    let hits = get_json(&ctx, user, &search("knee_pain")).await;
    assert_eq!(hits["pagination"]["total"], 1);
    let hits = get_json(&ctx, user, &format!("{}&contactId={bob}", search("sleep"))).await;
    assert_eq!(hits["pagination"]["total"], 1);
    // The e-mail address was never stored, so it cannot be found.
    let hits = get_json(&ctx, user, &search("example.com")).await;
    assert_eq!(hits["pagination"]["total"], 0);

    // Bad queries.
    for (query, pointer) in [
        ("pageSize=500", "/pageSize"),
        ("page=0", "/page"),
        ("sort=title", "/sort"),
        ("contactId=nope", "/contactId"),
    ] {
        let body = problem(
            ctx.send(user, Method::GET, &format!("/api/v1/notes?{query}"), None)
                .await,
            StatusCode::BAD_REQUEST,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&body), [pointer], "{query}");
    }
    problem(
        ctx.send(user, Method::GET, "/api/v1/notes?limit=5", None)
            .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contacts_notes_come_newest_first_in_pages() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let ann = contact(&ctx, user, "Ann").await;
    let other = contact(&ctx, user, "Other").await;
    for i in 0..3 {
        create_note(
            &ctx,
            user,
            json!({"contactId": ann, "contentPlain": format!("note {i}")}),
        )
        .await;
    }
    create_note(
        &ctx,
        user,
        json!({"contactId": other, "contentPlain": "elsewhere"}),
    )
    .await;
    let path = format!("/api/v1/contacts/{ann}/notes?pageSize=2");
    let page = get_json(&ctx, user, &path).await;
    let texts: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["contentPlain"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["note 2", "note 1"]);
    assert_eq!(page["pagination"]["total"], 3);
    assert_eq!(page["pagination"]["hasNext"], true);
    let second = get_json(&ctx, user, &format!("{path}&page=2")).await;
    assert_eq!(second["items"][0]["contentPlain"], "note 0");

    // A contact without notes is an empty list; an unknown one is 404.
    let empty = contact(&ctx, user, "Quiet").await;
    let none = get_json(&ctx, user, &format!("/api/v1/contacts/{empty}/notes")).await;
    assert_eq!(none["items"], json!([]));
    for missing in [Uuid::now_v7().to_string(), "nope".to_owned()] {
        problem(
            ctx.send(
                user,
                Method::GET,
                &format!("/api/v1/contacts/{missing}/notes"),
                None,
            )
            .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    let body = problem(
        ctx.send(
            user,
            Method::GET,
            &format!("/api/v1/contacts/{ann}/notes?pageSize=0"),
            None,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), ["/pageSize"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goal_ids_and_tag_ids_really_link_and_replace() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let ann = contact(&ctx, user, "Ann").await;
    let (sleep, stress, diet) = (
        seed_tag(&ctx, user, "Sleep").await,
        seed_tag(&ctx, user, "Stress").await,
        seed_tag(&ctx, user, "Diet").await,
    );
    let (goal_a, goal_b) = (
        seed_goal(&ctx, user, "Grow the practice").await,
        seed_goal(&ctx, user, "Rest more").await,
    );
    let note = create_note(
        &ctx,
        user,
        json!({
            "contactId": ann,
            "contentPlain": "Talked about sleep",
            "tagIds": [stress, sleep, stress],
            "goalIds": [goal_a, goal_b, goal_a],
        }),
    )
    .await;
    let names: Vec<&str> = note["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Sleep", "Stress"]);
    let mut goal_ids: Vec<&str> = note["goalIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap())
        .collect();
    goal_ids.sort_unstable();
    let mut expected = vec![goal_a.to_string(), goal_b.to_string()];
    expected.sort_unstable();
    assert_eq!(goal_ids, expected);
    let note_id = note["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/notes/{note_id}");
    assert_eq!(goal_links(&ctx, &note_id).await, "2");
    assert_eq!(usage(&ctx, user).await, "Diet=0,Sleep=1,Stress=1");

    // tagIds replaces the whole set; the usage counts follow.
    let changed: Value = ctx
        .send(
            user,
            Method::PATCH,
            &path,
            Some(json!({"tagIds": [diet, sleep]})),
        )
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = changed["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Diet", "Sleep"]);
    assert_eq!(
        changed["goalIds"].as_array().unwrap().len(),
        2,
        "goals untouched"
    );
    assert_eq!(usage(&ctx, user).await, "Diet=1,Sleep=1,Stress=0");
    assert_ne!(changed["updatedAt"], note["updatedAt"]);

    // goalIds: [] unlinks every goal, tagIds: null removes every tag.
    let cleared: Value = ctx
        .send(
            user,
            Method::PATCH,
            &path,
            Some(json!({"goalIds": [], "tagIds": null})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["goalIds"], json!([]));
    assert_eq!(cleared["tags"], json!([]));
    assert_eq!(goal_links(&ctx, &note_id).await, "0");
    assert_eq!(usage(&ctx, user).await, "Diet=0,Sleep=0,Stress=0");

    // Relink, then deleting the note releases its links.
    ctx.send(
        user,
        Method::PATCH,
        &path,
        Some(json!({"tagIds": [sleep], "goalIds": [goal_b]})),
    )
    .await;
    assert_eq!(usage(&ctx, user).await, "Diet=0,Sleep=1,Stress=0");
    assert_eq!(goal_links(&ctx, &note_id).await, "1");
    let listed = get_json(&ctx, user, "/api/v1/notes").await;
    assert_eq!(listed["items"][0]["tags"][0]["name"], "Sleep");
    assert_eq!(listed["items"][0]["goalIds"], json!([goal_b.to_string()]));
    assert_eq!(
        ctx.send(user, Method::DELETE, &path, None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(usage(&ctx, user).await, "Diet=0,Sleep=0,Stress=0");
    assert_eq!(goal_links(&ctx, &note_id).await, "0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_notes_contacts_tags_and_goals_are_out_of_reach() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let alice_contact = contact(&ctx, alice, "Ann").await;
    let alice_tag = seed_tag(&ctx, alice, "Private").await;
    let alice_goal = seed_goal(&ctx, alice, "Secret goal").await;
    let note = create_note(
        &ctx,
        alice,
        json!({"contactId": alice_contact, "contentPlain": "Alice's note", "tagIds": [alice_tag],
               "goalIds": [alice_goal]}),
    )
    .await;
    let path = format!("/api/v1/notes/{}", note["id"].as_str().unwrap());

    // Every route on Alice's note is 404 for Bob.
    problem(
        ctx.send(bob, Method::GET, &path, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        ctx.send(
            bob,
            Method::PATCH,
            &path,
            Some(json!({"contentPlain": "Stolen"})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        ctx.send(bob, Method::DELETE, &path, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        ctx.send(
            bob,
            Method::GET,
            &format!("/api/v1/contacts/{alice_contact}/notes"),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let listed = get_json(
        &ctx,
        bob,
        &format!("/api/v1/notes?contactId={alice_contact}"),
    )
    .await;
    assert_eq!(listed["pagination"]["total"], 0);
    let listed = get_json(&ctx, bob, "/api/v1/notes?search=Alice").await;
    assert_eq!(listed["pagination"]["total"], 0);

    // Bob cannot write a note about Alice's contact, nor link Alice's tags and goals.
    let body = problem(
        ctx.send(
            bob,
            Method::POST,
            "/api/v1/notes",
            Some(json!({"contactId": alice_contact, "contentPlain": "x"})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), ["/contactId"]);
    let bob_contact = contact(&ctx, bob, "Bea").await;
    let bob_goal = seed_goal(&ctx, bob, "Bob goal").await;
    let body = problem(
        ctx.send(
            bob,
            Method::POST,
            "/api/v1/notes",
            Some(json!({"contactId": bob_contact, "contentPlain": "x",
                        "tagIds": [alice_tag], "goalIds": [bob_goal, alice_goal]})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), ["/tagIds/0", "/goalIds/1"]);
    let bob_note = create_note(
        &ctx,
        bob,
        json!({"contactId": bob_contact, "contentPlain": "mine"}),
    )
    .await;
    let bob_path = format!("/api/v1/notes/{}", bob_note["id"].as_str().unwrap());
    let body = problem(
        ctx.send(
            bob,
            Method::PATCH,
            &bob_path,
            Some(json!({"goalIds": [alice_goal]})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), ["/goalIds/0"]);
    let bob_total = get_json(&ctx, bob, "/api/v1/notes").await;
    assert_eq!(
        bob_total["pagination"]["total"], 1,
        "the refused create stored nothing"
    );

    // Even bypassing the API, the database refuses a cross-tenant link.
    let bob_note_id = bob_note["id"].as_str().unwrap();
    let refused = ctx
        .db
        .owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO note_goals (user_id, note_id, goal_id) \
             VALUES ('{bob}', '{bob_note_id}', '{alice_goal}')"
        ))
        .await;
    assert!(refused.is_err(), "composite foreign key must refuse it");

    // Alice's note is untouched and still linked.
    let mine = get_json(&ctx, alice, &path).await;
    assert_eq!(mine["contentPlain"], "Alice's note");
    assert_eq!(mine["tags"][0]["id"], alice_tag.to_string());
    assert_eq!(mine["goalIds"], json!([alice_goal.to_string()]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_bodies_answer_problems_with_pointers() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let ann = contact(&ctx, user, "Ann").await;
    let cases = [
        (
            json!({"contactId": Uuid::nil(), "contentPlain": "x"}),
            vec!["/contactId"],
        ),
        (json!({"contentPlain": "x"}), vec!["/contactId"]),
        (
            json!({"contactId": "nope", "contentPlain": "x"}),
            vec!["/contactId"],
        ),
        (
            json!({"contactId": Uuid::now_v7(), "contentPlain": "x"}),
            vec!["/contactId"],
        ),
        (json!({"contactId": ann}), vec!["/contentPlain"]),
        (
            json!({"contactId": ann, "contentPlain": "  "}),
            vec!["/contentPlain"],
        ),
        (
            json!({"contactId": ann, "contentPlain": "x", "contentRich": [1]}),
            vec!["/contentRich"],
        ),
        (
            json!({"contactId": ann, "contentPlain": "x", "sourceType": "fax"}),
            vec!["/sourceType"],
        ),
        (
            json!({"contactId": ann, "contentPlain": "x", "goalIds": ["nope"]}),
            vec!["/goalIds/0"],
        ),
        (
            json!({"contactId": ann, "contentPlain": "x", "tagIds": vec![Uuid::now_v7(); 51]}),
            vec!["/tagIds"],
        ),
        (
            json!({"contactId": ann, "contentPlain": "x", "tagIds": [Uuid::now_v7()],
                   "goalIds": [Uuid::now_v7()]}),
            vec!["/tagIds/0", "/goalIds/0"],
        ),
        (
            json!({"contactId": ann, "contentPlain": "x".repeat(100_001)}),
            vec!["/contentPlain"],
        ),
    ];
    for (body, expected) in cases {
        let res = ctx
            .send(user, Method::POST, "/api/v1/notes", Some(body.clone()))
            .await;
        let problem_body = problem(res, StatusCode::BAD_REQUEST, "validation_failed").await;
        let mut got = pointers(&problem_body);
        got.dedup();
        assert_eq!(got, expected, "{body}");
    }
    problem(
        ctx.send(
            user,
            Method::POST,
            "/api/v1/notes",
            Some(json!({"contactId": ann, "contentPlain": "x", "goalId": []})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    let none = get_json(&ctx, user, "/api/v1/notes").await;
    assert_eq!(none["pagination"]["total"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_or_deeply_nested_rich_content_is_refused_without_harm() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let ann = contact(&ctx, user, "Ann").await;
    let nested = |levels: usize| {
        let mut node = json!({"type": "text", "text": "deep"});
        for _ in 0..levels {
            node = json!({"type": "blockquote", "content": [node]});
        }
        node
    };

    // Deeper than the document limit (but within JSON's): 400 at /contentRich.
    let body = problem(
        ctx.send(
            user,
            Method::POST,
            "/api/v1/notes",
            Some(json!({"contactId": ann, "contentRich": nested(30)})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), ["/contentRich"]);

    // Deeper than the JSON parser accepts at all: 400 malformed, sent as raw text.
    let mut raw = String::from(r#"{"contactId":""#);
    raw.push_str(&ann);
    raw.push_str(r#"","contentRich":"#);
    raw.push_str(&"{\"content\":[".repeat(5_000));
    raw.push_str(&"]}".repeat(5_000));
    raw.push('}');
    let res = ctx
        .app
        .as_user(user)
        .request(Method::POST, "/api/v1/notes")
        .header("content-type", "application/json")
        .body(raw)
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::BAD_REQUEST, "malformed_request").await;

    // A document over 200 KiB (the body itself is under the 256 KiB body limit): 413.
    let big_doc = json!({"type": "doc", "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": "calm ".repeat(42_000)}]}]});
    problem(
        ctx.send(
            user,
            Method::POST,
            "/api/v1/notes",
            Some(json!({"contactId": ann, "contentRich": big_doc})),
        )
        .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    // A body over the body limit: 413 as well.
    problem(
        ctx.send(
            user,
            Method::POST,
            "/api/v1/notes",
            Some(json!({"contactId": ann, "contentPlain": "x".repeat(300_000)})),
        )
        .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;

    // The same limits hold on PATCH, and the server keeps serving.
    let note = create_note(
        &ctx,
        user,
        json!({"contactId": ann, "contentPlain": "fine"}),
    )
    .await;
    let path = format!("/api/v1/notes/{}", note["id"].as_str().unwrap());
    let body = problem(
        ctx.send(
            user,
            Method::PATCH,
            &path,
            Some(json!({"contentRich": nested(40)})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), ["/contentRich"]);
    let ok = create_note(
        &ctx,
        user,
        json!({"contactId": ann, "contentRich": nested(10)}),
    )
    .await;
    assert_eq!(ok["contentPlain"], "deep");
    assert_eq!(get_json(&ctx, user, &path).await["contentPlain"], "fine");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_kb_hostile_note_is_redacted_within_seconds() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let ann = contact(&ctx, user, "Ann").await;
    // `00` digit groups made the old international phone pattern cubic (minutes of CPU);
    // the rich document holds thousands of text nodes, each with PII.
    let plain = "001 ".repeat(25_000);
    let nodes: Vec<Value> = (0..2_000)
        .map(|_| json!({"type": "text", "text": "a@b.co 001 "}))
        .collect();
    let rich = json!({"type": "doc", "content": [{"type": "paragraph", "content": nodes}]});
    let started = std::time::Instant::now();
    let res = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        ctx.send(
            user,
            Method::POST,
            "/api/v1/notes",
            Some(json!({"contactId": ann, "contentPlain": plain, "contentRich": rich})),
        ),
    )
    .await
    .expect("a 100 KB note answers within 10 s");
    assert_eq!(res.status(), StatusCode::CREATED, "{:?}", started.elapsed());
    let note: Value = res.json().await.unwrap();
    let text = note["contentPlain"].as_str().unwrap();
    assert!(text.starts_with("[PHONE] [PHONE]"), "{}", &text[..40]);
    assert!(!text.contains("001 001 001"));
}
