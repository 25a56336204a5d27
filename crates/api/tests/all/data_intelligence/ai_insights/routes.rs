//! Reads, status changes and deletion: the owner's insights only, filters, cursor pages,
//! `ETag`s, validation.

use omnicrm_testkit::{TestApp, pointers};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::insights::{insight_count, kinds, seed_insight};
use crate::common::{named_contact, setup};

const BASE: &str = "/api/v1/data-intelligence/ai-insights";

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[track_caller]
fn assert_ids(page: &Value, want: &[&String]) {
    let want: Vec<String> = want.iter().map(|s| (*s).clone()).collect();
    assert_eq!(ids(page), want);
}

#[tokio::test]
async fn the_list_filters_by_kind_status_and_contact_and_pages_newest_first() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = named_contact(&alice, "Ada").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bob = named_contact(&alice, "Bob").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = seed_insight(&ctx.db, user, Some(&ada), "lead_score", "new", 50).await;
    let b = seed_insight(&ctx.db, user, Some(&ada), "summary", "viewed", 40).await;
    let c = seed_insight(&ctx.db, user, Some(&bob), "risk", "dismissed", 30).await;
    let d = seed_insight(&ctx.db, user, None, "weekly_digest", "new", 20).await;
    let e = seed_insight(&ctx.db, user, Some(&bob), "lead_score", "applied", 10).await;

    let all = alice.get(BASE).await.ok_json(StatusCode::OK);
    assert_ids(&all, &[&e, &d, &c, &b, &a]);
    let first = &all["items"][0];
    assert_eq!(first["subjectType"], "contact");
    assert_eq!(first["subjectId"], bob.as_str());
    assert_eq!(first["status"], "applied");
    assert_eq!(first["model"], "heuristic");
    assert_eq!(first["promptVersion"], "heuristics-1");

    let by_kind = alice
        .get(&format!("{BASE}?kind=lead_score&kind=weekly_digest"))
        .await
        .ok_json(StatusCode::OK);
    assert_ids(&by_kind, &[&e, &d, &a]);
    let by_status = alice
        .get(&format!("{BASE}?status=new&status=viewed"))
        .await
        .ok_json(StatusCode::OK);
    assert_ids(&by_status, &[&d, &b, &a]);
    let by_contact = alice
        .get(&format!("{BASE}?subjectId={ada}&kind=summary"))
        .await
        .ok_json(StatusCode::OK);
    assert_ids(&by_contact, &[&b]);

    // Cursor pages of two.
    let p1 = alice
        .get(&format!("{BASE}?limit=2"))
        .await
        .ok_json(StatusCode::OK);
    assert_ids(&p1, &[&e, &d]);
    let cursor = p1["nextCursor"].as_str().unwrap();
    let p2 = alice
        .get(&format!("{BASE}?limit=2&cursor={cursor}"))
        .await
        .ok_json(StatusCode::OK);
    assert_ids(&p2, &[&c, &b]);
    let cursor = p2["nextCursor"].as_str().unwrap();
    let p3 = alice
        .get(&format!("{BASE}?limit=2&cursor={cursor}"))
        .await
        .ok_json(StatusCode::OK);
    assert_ids(&p3, &[&a]);
    assert!(p3.get("nextCursor").is_none());

    // A contact's own list.
    let ada_page = alice
        .get(&format!("/api/v1/contacts/{ada}/insights"))
        .await
        .ok_json(StatusCode::OK);
    assert_ids(&ada_page, &[&b, &a]);
    let ada_new = alice
        .get(&format!("/api/v1/contacts/{ada}/insights?status=new"))
        .await
        .ok_json(StatusCode::OK);
    assert_ids(&ada_new, &[&a]);
}

#[tokio::test]
async fn an_insight_is_read_marked_and_deleted_with_its_etag() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = named_contact(&alice, "Ada").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = seed_insight(&ctx.db, user, Some(&ada), "next_best_action", "new", 5).await;
    let path = format!("{BASE}/{id}");

    let got = alice.get(&path).await;
    let etag = got.header("etag").unwrap().to_owned();
    let got = got.ok_json(StatusCode::OK);
    assert_eq!(got["status"], "new");
    assert_eq!(got["kind"], "next_best_action");
    assert_eq!(got["content"]["title"], "next_best_action");

    let viewed = alice
        .clone()
        .header("if-match", &etag)
        .patch_json(&path, &json!({"status": "viewed"}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(viewed["status"], "viewed");
    // The old version no longer matches.
    alice
        .clone()
        .header("if-match", &etag)
        .patch_json(&path, &json!({"status": "applied"}))
        .await
        .problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");
    let applied = alice
        .patch_json(&path, &json!({"status": "applied"}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(applied["status"], "applied");
    assert_eq!(
        alice.get(&path).await.ok_json(StatusCode::OK)["status"],
        "applied"
    );

    alice.delete(&path).await.expect(StatusCode::NO_CONTENT);
    alice
        .get(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    alice
        .delete(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn another_users_insights_are_invisible_and_untouchable() {
    let ctx = setup().await;
    let (owner, intruder) = (TestApp::new_user(), TestApp::new_user());
    let alice = ctx.app.as_user(owner);
    let mallory = ctx.app.as_user(intruder);
    let ada = named_contact(&alice, "Ada").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = seed_insight(&ctx.db, owner, Some(&ada), "summary", "new", 1).await;
    let path = format!("{BASE}/{id}");

    mallory
        .get(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    mallory
        .patch_json(&path, &json!({"status": "dismissed"}))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    mallory
        .delete(&path)
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    let list = mallory.get(BASE).await.ok_json(StatusCode::OK);
    assert_eq!(list["items"], json!([]));
    let by_subject = mallory
        .get(&format!("{BASE}?subjectId={ada}"))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(by_subject["items"], json!([]));
    mallory
        .get(&format!("/api/v1/contacts/{ada}/insights"))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    // Nothing changed for the owner.
    let mine = alice.get(&path).await.ok_json(StatusCode::OK);
    assert_eq!(mine["status"], "new");
}

#[tokio::test]
async fn bad_input_is_a_validation_problem() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = named_contact(&alice, "Ada").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = seed_insight(&ctx.db, user, Some(&ada), "summary", "new", 1).await;
    let path = format!("{BASE}/{id}");

    for query in [
        "kind=bogus",
        "status=archived",
        "limit=0",
        "limit=201",
        "subjectId=x",
    ] {
        alice
            .get(&format!("{BASE}?{query}"))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
    }
    let p = alice
        .get(&format!("{BASE}?cursor=not-a-cursor"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&p), ["/cursor"]);
    alice
        .get(&format!("{BASE}/not-a-uuid"))
        .await
        // Like every id route: not a UUID is an id nobody has (IdPath).
        .problem(StatusCode::NOT_FOUND, "not_found");
    for body in [
        json!({"status": "new"}),
        json!({"status": "archived"}),
        json!({}),
    ] {
        alice
            .patch_json(&path, &body)
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
    }
    alice
        .patch_json(&path, &json!({"status": "viewed", "kind": "risk"}))
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
    alice
        .post_json(BASE, &json!({"subjectId": "nope"}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    alice
        .post_json(BASE, &json!({"kinds": ["fortune"]}))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
}

#[tokio::test]
async fn deleting_a_contact_deletes_its_insights_only() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = named_contact(&alice, "Ada").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bob = named_contact(&alice, "Bob").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    seed_insight(&ctx.db, user, Some(&ada), "summary", "new", 3).await;
    seed_insight(&ctx.db, user, Some(&ada), "risk", "viewed", 2).await;
    let kept = seed_insight(&ctx.db, user, Some(&bob), "summary", "new", 1).await;
    seed_insight(&ctx.db, user, None, "weekly_digest", "new", 1).await;
    assert_eq!(insight_count(&ctx.db, user).await, 4);

    alice
        .delete(&format!("/api/v1/contacts/{ada}"))
        .await
        .expect(StatusCode::NO_CONTENT);
    assert_eq!(insight_count(&ctx.db, user).await, 2);
    let left = alice.get(BASE).await.ok_json(StatusCode::OK);
    assert_eq!(
        kinds(left["items"].as_array().unwrap()),
        ["summary", "weekly_digest"]
    );
    assert!(ids(&left).contains(&kept));
}
