//! `GET /api/v1/search?type=traditional`: full text in the practitioner's language, near
//! misses of contact names, snippets, scores, kinds, limits and tenancy.

use crate::common::notes::{contact, create_note};
use crate::common::search::*;
use crate::common::setup;
use omnicrm_testkit::{TestApp, pointers};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_every_kind_by_its_words_names_and_titles_first() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = contact(&alice, "Ada Sleep").await;
    let note = create_note(
        &alice,
        json!({"contactId": ada, "contentPlain": "Reports poor sleep since May; tried magnesium."}),
    )
    .await;
    let note = note["id"].as_str().unwrap().to_owned();
    let email = seed_interaction(
        &ctx,
        user,
        "Clinic hours",
        "The sleep clinic opens at nine.",
    )
    .await;
    let task = seed_task(&ctx, user, "Sleep hygiene handout", "print it").await;
    let goal = seed_goal(&ctx, user, "Quarterly review", "sleep workshop numbers").await;
    let doc = seed_document(&ctx, user, "Intake form", "Questions about sleep and diet.").await;
    seed_task(&ctx, user, "Unrelated task", "nothing to see").await;

    let answer = search(&alice, "q=sleep").await;
    assert_eq!(answer["query"], "sleep");
    assert_eq!(answer["type"], "traditional");
    let found = hits(&answer);
    assert_eq!(found.len(), 6, "{answer:#}");
    // Names and titles (weight A) come before bodies (weight B).
    let first_two: Vec<&str> = found[..2].iter().map(|(t, _)| t.as_str()).collect();
    assert!(
        first_two.contains(&"contact") && first_two.contains(&"task"),
        "{answer:#}"
    );
    let mut kinds: Vec<(String, String)> = found.clone();
    kinds.sort();
    let mut expected = vec![
        ("contact".to_owned(), ada.clone()),
        ("note".to_owned(), note.clone()),
        ("interaction".to_owned(), email.to_string()),
        ("task".to_owned(), task.to_string()),
        ("goal".to_owned(), goal.to_string()),
        ("document".to_owned(), doc.to_string()),
    ];
    expected.sort();
    assert_eq!(kinds, expected);

    let results = answer["results"].as_array().unwrap();
    let scores: Vec<f64> = results
        .iter()
        .map(|r| r["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(scores.iter().all(|s| *s > 0.0 && *s <= 1.0), "{scores:?}");
    let by_type = |t: &str| results.iter().find(|r| r["type"] == t).unwrap();
    assert_eq!(by_type("note")["path"], format!("/api/v1/notes/{note}"));
    assert_eq!(
        by_type("contact")["path"],
        format!("/api/v1/contacts/{ada}")
    );
    assert_eq!(
        by_type("task")["path"],
        format!("/api/v1/omni-momentum/tasks/{task}")
    );
    assert_eq!(
        by_type("goal")["path"],
        format!("/api/v1/omni-momentum/goals/{goal}")
    );
    assert_eq!(
        by_type("interaction")["path"],
        format!("/api/v1/interactions/{email}")
    );
    assert_eq!(
        by_type("document")["path"],
        format!("/api/v1/data-intelligence/documents/{doc}")
    );
    assert_eq!(by_type("interaction")["title"], "Clinic hours");
    assert_eq!(by_type("document")["title"], "Intake form");
    assert!(
        by_type("note")["snippet"]
            .as_str()
            .unwrap()
            .contains("poor <mark>sleep</mark> since May"),
        "{answer:#}"
    );
    assert!(
        by_type("note")["createdAt"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stems_in_the_language_of_the_practitioners_locale() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let ada = contact(&alice, "Ada").await;
    create_note(
        &alice,
        json!({"contactId": ada, "contentPlain": "She was sleeping badly."}),
    )
    .await;

    // No locale: `simple`, words as written.
    assert_eq!(hits(&search(&alice, "q=sleeps").await).len(), 0);
    assert_eq!(hits(&search(&alice, "q=sleeping").await).len(), 1);

    // English: existing notes are re-indexed, new ones indexed in it.
    alice
        .patch_json("/api/v1/user-profile", &json!({"locale": "en-GB"}))
        .await
        .ok_json(StatusCode::OK);
    let answer = search(&alice, "q=sleeps").await;
    assert_eq!(hits(&answer).len(), 1, "{answer:#}");
    assert!(
        answer["results"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>sleeping</mark>")
    );
    create_note(
        &alice,
        json!({"contactId": ada, "contentPlain": "Slept well after the walks."}),
    )
    .await;
    assert_eq!(hits(&search(&alice, "q=walking").await).len(), 1);

    // Back to no locale: `simple` again.
    alice
        .patch_json("/api/v1/user-profile", &json!({"locale": null}))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(hits(&search(&alice, "q=sleeps").await).len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contact_names_match_with_a_typo() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let ada = contact(&alice, "Ada Lovelace").await;
    contact(&alice, "Grace Hopper").await;

    let answer = search(&alice, "q=Lovelase").await;
    assert_eq!(hits(&answer), vec![("contact".to_owned(), ada)]);
    assert_eq!(answer["results"][0]["title"], "Ada Lovelace");
    // Short terms are not fuzzy: "Adx" matches nothing.
    assert_eq!(hits(&search(&alice, "q=Adx").await).len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn types_and_limit_narrow_the_results() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = contact(&alice, "Ada").await;
    for i in 0..4 {
        create_note(
            &alice,
            json!({"contactId": ada, "contentPlain": format!("yoga session {i}")}),
        )
        .await;
    }
    seed_task(&ctx, user, "Plan yoga retreat", "").await;
    seed_goal(&ctx, user, "Yoga teacher training", "").await;

    let answer = search(&alice, "q=yoga&types=task&types=goal").await;
    let kinds: Vec<String> = hits(&answer).into_iter().map(|(t, _)| t).collect();
    assert_eq!(kinds.len(), 2);
    assert!(
        kinds.iter().all(|k| k == "task" || k == "goal"),
        "{kinds:?}"
    );
    assert_eq!(
        hits(&search(&alice, "q=yoga&types=note&limit=3").await).len(),
        3
    );
    assert_eq!(hits(&search(&alice, "q=yoga&limit=5").await).len(), 5);
    assert_eq!(hits(&search(&alice, "q=yoga").await).len(), 6);
    // Web-search syntax: exclusion and phrases.
    assert_eq!(hits(&search(&alice, "q=yoga%20-session").await).len(), 2);
    assert_eq!(hits(&search(&alice, "q=%22session%202%22").await).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_callers_data_is_searched() {
    let ctx = setup().await;
    let (alice_id, bob_id) = (TestApp::new_user(), TestApp::new_user());
    let (alice, bob) = (ctx.app.as_user(alice_id), ctx.app.as_user(bob_id));
    let ada = contact(&alice, "Ada Meditation").await;
    create_note(
        &alice,
        json!({"contactId": ada, "contentPlain": "meditation twice a day"}),
    )
    .await;
    seed_interaction(&ctx, alice_id, "meditation retreat", "").await;
    seed_task(&ctx, alice_id, "meditation playlist", "").await;
    seed_goal(&ctx, alice_id, "meditation course", "").await;
    seed_document(&ctx, alice_id, "meditation guide", "").await;
    assert_eq!(hits(&search(&alice, "q=meditation").await).len(), 6);

    assert_eq!(hits(&search(&bob, "q=meditation").await).len(), 0);
    assert_eq!(hits(&search(&bob, "q=Meditatoin").await).len(), 0);
    let bobs = contact(&bob, "Bob Meditation").await;
    assert_eq!(
        hits(&search(&bob, "q=meditation").await),
        vec![("contact".to_owned(), bobs)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_note_matches_its_new_text_only() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    let ada = contact(&alice, "Ada").await;
    let note = create_note(
        &alice,
        json!({"contactId": ada, "contentPlain": "knee pain"}),
    )
    .await;
    let id = note["id"].as_str().unwrap();
    assert_eq!(hits(&search(&alice, "q=knee").await).len(), 1);

    alice
        .patch_json(
            &format!("/api/v1/notes/{id}"),
            &json!({"contentPlain": "shoulder stiffness"}),
        )
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(hits(&search(&alice, "q=knee").await).len(), 0);
    assert_eq!(hits(&search(&alice, "q=shoulder").await).len(), 1);

    alice
        .delete(&format!("/api/v1/notes/{id}"))
        .await
        .expect(StatusCode::NO_CONTENT);
    assert_eq!(hits(&search(&alice, "q=shoulder").await).len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snippets_are_escaped_html_with_marks_only() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    seed_document(
        &ctx,
        user,
        "Markup",
        "<script>alert(1)</script> & tea \u{2}x\u{3} \"tea\"",
    )
    .await;

    let answer = search(&alice, "q=tea").await;
    let snippet = answer["results"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("&amp; <mark>tea</mark>"), "{snippet}");
    assert!(snippet.contains("&quot;<mark>tea</mark>"), "{snippet}");
    assert!(
        !snippet.contains('\u{2}') && !snippet.contains('\u{3}'),
        "{snippet}"
    );
    // Nothing but balanced <mark> elements is markup.
    assert_eq!(
        snippet.matches("<mark>").count(),
        snippet.matches("</mark>").count()
    );
    let text = snippet.replace("<mark>", "").replace("</mark>", "");
    assert!(!text.contains(['<', '>', '"']), "{snippet}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn semantic_and_hybrid_say_semantic_is_unavailable() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    contact(&alice, "Ada Breathwork").await;

    let lexical = search(&alice, "q=breathwork").await;
    assert_eq!(lexical["semantic"], "unavailable");
    let hybrid = search(&alice, "q=breathwork&type=hybrid").await;
    assert_eq!(hybrid["type"], "hybrid");
    assert_eq!(hybrid["semantic"], "unavailable");
    assert_eq!(hits(&hybrid), hits(&lexical));
    let semantic = search(&alice, "q=breathwork&type=semantic").await;
    assert_eq!(semantic["semantic"], "unavailable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_queries_are_400_and_odd_ones_find_nothing() {
    let ctx = setup().await;
    let alice = ctx.app.as_user(TestApp::new_user());
    contact(&alice, "Ada").await;
    for (query, pointer) in [
        ("", "/q"),
        ("q=", "/q"),
        ("q=a&limit=0", "/limit"),
        ("q=a&limit=51", "/limit"),
    ] {
        let body = alice
            .get(&format!("/api/v1/search?{query}"))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(pointers(&body), [pointer], "{query}");
    }
    let long = "a".repeat(201);
    let body = alice
        .get(&format!("/api/v1/search?q={long}"))
        .await
        .problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&body), ["/q"]);
    for (query, field) in [
        ("q=a&type=fuzzy", "/type"),
        ("q=a&types=contact&types=invoice", "/types"),
    ] {
        let body = alice
            .get(&format!("/api/v1/search?{query}"))
            .await
            .problem(StatusCode::BAD_REQUEST, "validation_failed");
        let found = pointers(&body);
        assert!(
            found.len() == 1 && found[0].starts_with(field),
            "{query}: {body}"
        );
    }
    alice
        .get("/api/v1/search?q=a&unknown=1")
        .await
        .problem(StatusCode::BAD_REQUEST, "malformed_request");
    // Operators alone, stop words, blanks and quotes are no error.
    for query in ["q=%20%20", "q=%22", "q=-", "q=or", "q=%26%7C!():*", "q=%5C"] {
        assert_eq!(hits(&search(&alice, query).await).len(), 0, "{query}");
    }
    ctx.app
        .anonymous()
        .get("/api/v1/search?q=ada")
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}
