//! Contacts beyond CRUD: relevance search, tag filter, last note, detail view, bulk delete
//! and the identity-aware duplicate guard.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{Ctx, pointers, problem, setup};
use omnicrm_domain::UserId;
use omnicrm_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

async fn get_json(ctx: &Ctx, user: UserId, path: &str) -> Value {
    let res = ctx.send(user, Method::GET, path, None).await;
    assert_eq!(res.status(), StatusCode::OK, "GET {path}");
    res.json().await.unwrap()
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["displayName"].as_str().unwrap().to_owned())
        .collect()
}

fn id_of(contact: &Value) -> String {
    contact["id"].as_str().unwrap().to_owned()
}

/// Runs SQL as the owner (bypassing RLS), for rows other features own.
async fn sql(ctx: &Ctx, statements: &str) {
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(statements)
        .await
        .unwrap();
}

async fn add_tag(ctx: &Ctx, user: UserId, name: &str, color: &str, category: &str) -> Uuid {
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

async fn tag_contact(ctx: &Ctx, user: UserId, contact: &str, tag: Uuid) {
    sql(
        ctx,
        &format!(
            "INSERT INTO contact_tags (user_id, contact_id, tag_id, created_by)
             VALUES ('{user}', '{contact}', '{tag}', '{user}')"
        ),
    )
    .await;
}

async fn add_note(ctx: &Ctx, user: UserId, contact: &str, text: &str, minutes_ago: i64) -> Uuid {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_ranks_best_matches_first_and_tolerates_typos() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    for body in [
        json!({"displayName": "Joanne Park"}),
        json!({"displayName": "Bob Stone", "primaryEmail": "bob@annex.io"}),
        json!({"displayName": "Anna Smith", "primaryPhone": "(202) 555-0143"}),
        json!({"displayName": "Ann Lee"}),
        json!({"displayName": "Jonathan Miller"}),
        json!({"displayName": "Carl Brandt"}),
    ] {
        ctx.create_contact(user, body).await;
    }

    // Exact word first, then a word starting with the term, then substrings; relevance is
    // the default order whenever a search is given.
    let ann = get_json(&ctx, user, "/api/v1/contacts?search=ann").await;
    assert_eq!(
        names(&ann),
        ["Ann Lee", "Anna Smith", "Joanne Park", "Bob Stone"]
    );
    assert_eq!(ann["pagination"]["total"], 4);
    let explicit = get_json(&ctx, user, "/api/v1/contacts?search=ann&sort=relevance").await;
    assert_eq!(names(&explicit), names(&ann));
    // Another sort still filters by the search.
    let by_name = get_json(
        &ctx,
        user,
        "/api/v1/contacts?search=ann&sort=displayName&order=asc",
    )
    .await;
    assert_eq!(
        names(&by_name),
        ["Ann Lee", "Anna Smith", "Bob Stone", "Joanne Park"]
    );

    // A term without a trigram cannot use the index and is tested on every contact.
    let short = get_json(&ctx, user, "/api/v1/contacts?search=an").await;
    assert_eq!(short["pagination"]["total"], 6);
    assert_eq!(names(&short).len(), 6);

    // Typos of 4+ character terms still find the name.
    let typo = get_json(&ctx, user, "/api/v1/contacts?search=Smiht").await;
    assert_eq!(names(&typo), ["Anna Smith"]);
    // Its word similarity is exactly the threshold (0.5): the count must find it too.
    let count = get_json(&ctx, user, "/api/v1/contacts/count?search=Smiht").await;
    assert_eq!(count["count"], 1);
    let typo = get_json(&ctx, user, "/api/v1/contacts?search=jonathon").await;
    assert_eq!(names(&typo), ["Jonathan Miller"]);
    // Phone digits match whatever punctuation was typed.
    let phone = get_json(&ctx, user, "/api/v1/contacts?search=202-5550143").await;
    assert_eq!(names(&phone), ["Anna Smith"]);
    // Wildcards are literal, and unrelated terms find nothing.
    let none = get_json(&ctx, user, "/api/v1/contacts?search=%25").await;
    assert_eq!(none["pagination"]["total"], 0);
    let none = get_json(&ctx, user, "/api/v1/contacts?search=zebra").await;
    assert_eq!(names(&none), Vec::<String>::new());

    // The count agrees with the list, also past the last page.
    let count = get_json(&ctx, user, "/api/v1/contacts/count?search=ann").await;
    assert_eq!(count["count"], 4);
    let past_end = get_json(&ctx, user, "/api/v1/contacts?search=ann&page=3&pageSize=2").await;
    assert_eq!(names(&past_end), Vec::<String>::new());
    assert_eq!(past_end["pagination"]["total"], 4);
    let second = get_json(&ctx, user, "/api/v1/contacts?search=ann&page=2&pageSize=2").await;
    assert_eq!(names(&second), ["Joanne Park", "Bob Stone"]);

    // Relevance without a search falls back to the newest first.
    let newest = get_json(&ctx, user, "/api/v1/contacts?sort=relevance").await;
    assert_eq!(names(&newest)[0], "Carl Brandt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tag_filter_keeps_contacts_with_any_of_the_tags() {
    let ctx = setup().await;
    let (user, other) = (TestApp::new_user(), TestApp::new_user());
    let ann = ctx.named(user, "Ann").await;
    let bob = ctx.named(user, "Bob").await;
    ctx.named(user, "Cy").await;
    let yoga = add_tag(&ctx, user, "Yoga", "#112233", "services_modalities").await;
    let vip = add_tag(&ctx, user, "VIP", "#445566", "client_demographics").await;
    tag_contact(&ctx, user, &id_of(&ann), yoga).await;
    tag_contact(&ctx, user, &id_of(&ann), vip).await;
    tag_contact(&ctx, user, &id_of(&bob), vip).await;

    let one = get_json(&ctx, user, &format!("/api/v1/contacts?tagId={yoga}")).await;
    assert_eq!(names(&one), ["Ann"]);
    let any = get_json(
        &ctx,
        user,
        &format!("/api/v1/contacts?tagId={yoga}&tagId={vip}&sort=displayName&order=asc"),
    )
    .await;
    // Ann carries both tags and is listed once.
    assert_eq!(names(&any), ["Ann", "Bob"]);
    assert_eq!(any["pagination"]["total"], 2);
    let count = get_json(&ctx, user, &format!("/api/v1/contacts/count?tagId={vip}")).await;
    assert_eq!(count["count"], 2);
    let combined = get_json(
        &ctx,
        user,
        &format!("/api/v1/contacts?tagId={vip}&search=bob"),
    )
    .await;
    assert_eq!(names(&combined), ["Bob"]);

    // Another user's tag id matches nothing here, and their filter sees nothing of ours.
    let theirs = add_tag(&ctx, other, "Yoga", "#112233", "services_modalities").await;
    let none = get_json(&ctx, user, &format!("/api/v1/contacts?tagId={theirs}")).await;
    assert_eq!(none["pagination"]["total"], 0);
    let none = get_json(&ctx, other, &format!("/api/v1/contacts/count?tagId={yoga}")).await;
    assert_eq!(none["count"], 0);

    let bad = problem(
        ctx.send(user, Method::GET, "/api/v1/contacts?tagId=yoga", None)
            .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert!(
        pointers(&bad).iter().all(|p| p.starts_with("/tagId")),
        "{bad}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_items_carry_a_preview_of_the_newest_note() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let quiet = ctx.named(user, "Quiet").await;
    let chatty = ctx.named(user, "Chatty").await;
    let long = ctx.named(user, "Long").await;
    add_note(&ctx, user, &id_of(&chatty), "older note", 60).await;
    add_note(&ctx, user, &id_of(&chatty), "newest note", 5).await;
    add_note(&ctx, user, &id_of(&chatty), "middle note", 30).await;
    add_note(&ctx, user, &id_of(&long), &"é".repeat(600), 1).await;

    let list = get_json(&ctx, user, "/api/v1/contacts?pageSize=10").await;
    let note_of = |id: &str| -> Value {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()["lastNote"]
            .clone()
    };
    assert_eq!(note_of(&id_of(&quiet)), Value::Null);
    assert_eq!(note_of(&id_of(&chatty)), "newest note");
    let preview = note_of(&id_of(&long));
    assert_eq!(preview.as_str().unwrap().chars().count(), 500);
    // Searching returns the same previews.
    let searched = get_json(&ctx, user, "/api/v1/contacts?search=chatty").await;
    assert_eq!(searched["items"][0]["lastNote"], "newest note");
    assert_eq!(searched["items"][0]["displayName"], "Chatty");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detail_view_has_notes_tags_identities_and_current_consents() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let contact = ctx
        .create_contact(
            user,
            json!({"displayName": "Maya", "primaryEmail": "maya@x.com"}),
        )
        .await;
    let id = id_of(&contact);
    let mut note_ids = Vec::new();
    for minutes_ago in [70, 60, 50, 40, 30, 20] {
        note_ids.push(add_note(&ctx, user, &id, &format!("note {minutes_ago}"), minutes_ago).await);
    }
    let zen = add_tag(&ctx, user, "Zen", "#000000", "emotional_mental").await;
    let acu = add_tag(&ctx, user, "Acupuncture", "#ff0000", "services_modalities").await;
    tag_contact(&ctx, user, &id, zen).await;
    tag_contact(&ctx, user, &id, acu).await;
    let identity = ctx
        .send(
            user,
            Method::POST,
            "/api/v1/data-intelligence/contact-identities",
            Some(json!({"contactId": id, "kind": "phone", "value": "(202) 555-0143"})),
        )
        .await;
    assert_eq!(identity.status(), StatusCode::CREATED);
    sql(
        &ctx,
        &format!(
            "INSERT INTO client_consents (user_id, id, contact_id, consent_type, consent_text_version, granted, granted_at) VALUES
             ('{user}', '{}', '{id}', 'marketing', 'v1', true, now() - interval '2 days'),
             ('{user}', '{}', '{id}', 'marketing', 'v2', false, now() - interval '1 day'),
             ('{user}', '{}', '{id}', 'hipaa', 'h1', true, now() - interval '3 days')",
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7()
        ),
    )
    .await;

    let detail = get_json(&ctx, user, &format!("/api/v1/contacts/{id}")).await;
    assert_eq!(detail["displayName"], "Maya");
    assert_eq!(detail["primaryEmail"], "maya@x.com");
    let notes: Vec<&str> = detail["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["contentPlain"].as_str().unwrap())
        .collect();
    assert_eq!(
        notes,
        ["note 20", "note 30", "note 40", "note 50", "note 60"]
    );
    assert_eq!(detail["notes"][0]["id"], note_ids[5].to_string());
    assert!(detail["notes"][0]["createdAt"].is_string());
    assert_eq!(
        detail["tags"],
        json!([
            {"id": acu, "name": "Acupuncture", "color": "#ff0000", "category": "services_modalities"},
            {"id": zen, "name": "Zen", "color": "#000000", "category": "emotional_mental"},
        ])
    );
    assert_eq!(detail["identities"].as_array().unwrap().len(), 1);
    assert_eq!(detail["identities"][0]["value"], "+12025550143");
    assert_eq!(detail["identities"][0]["kind"], "phone");
    let consents = detail["consents"].as_array().unwrap();
    assert_eq!(consents.len(), 2);
    assert_eq!(consents[0]["consentType"], "hipaa");
    assert_eq!(consents[0]["granted"], true);
    assert_eq!(consents[0]["version"], "h1");
    // The newest marketing decision (withdrawn) is the state.
    assert_eq!(consents[1]["consentType"], "marketing");
    assert_eq!(consents[1]["granted"], false);
    assert_eq!(consents[1]["version"], "v2");

    // A contact without anything has empty collections.
    let bare = ctx.named(user, "Bare").await;
    let detail = get_json(&ctx, user, &format!("/api/v1/contacts/{}", id_of(&bare))).await;
    for key in ["notes", "tags", "identities", "consents"] {
        assert_eq!(detail[key], json!([]), "{key}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_delete_deletes_own_contacts_and_reports_the_rest() {
    let ctx = setup().await;
    let (user, other) = (TestApp::new_user(), TestApp::new_user());
    let a = id_of(&ctx.named(user, "A").await);
    let b = id_of(&ctx.named(user, "B").await);
    let keep = id_of(&ctx.named(user, "Keep").await);
    let theirs = id_of(&ctx.named(other, "Theirs").await);
    let missing = Uuid::now_v7().to_string();

    let res = ctx
        .send(
            user,
            Method::POST,
            "/api/v1/contacts/bulk-delete",
            Some(json!({"ids": [a, theirs, b, a, missing]})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"deleted": 2, "errors": [
            {"id": theirs, "code": "not_found"},
            {"id": missing, "code": "not_found"},
        ]})
    );
    let left = get_json(&ctx, user, "/api/v1/contacts").await;
    assert_eq!(names(&left), ["Keep"]);
    assert_eq!(
        get_json(&ctx, user, &format!("/api/v1/contacts/{keep}")).await["id"],
        keep
    );
    // The other user's contact was never touched.
    let theirs_now = get_json(&ctx, other, &format!("/api/v1/contacts/{theirs}")).await;
    assert_eq!(theirs_now["displayName"], "Theirs");

    // Deleting them again reports every id.
    let again: Value = ctx
        .send(
            user,
            Method::POST,
            "/api/v1/contacts/bulk-delete",
            Some(json!({"ids": [a]})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        again,
        json!({"deleted": 0, "errors": [{"id": a, "code": "not_found"}]})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_delete_is_all_or_nothing() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let fine = id_of(&ctx.named(user, "Fine").await);
    let doomed = id_of(&ctx.named(user, "Explodes").await);
    // Make deleting one of the rows fail inside the statement.
    sql(
        &ctx,
        "CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
         CREATE TRIGGER refuse_delete BEFORE DELETE ON contacts FOR EACH ROW
           WHEN (OLD.display_name = 'Explodes') EXECUTE FUNCTION refuse_delete();",
    )
    .await;
    let res = ctx
        .send(
            user,
            Method::POST,
            "/api/v1/contacts/bulk-delete",
            Some(json!({"ids": [fine, doomed]})),
        )
        .await;
    problem(res, StatusCode::INTERNAL_SERVER_ERROR, "internal").await;
    let count = get_json(&ctx, user, "/api/v1/contacts/count").await;
    assert_eq!(count["count"], 2, "nothing was deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_delete_validates_its_body() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let send = |body: Value| {
        ctx.send(
            user,
            Method::POST,
            "/api/v1/contacts/bulk-delete",
            Some(body),
        )
    };
    let empty = problem(
        send(json!({"ids": []})).await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&empty), ["/ids"]);
    let ids: Vec<String> = (0..101).map(|_| Uuid::now_v7().to_string()).collect();
    let many = problem(
        send(json!({ "ids": ids })).await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&many), ["/ids"]);
    let not_uuid = problem(
        send(json!({"ids": [Uuid::now_v7(), "nope"]})).await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&not_uuid), ["/ids/1"]);
    problem(
        send(json!({"ids": [], "all": true})).await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_guard_matches_emails_case_insensitively_phones_in_e164_and_identities() {
    let ctx = setup().await;
    let (user, other) = (TestApp::new_user(), TestApp::new_user());
    let ann = ctx
        .create_contact(
            user,
            json!({"displayName": "Ann", "primaryEmail": "Ann@Example.com", "primaryPhone": "(202) 555-0143"}),
        )
        .await;
    let bob = ctx.named(user, "Bob").await;
    for (kind, value) in [
        ("email", "Bobby@Work.example"),
        ("phone", "+44 20 7946 0958"),
    ] {
        let res = ctx
            .send(
                user,
                Method::POST,
                "/api/v1/data-intelligence/contact-identities",
                Some(json!({"contactId": id_of(&bob), "kind": kind, "value": value})),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }

    let conflict = |body: Value| ctx.send(user, Method::POST, "/api/v1/contacts", Some(body));
    for (body, existing) in [
        (
            json!({"displayName": "A2", "primaryEmail": "ann@EXAMPLE.com"}),
            &ann,
        ),
        (
            json!({"displayName": "A3", "primaryPhone": "+1 202-555-0143"}),
            &ann,
        ),
        (
            json!({"displayName": "A4", "primaryPhone": "2025550143"}),
            &ann,
        ),
        (
            json!({"displayName": "B2", "primaryEmail": "bobby@work.example"}),
            &bob,
        ),
        (
            json!({"displayName": "B3", "primaryPhone": "+442079460958"}),
            &bob,
        ),
    ] {
        let p = problem(
            conflict(body.clone()).await,
            StatusCode::CONFLICT,
            "conflict",
        )
        .await;
        assert_eq!(p["existingId"], existing["id"], "{body}");
    }
    // A different number, an unparsable one nobody has, and another user are fine.
    for body in [
        json!({"displayName": "C", "primaryPhone": "(202) 555-0144"}),
        json!({"displayName": "D", "primaryPhone": "555-01"}),
    ] {
        assert_eq!(conflict(body).await.status(), StatusCode::CREATED);
    }
    ctx.create_contact(
        other,
        json!({"displayName": "Ann", "primaryEmail": "ann@example.com"}),
    )
    .await;
    // Explicitly allowed duplicates are created.
    let res = ctx
        .send(
            user,
            Method::POST,
            "/api/v1/contacts?allowDuplicate=true",
            Some(json!({"displayName": "Ann again", "primaryPhone": "202.555.0143"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_contacts_stay_out_of_search_detail_and_bulk_delete() {
    let ctx = setup().await;
    let (alice, bob) = (TestApp::new_user(), TestApp::new_user());
    let anna = ctx.named(alice, "Anna Smith").await;
    add_note(&ctx, alice, &id_of(&anna), "private", 1).await;
    ctx.named(bob, "Annabel").await;

    let bobs = get_json(&ctx, bob, "/api/v1/contacts?search=anna").await;
    assert_eq!(names(&bobs), ["Annabel"]);
    let typo = get_json(&ctx, bob, "/api/v1/contacts?search=smiht").await;
    assert_eq!(typo["pagination"]["total"], 0);
    problem(
        ctx.send(
            bob,
            Method::GET,
            &format!("/api/v1/contacts/{}", id_of(&anna)),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let listed = get_json(&ctx, bob, "/api/v1/contacts").await;
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["lastNote"].is_null())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_query_is_validated() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let sort = problem(
        ctx.send(user, Method::GET, "/api/v1/contacts?sort=score", None)
            .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&sort), ["/sort"]);
    let long = "a".repeat(201);
    let search = problem(
        ctx.send(
            user,
            Method::GET,
            &format!("/api/v1/contacts?search={long}"),
            None,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&search), ["/search"]);
    // Postgres text cannot hold NUL: a 400, not a database error.
    let nul = problem(
        ctx.send(user, Method::GET, "/api/v1/contacts?search=a%00b", None)
            .await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&nul), ["/search"]);
}

/// The unfiltered total comes from the tenant's counter (ADR 0005): it must equal the
/// real number of contacts after every way contacts come and go.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unfiltered_total_stays_exact_through_creates_and_deletes() {
    let ctx = setup().await;
    let (user, other) = (TestApp::new_user(), TestApp::new_user());
    let total = |user| {
        let ctx = &ctx;
        async move { get_json(ctx, user, "/api/v1/contacts").await["pagination"]["total"].clone() }
    };
    assert_eq!(
        total(user).await,
        0,
        "a user who never wrote has no contacts"
    );

    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(id_of(&ctx.named(user, &format!("Client {i}")).await));
    }
    ctx.named(other, "Someone else").await;
    // Sixteen creates at once, each in its own transaction.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let http = ctx.app.http.clone();
        let url = ctx.app.url("/api/v1/contacts?allowDuplicate=true");
        tasks.spawn(async move {
            http.post(url)
                .bearer_auth(TestApp::token(user))
                .json(&json!({"displayName": format!("Walk-in {i}")}))
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.unwrap(), StatusCode::CREATED);
    }
    assert_eq!(total(user).await, 20);

    let res = ctx
        .send(
            user,
            Method::POST,
            "/api/v1/contacts/bulk-delete",
            Some(json!({"ids": [ids[0], ids[1], ids[1], Uuid::now_v7()]})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = ctx
        .send(
            user,
            Method::DELETE,
            &format!("/api/v1/contacts/{}", ids[2]),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(total(user).await, 17);
    // A filter that matches everything counts the rows and must agree with the counter.
    let counted = get_json(&ctx, user, "/api/v1/contacts?clientStatus=active").await;
    assert_eq!(counted["pagination"]["total"], 17);
    assert_eq!(total(other).await, 1);

    // Erasure takes the counter with it; the next contact starts from one again.
    let res = ctx
        .send(
            user,
            Method::DELETE,
            "/api/v1/user",
            Some(json!({"confirmation": "DELETE MY DATA", "acknowledgeIrreversible": true})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    ctx.named(user, "Fresh start").await;
    assert_eq!(total(user).await, 1);
    assert_eq!(total(other).await, 1);
}
