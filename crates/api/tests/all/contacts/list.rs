//! `GET /api/v1/contacts`: search, filters, sorting, pagination and the validated query.
use crate::common::contacts::*;
use crate::common::create_contact;
use crate::common::named_contact;
use crate::common::setup;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_searches_filters_sorts_and_paginates() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    create_contact(&ctx.app.as_user(user), json!({"displayName": "Zoe Quinn", "primaryEmail": "zoe@yoga.example", "lifecycleStage": "Prospect"})).await;
    create_contact(&ctx.app.as_user(user), json!({"displayName": "adam Smith", "primaryPhone": "555-000-1111", "clientStatus": "churned"})).await;
    create_contact(
        &ctx.app.as_user(user),
        json!({"displayName": "Bea 100%", "source": "referral"}),
    )
    .await;

    let get = |q: &'static str| {
        let ctx = &ctx;
        async move {
            let res = ctx
                .app
                .as_user(user)
                .get(&format!("/api/v1/contacts?{q}"))
                .await;
            assert_eq!(res.status(), StatusCode::OK, "{q}");
            let body: Value = res.json();
            body
        }
    };
    let names = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["displayName"].as_str().unwrap().to_owned())
            .collect()
    };

    assert_eq!(
        names(&get("sort=displayName&order=asc").await),
        ["adam Smith", "Bea 100%", "Zoe Quinn"]
    );
    assert_eq!(
        names(&get("sort=displayName&order=desc").await),
        ["Zoe Quinn", "Bea 100%", "adam Smith"]
    );
    assert_eq!(names(&get("search=YOGA").await), ["Zoe Quinn"]);
    assert_eq!(names(&get("search=000-11").await), ["adam Smith"]);
    // `%` is matched literally, not as a wildcard.
    assert_eq!(names(&get("search=0%25").await), ["Bea 100%"]);
    assert_eq!(
        names(&get("clientStatus=churned&clientStatus=at_risk").await),
        ["adam Smith"]
    );
    assert_eq!(names(&get("lifecycleStage=Prospect").await), ["Zoe Quinn"]);
    assert_eq!(
        names(&get("source=referral&source=manual&sort=displayName&order=asc").await),
        ["adam Smith", "Bea 100%", "Zoe Quinn"]
    );

    let page = get("sort=displayName&order=asc&pageSize=2&page=2").await;
    assert_eq!(names(&page), ["Zoe Quinn"]);
    assert_eq!(
        page["pagination"],
        json!({"page": 2, "pageSize": 2, "total": 3, "totalPages": 2, "hasNext": false, "hasPrev": true})
    );
    let past_end = get("page=9").await;
    assert_eq!(past_end["items"].as_array().map(Vec::len), Some(0));

    let count: Value = ctx
        .app
        .as_user(user)
        .get("/api/v1/contacts/count?clientStatus=active")
        .await
        .json();
    assert_eq!(count["count"], 2);

    for bad in ["sort=colour", "pageSize=201", "page=0", "clientStatus=vip"] {
        let res = ctx
            .app
            .as_user(user)
            .get(&format!("/api/v1/contacts?{bad}"))
            .await;
        res.problem(StatusCode::BAD_REQUEST, "validation_failed");
    }
    let res = ctx
        .app
        .as_user(user)
        .get("/api/v1/contacts?colour=red")
        .await;
    res.problem(StatusCode::BAD_REQUEST, "malformed_request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_ranks_best_matches_first_and_tolerates_typos() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    for body in [
        json!({"displayName": "Joanne Park"}),
        json!({"displayName": "Bob Stone", "primaryEmail": "bob@annex.io"}),
        json!({"displayName": "Anna Smith", "primaryPhone": "(202) 555-0143"}),
        json!({"displayName": "Ann Lee"}),
        json!({"displayName": "Jonathan Miller"}),
        json!({"displayName": "Carl Brandt"}),
    ] {
        create_contact(&as_user, body).await;
    }

    // Exact word first, then a word starting with the term, then substrings; relevance is
    // the default order whenever a search is given.
    let ann = as_user
        .get("/api/v1/contacts?search=ann")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(
        names(&ann),
        ["Ann Lee", "Anna Smith", "Joanne Park", "Bob Stone"]
    );
    assert_eq!(ann["pagination"]["total"], 4);
    let explicit = as_user
        .get("/api/v1/contacts?search=ann&sort=relevance")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(names(&explicit), names(&ann));
    // Another sort still filters by the search.
    let by_name = as_user
        .get("/api/v1/contacts?search=ann&sort=displayName&order=asc")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(
        names(&by_name),
        ["Ann Lee", "Anna Smith", "Bob Stone", "Joanne Park"]
    );

    // A term without a trigram cannot use the index and is tested on every contact.
    let short = as_user
        .get("/api/v1/contacts?search=an")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(short["pagination"]["total"], 6);
    assert_eq!(names(&short).len(), 6);

    // Typos of 4+ character terms still find the name.
    let typo = as_user
        .get("/api/v1/contacts?search=Smiht")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(names(&typo), ["Anna Smith"]);
    // Its word similarity is exactly the threshold (0.5): the count must find it too.
    let count = as_user
        .get("/api/v1/contacts/count?search=Smiht")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(count["count"], 1);
    let typo = as_user
        .get("/api/v1/contacts?search=jonathon")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(names(&typo), ["Jonathan Miller"]);
    // Phone digits match whatever punctuation was typed.
    let phone = as_user
        .get("/api/v1/contacts?search=202-5550143")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(names(&phone), ["Anna Smith"]);
    // Wildcards are literal, and unrelated terms find nothing.
    let none = as_user
        .get("/api/v1/contacts?search=%25")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(none["pagination"]["total"], 0);
    let none = as_user
        .get("/api/v1/contacts?search=zebra")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(names(&none), Vec::<String>::new());

    // The count agrees with the list, also past the last page.
    let count = as_user
        .get("/api/v1/contacts/count?search=ann")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(count["count"], 4);
    let past_end = as_user
        .get("/api/v1/contacts?search=ann&page=3&pageSize=2")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(names(&past_end), Vec::<String>::new());
    assert_eq!(past_end["pagination"]["total"], 4);
    let second = as_user
        .get("/api/v1/contacts?search=ann&page=2&pageSize=2")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(names(&second), ["Joanne Park", "Bob Stone"]);

    // Relevance without a search falls back to the newest first.
    let newest = as_user
        .get("/api/v1/contacts?sort=relevance")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(names(&newest)[0], "Carl Brandt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tag_filter_keeps_contacts_with_any_of_the_tags() {
    let ctx = setup().await;
    let (user, other) = (TestApp::new_user(), TestApp::new_user());
    let as_user = ctx.app.as_user(user);
    let ann = named_contact(&as_user, "Ann").await;
    let bob = named_contact(&as_user, "Bob").await;
    named_contact(&as_user, "Cy").await;
    let yoga = add_tag(&ctx, user, "Yoga", "#112233", "services_modalities").await;
    let vip = add_tag(&ctx, user, "VIP", "#445566", "client_demographics").await;
    tag_contact(&ctx, user, &id_of(&ann), yoga).await;
    tag_contact(&ctx, user, &id_of(&ann), vip).await;
    tag_contact(&ctx, user, &id_of(&bob), vip).await;

    let one = as_user
        .get(&format!("/api/v1/contacts?tagId={yoga}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(names(&one), ["Ann"]);
    let any = as_user
        .get(&format!(
            "/api/v1/contacts?tagId={yoga}&tagId={vip}&sort=displayName&order=asc"
        ))
        .await
        .ok_json(StatusCode::OK);
    // Ann carries both tags and is listed once.
    assert_eq!(names(&any), ["Ann", "Bob"]);
    assert_eq!(any["pagination"]["total"], 2);
    let count = as_user
        .get(&format!("/api/v1/contacts/count?tagId={vip}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(count["count"], 2);
    let combined = as_user
        .get(&format!("/api/v1/contacts?tagId={vip}&search=bob"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(names(&combined), ["Bob"]);

    // Another user's tag id matches nothing here, and their filter sees nothing of ours.
    let theirs = add_tag(&ctx, other, "Yoga", "#112233", "services_modalities").await;
    let none = as_user
        .get(&format!("/api/v1/contacts?tagId={theirs}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(none["pagination"]["total"], 0);
    let none = ctx
        .app
        .as_user(other)
        .get(&format!("/api/v1/contacts/count?tagId={yoga}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(none["count"], 0);

    let bad = as_user
        .get("/api/v1/contacts?tagId=yoga")
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert!(
        pointers(&bad).iter().all(|p| p.starts_with("/tagId")),
        "{bad}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_items_carry_a_preview_of_the_newest_note() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let quiet = named_contact(&as_user, "Quiet").await;
    let chatty = named_contact(&as_user, "Chatty").await;
    let long = named_contact(&as_user, "Long").await;
    add_note(&ctx, user, &id_of(&chatty), "older note", 60).await;
    add_note(&ctx, user, &id_of(&chatty), "newest note", 5).await;
    add_note(&ctx, user, &id_of(&chatty), "middle note", 30).await;
    add_note(&ctx, user, &id_of(&long), &"é".repeat(600), 1).await;

    let list = as_user
        .get("/api/v1/contacts?pageSize=10")
        .await
        .ok_json(StatusCode::OK);
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
    let searched = as_user
        .get("/api/v1/contacts?search=chatty")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(searched["items"][0]["lastNote"], "newest note");
    assert_eq!(searched["items"][0]["displayName"], "Chatty");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_query_is_validated() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let sort = as_user
        .get("/api/v1/contacts?sort=score")
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&sort), ["/sort"]);
    let long = "a".repeat(201);
    let search = as_user
        .get(&format!("/api/v1/contacts?search={long}"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&search), ["/search"]);
    // Postgres text cannot hold NUL: a 400, not a database error.
    let nul = as_user
        .get("/api/v1/contacts?search=a%00b")
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
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
        async move {
            ctx.app
                .as_user(user)
                .get("/api/v1/contacts")
                .await
                .ok_json(StatusCode::OK)["pagination"]["total"]
                .clone()
        }
    };
    assert_eq!(
        total(user).await,
        0,
        "a user who never wrote has no contacts"
    );

    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(id_of(
            &named_contact(&ctx.app.as_user(user), &format!("Client {i}")).await,
        ));
    }
    named_contact(&ctx.app.as_user(other), "Someone else").await;
    // Sixteen creates at once, each in its own transaction.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let request = ctx
            .app
            .as_user(user)
            .request(Method::POST, "/api/v1/contacts?allowDuplicate=true")
            .json(&json!({"displayName": format!("Walk-in {i}")}));
        tasks.spawn(async move { request.send().await.unwrap().status() });
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.unwrap(), StatusCode::CREATED);
    }
    assert_eq!(total(user).await, 20);

    let res = ctx
        .app
        .as_user(user)
        .post_json(
            "/api/v1/contacts/bulk-delete",
            &json!({"ids": [ids[0], ids[1], ids[1], Uuid::now_v7()]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = ctx
        .app
        .as_user(user)
        .delete(&format!("/api/v1/contacts/{}", ids[2]))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(total(user).await, 17);
    // A filter that matches everything counts the rows and must agree with the counter.
    let counted = ctx
        .app
        .as_user(user)
        .get("/api/v1/contacts?clientStatus=active")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(counted["pagination"]["total"], 17);
    assert_eq!(total(other).await, 1);

    // Erasure takes the counter with it; the next contact starts from one again.
    let res = ctx
        .app
        .as_user(user)
        .send_json(
            Method::DELETE,
            "/api/v1/user",
            Some(&json!({"confirmation": "DELETE MY DATA", "acknowledgeIrreversible": true})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    named_contact(&ctx.app.as_user(user), "Fresh start").await;
    assert_eq!(total(user).await, 1);
    assert_eq!(total(other).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn has_email_and_has_phone_filter_and_items_carry_their_tags() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let both = create_contact(
        &as_user,
        json!({"displayName": "Both", "primaryEmail": "both@example.com", "primaryPhone": "+1 555 0100"}),
    )
    .await;
    create_contact(
        &as_user,
        json!({"displayName": "Mail", "primaryEmail": "mail@example.com"}),
    )
    .await;
    create_contact(
        &as_user,
        json!({"displayName": "Phone", "primaryPhone": "+1 555 0101"}),
    )
    .await;
    named_contact(&as_user, "Neither").await;
    let yoga = add_tag(&ctx, user, "Yoga", "#112233", "services_modalities").await;
    let vip = add_tag(&ctx, user, "VIP", "#445566", "client_demographics").await;
    tag_contact(&ctx, user, &id_of(&both), yoga).await;
    tag_contact(&ctx, user, &id_of(&both), vip).await;

    let list = |q: &'static str| {
        let as_user = &as_user;
        async move {
            let page = as_user
                .get(&format!("/api/v1/contacts?sort=displayName&order=asc&{q}"))
                .await
                .ok_json(StatusCode::OK);
            names(&page)
        }
    };
    assert_eq!(list("hasEmail=true").await, ["Both", "Mail"]);
    assert_eq!(list("hasEmail=false").await, ["Neither", "Phone"]);
    assert_eq!(list("hasPhone=true").await, ["Both", "Phone"]);
    assert_eq!(list("hasPhone=false&hasEmail=false").await, ["Neither"]);
    let count = as_user
        .get("/api/v1/contacts/count?hasEmail=true&hasPhone=true")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(count["count"], 1);
    as_user
        .get("/api/v1/contacts?hasEmail=yes")
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");

    let page = as_user
        .get("/api/v1/contacts?sort=displayName&order=asc")
        .await
        .ok_json(StatusCode::OK);
    let tags: Vec<&str> = page["items"][0]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["VIP", "Yoga"]);
    assert_eq!(page["items"][1]["tags"], json!([]));
    let searched = as_user
        .get("/api/v1/contacts?search=both")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(searched["items"][0]["tags"].as_array().unwrap().len(), 2);
}
