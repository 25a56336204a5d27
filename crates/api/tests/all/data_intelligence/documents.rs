//! `/api/v1/data-intelligence/documents`: create, read, change (with `If-Match`), list with
//! filters and cursor pages, delete; bounded input; only the owner's contacts and
//! documents; found by `GET /search?types=document`.

use crate::common::notes::contact;
use crate::common::search::{hits, search};
use crate::common::setup;
use omnicrm_testkit::{TestApp, pointers};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(crate) const DOCUMENTS: &str = "/api/v1/data-intelligence/documents";

fn titles(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["title"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_are_created_read_changed_listed_and_deleted() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let ada = contact(&alice, "Ada Lovelace").await;
    let res = alice
        .post_json(
            DOCUMENTS,
            &json!({"title": "  Intake form ", "text": "Sleeps badly, drinks coffee late.",
                    "mime": "Text/Plain", "ownerContactId": ada, "meta": {"filename": "intake.txt"}}),
        )
        .await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let intake = res.ok_json(StatusCode::CREATED);
    assert_eq!(
        location,
        format!("{DOCUMENTS}/{}", intake["id"].as_str().unwrap())
    );
    assert_eq!(intake["title"], "Intake form");
    assert_eq!(intake["mime"], "text/plain");
    assert_eq!(intake["ownerContactId"], ada.as_str());
    assert_eq!(intake["meta"], json!({"filename": "intake.txt"}));
    assert!(intake["createdAt"].is_string());

    let got = alice.get(&location).await;
    let etag = got.header("etag").unwrap().to_owned();
    assert_eq!(got.ok_json(StatusCode::OK), intake);

    let changed = alice
        .clone()
        .header("if-match", &etag)
        .patch_json(
            &location,
            &json!({"title": "Intake (v2)", "mime": null, "meta": null}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(changed["title"], "Intake (v2)");
    assert_eq!(changed["mime"], Value::Null);
    assert_eq!(changed["meta"], Value::Null);
    assert_eq!(
        changed["text"], intake["text"],
        "absent fields are unchanged"
    );
    alice
        .clone()
        .header("if-match", &etag)
        .patch_json(&location, &json!({"title": "Stale"}))
        .await
        .problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");

    for (title, mime) in [
        ("Care plan", "application/pdf"),
        ("Handout", "text/markdown"),
    ] {
        alice
            .post_json(
                DOCUMENTS,
                &json!({"title": title, "mime": mime, "text": "breathing"}),
            )
            .await
            .expect(StatusCode::CREATED);
    }
    let all = alice.get(DOCUMENTS).await.ok_json(StatusCode::OK);
    assert_eq!(titles(&all), ["Handout", "Care plan", "Intake (v2)"]);
    assert!(all.get("nextCursor").is_none());
    let first = alice
        .get(&format!("{DOCUMENTS}?limit=2"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(titles(&first), ["Handout", "Care plan"]);
    let cursor = first["nextCursor"].as_str().unwrap();
    let rest = alice
        .get(&format!("{DOCUMENTS}?limit=2&cursor={cursor}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(titles(&rest), ["Intake (v2)"]);
    assert!(rest.get("nextCursor").is_none());
    let of_ada = alice
        .get(&format!("{DOCUMENTS}?ownerContactId={ada}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(titles(&of_ada), ["Intake (v2)"]);
    let typed = alice
        .get(&format!(
            "{DOCUMENTS}?mime=APPLICATION/PDF&mime=text/markdown"
        ))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(titles(&typed), ["Handout", "Care plan"]);
    let found = alice
        .get(&format!("{DOCUMENTS}?search=COFFEE"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(titles(&found), ["Intake (v2)"]);

    // Deleting the contact keeps the document, about nobody.
    alice
        .delete(&format!("/api/v1/contacts/{ada}"))
        .await
        .expect(StatusCode::NO_CONTENT);
    let orphan = alice.get(&location).await.ok_json(StatusCode::OK);
    assert_eq!(orphan["ownerContactId"], Value::Null);

    alice.delete(&location).await.expect(StatusCode::NO_CONTENT);
    alice
        .get(&location)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    alice
        .delete(&location)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_documents_are_refused_at_the_field_and_nothing_is_stored() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bob = ctx.app.as_user(TestApp::new_user());
    let bobs = contact(&bob, "Bob's client").await;
    let cases = [
        (json!({"text": "no title"}), "/title"),
        (json!({"title": "   "}), "/title"),
        (json!({"title": "t".repeat(501)}), "/title"),
        (
            json!({"title": "Long", "text": "x".repeat(100_001)}),
            "/text",
        ),
        (json!({"title": "Mime", "mime": "plain text"}), "/mime"),
        (
            json!({"title": "Theirs", "ownerContactId": bobs}),
            "/ownerContactId",
        ),
        (
            json!({"title": "Nobody", "ownerContactId": uuid::Uuid::now_v7()}),
            "/ownerContactId",
        ),
    ];
    for (body, pointer) in cases {
        let problem = alice
            .post_json(DOCUMENTS, &body)
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&problem), [pointer], "{body}");
    }
    alice
        .post_json(DOCUMENTS, &json!({"title": "x", "meta": "not an object"}))
        .await
        .expect(StatusCode::BAD_REQUEST);
    alice
        .post_json(DOCUMENTS, &json!({"title": "x", "owner": "unknown field"}))
        .await
        .expect(StatusCode::BAD_REQUEST);
    let doc = alice
        .post_json(DOCUMENTS, &json!({"title": "Kept", "text": "fine"}))
        .await
        .ok_json(StatusCode::CREATED);
    let path = format!("{DOCUMENTS}/{}", doc["id"].as_str().unwrap());
    let null_title = alice
        .patch_json(&path, &json!({"title": null}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&null_title), ["/title"]);
    let theirs = alice
        .patch_json(&path, &json!({"ownerContactId": bobs}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&theirs), ["/ownerContactId"]);
    alice
        .get(&format!("{DOCUMENTS}?limit=0"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    alice
        .get(&format!("{DOCUMENTS}?cursor=nope"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    let all = alice.get(DOCUMENTS).await.ok_json(StatusCode::OK);
    assert_eq!(titles(&all), ["Kept"]);
    assert_eq!(
        alice.get(&path).await.ok_json(StatusCode::OK)["ownerContactId"],
        Value::Null
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_are_only_their_owners() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let bob = ctx.app.as_user(TestApp::new_user());
    let doc = alice
        .post_json(
            DOCUMENTS,
            &json!({"title": "Private", "text": "alice's secret plan"}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let path = format!("{DOCUMENTS}/{}", doc["id"].as_str().unwrap());
    bob.get(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    bob.patch_json(&path, &json!({"title": "Mine"}))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    bob.delete(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    let listed = bob
        .get(&format!("{DOCUMENTS}?search=secret"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(listed["items"], json!([]));
    assert_eq!(hits(&search(&bob, "q=secret&types=document").await), vec![]);
    ctx.app
        .anonymous()
        .get(&path)
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert_eq!(
        alice.get(&path).await.ok_json(StatusCode::OK)["title"],
        "Private"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_are_found_by_full_text_search_and_forgotten_when_deleted() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let doc = alice
        .post_json(
            DOCUMENTS,
            &json!({"title": "Breathing exercises", "text": "Box breathing calms anxiety before sessions."}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let id = doc["id"].as_str().unwrap().to_owned();
    let answer = search(&alice, "q=anxiety&types=document").await;
    assert_eq!(hits(&answer), vec![("document".to_owned(), id.clone())]);
    assert_eq!(answer["results"][0]["path"], format!("{DOCUMENTS}/{id}"));
    assert_eq!(answer["results"][0]["title"], "Breathing exercises");
    // A change of text is searched at once.
    alice
        .patch_json(
            &format!("{DOCUMENTS}/{id}"),
            &json!({"text": "Progressive muscle relaxation."}),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        hits(&search(&alice, "q=anxiety&types=document").await),
        vec![]
    );
    assert_eq!(
        hits(&search(&alice, "q=relaxation&types=document").await),
        vec![("document".to_owned(), id.clone())]
    );
    alice
        .delete(&format!("{DOCUMENTS}/{id}"))
        .await
        .expect(StatusCode::NO_CONTENT);
    assert_eq!(
        hits(&search(&alice, "q=relaxation&types=document").await),
        vec![]
    );
}
