//! `PATCH /api/v1/notes/{id}`: only what is sent changes, new text is redacted, goal and tag links are replaced.

use crate::common::notes::*;
use crate::common::{Ctx, setup};
use omnicrm_domain::UserId;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::pointers;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_changes_only_what_is_sent_and_redacts_new_text() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let contact_id = contact(&as_user, "Ann").await;
    let note = create_note(
        &as_user,
        json!({"contactId": contact_id, "contentPlain": "First visit", "contentRich": rich_doc()}),
    )
    .await;
    let path = format!("/api/v1/notes/{}", note["id"].as_str().unwrap());

    // An empty PATCH changes nothing.
    let same: Value = as_user.patch_json(&path, &json!({})).await.json();
    assert_eq!(same, note);

    // New plain text is redacted; the rich document stays.
    let res = as_user
        .patch_json(
            &path,
            &json!({"contentPlain": "Now at 123-45-6789 and ann.lee@example.com"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let changed: Value = res.json();
    assert_eq!(changed["contentPlain"], "Now at [SSN] and [EMAIL]");
    assert_eq!(changed["piiEntities"][0]["type"], "ssn");
    assert_eq!(changed["piiEntities"][0]["start"], 7);
    assert_eq!(changed["contentRich"], note["contentRich"]);
    assert_eq!(changed["contactId"], note["contactId"]);

    // A new rich document alone also replaces the plain text with its text.
    let doc = json!({"type": "doc", "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": "Moved to 42 Elm Street"}]}]});
    let changed: Value = as_user
        .patch_json(&path, &json!({"contentRich": doc}))
        .await
        .json();
    assert_eq!(changed["contentPlain"], "Moved to [ADDRESS]");
    assert_eq!(
        changed["contentRich"]["content"][0]["content"][0]["text"],
        "Moved to [ADDRESS]"
    );

    // `contentRich: null` clears the document and keeps the text.
    let cleared: Value = as_user
        .patch_json(&path, &json!({"contentRich": null}))
        .await
        .json();
    assert_eq!(cleared["contentRich"], json!({}));
    assert_eq!(cleared["contentPlain"], "Moved to [ADDRESS]");

    // The text cannot be emptied, nulled or blanked; contact and source are fixed.
    for body in [
        json!({"contentPlain": ""}),
        json!({"contentPlain": "   "}),
        json!({"contentPlain": null}),
    ] {
        let body = as_user
            .patch_json(&path, &body)
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        let mut fields = pointers(&body);
        fields.dedup();
        assert_eq!(fields, ["/contentPlain"]);
    }
    let body = as_user
        .patch_json(
            &path,
            &json!({"contentRich": {"type": "doc", "content": []}}),
        )
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/contentRich"]);
    as_user
        .patch_json(&path, &json!({"contactId": contact_id}))
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
    let unchanged = as_user.get(&path).await.ok_json(StatusCode::OK);
    assert_eq!(unchanged["contentPlain"], "Moved to [ADDRESS]");

    // Delete, then it is gone.
    let res = as_user.delete(&path).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for method in [Method::GET, Method::DELETE] {
        as_user
            .send_json(method, &path, None)
            .await
            .problem(StatusCode::NOT_FOUND, "not_found");
    }
    as_user
        .get("/api/v1/notes/not-a-uuid")
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goal_ids_and_tag_ids_really_link_and_replace() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let as_user = ctx.app.as_user(user);
    let ann = contact(&as_user, "Ann").await;
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
        &as_user,
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
    let changed: Value = as_user
        .patch_json(&path, &json!({"tagIds": [diet, sleep]}))
        .await
        .json();
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
    let cleared: Value = as_user
        .patch_json(&path, &json!({"goalIds": [], "tagIds": null}))
        .await
        .json();
    assert_eq!(cleared["goalIds"], json!([]));
    assert_eq!(cleared["tags"], json!([]));
    assert_eq!(goal_links(&ctx, &note_id).await, "0");
    assert_eq!(usage(&ctx, user).await, "Diet=0,Sleep=0,Stress=0");

    // Relink, then deleting the note releases its links.
    as_user
        .patch_json(&path, &json!({"tagIds": [sleep], "goalIds": [goal_b]}))
        .await;
    assert_eq!(usage(&ctx, user).await, "Diet=0,Sleep=1,Stress=0");
    assert_eq!(goal_links(&ctx, &note_id).await, "1");
    let listed = as_user.get("/api/v1/notes").await.ok_json(StatusCode::OK);
    assert_eq!(listed["items"][0]["tags"][0]["name"], "Sleep");
    assert_eq!(listed["items"][0]["goalIds"], json!([goal_b.to_string()]));
    assert_eq!(as_user.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(usage(&ctx, user).await, "Diet=0,Sleep=0,Stress=0");
    assert_eq!(goal_links(&ctx, &note_id).await, "0");
}
