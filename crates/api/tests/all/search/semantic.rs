//! `GET /api/v1/search?type=semantic|hybrid` with the local embedding model: paraphrases
//! are found, edits re-embed, deletes forget, unchanged text is never embedded again, only
//! the caller's items come back, and erasure drops the cached vectors. Skipped (with a
//! message) where the model is absent; `scripts/test` and CI make it present.

use crate::common::Ctx;
use crate::common::notes::{contact, create_note};
use crate::common::search::*;
use crate::common::user_data::{ERASE, confirmation};
use omnicrm_domain::UserId;
use omnicrm_services::semantic::{SemanticIndex, SyncSummary};
use omnicrm_testkit::{TestApp, TestAppOptions, TestDb};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// An app with semantic search, or `None` (skipped) without the model.
async fn semantic_app() -> Option<(Ctx, SemanticIndex)> {
    let semantic = omnicrm_testkit::semantic::local()?;
    let db = TestDb::new().await.expect("test database");
    let app = TestApp::spawn_with(
        &db,
        TestAppOptions {
            semantic: Some(semantic.clone()),
            ..TestAppOptions::default()
        },
    )
    .await;
    Some((Ctx { db, app }, semantic))
}

async fn sync(ctx: &Ctx, semantic: &SemanticIndex, user: UserId) -> SyncSummary {
    semantic
        .sync_user(&ctx.app.db, user, usize::MAX)
        .await
        .unwrap()
        .unwrap()
}

fn score_of(answer: &Value, id: &str) -> Option<f64> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .map(|r| r["score"].as_f64().unwrap())
}

async fn vector_count(ctx: &Ctx, user: UserId) -> i64 {
    ctx.db
        .owner()
        .await
        .unwrap()
        .query_one(
            &format!("SELECT count(*) FROM embeddings WHERE user_id = '{user}'"),
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paraphrases_find_the_callers_items_of_every_kind_and_nobody_elses() {
    let Some((ctx, semantic)) = semantic_app().await else {
        return;
    };
    let (user, other) = (TestApp::new_user(), TestApp::new_user());
    let alice = ctx.app.as_user(user);
    let bob = ctx.app.as_user(other);
    let ada = contact(&alice, "Ada Lovelace").await;
    let note = create_note(
        &alice,
        json!({"contactId": ada, "contentPlain": "Client reports insomnia for three weeks, waking at 3am."}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let task = seed_task(
        &ctx,
        user,
        "Send the quarterly tax return",
        "to the accountant",
    )
    .await;
    let doc = seed_document(
        &ctx,
        user,
        "Breathing exercises",
        "Box breathing calms anxiety before sessions.",
    )
    .await;
    let bobs_contact = contact(&bob, "Bob Client").await;
    create_note(&bob, json!({"contactId": bobs_contact, "contentPlain": "Trouble sleeping, insomnia every night."})).await;

    // Before the items are embedded, semantic search is available but finds nothing.
    let early = search(&alice, "q=can%27t%20sleep&type=semantic").await;
    assert_eq!(early["semantic"], "available");
    assert_eq!(hits(&early), vec![]);

    let done = sync(&ctx, &semantic, user).await;
    assert_eq!(done.items, 4, "{done:?}");
    sync(&ctx, &semantic, other).await;

    let answer = search(&alice, "q=can%27t%20sleep&type=semantic").await;
    assert_eq!(answer["type"], "semantic");
    assert_eq!(answer["semantic"], "available");
    let found = hits(&answer);
    assert_eq!(found[0], ("note".to_owned(), note.clone()), "{answer:#}");
    assert_eq!(found.len(), 4, "only alice's four items: {answer:#}");
    let first = &answer["results"][0];
    assert_eq!(first["path"], format!("/api/v1/notes/{note}"));
    assert!(
        first["title"]
            .as_str()
            .unwrap()
            .starts_with("Client reports insomnia")
    );
    assert!(first["snippet"].as_str().unwrap().contains("insomnia"));
    let scores: Vec<f64> = answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]) && scores.iter().all(|s| (0.0..=1.0).contains(s)),
        "{scores:?}"
    );

    let calm = search(
        &alice,
        "q=relaxation%20technique%20for%20stress&type=semantic&limit=1",
    )
    .await;
    assert_eq!(
        hits(&calm),
        vec![("document".to_owned(), doc.to_string())],
        "{calm:#}"
    );
    let only_tasks = search(&alice, "q=taxes&type=semantic&types=task").await;
    assert_eq!(
        hits(&only_tasks),
        vec![("task".to_owned(), task.to_string())]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_re_embeds_unchanged_text_is_never_embedded_again_and_a_delete_forgets() {
    let Some((ctx, semantic)) = semantic_app().await else {
        return;
    };
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = contact(&alice, "Ada").await;
    let text = "Client reports insomnia for three weeks.";
    let note = create_note(&alice, json!({"contactId": ada, "contentPlain": text})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = sync(&ctx, &semantic, user).await;
    assert_eq!((first.items, first.embedded), (2, 2), "{first:?}");
    // Nothing changed: nothing waits, nothing is embedded.
    assert_eq!(sync(&ctx, &semantic, user).await, SyncSummary::default());
    // The same text again is a cache hit.
    let twin = create_note(&alice, json!({"contactId": ada, "contentPlain": text})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let again = sync(&ctx, &semantic, user).await;
    assert_eq!(
        (again.items, again.embedded, again.cached),
        (1, 0, 1),
        "{again:?}"
    );

    let query = "q=trouble%20sleeping&type=semantic";
    let before = score_of(&search(&alice, query).await, &note).unwrap();
    let path = format!("/api/v1/notes/{note}");
    alice
        .patch_json(
            &path,
            &json!({"contentPlain": "Knee pain after running; refer to a physiotherapist."}),
        )
        .await
        .ok_json(StatusCode::OK);
    let edited = sync(&ctx, &semantic, user).await;
    assert_eq!((edited.items, edited.embedded), (1, 1), "{edited:?}");
    let after = score_of(&search(&alice, query).await, &note).unwrap();
    assert!(
        after < before - 0.2,
        "old text still matches: {before} -> {after}"
    );
    let knee = search(&alice, "q=joint%20injury&type=semantic&limit=1").await;
    assert_eq!(hits(&knee), vec![("note".to_owned(), note.clone())]);

    let vectors = vector_count(&ctx, user).await;
    let res = alice.send_json(Method::DELETE, &path, None::<&Value>).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(vector_count(&ctx, user).await, vectors - 1);
    let gone = search(&alice, "q=joint%20injury&type=semantic").await;
    assert!(!hits(&gone).iter().any(|(_, id)| *id == note), "{gone:#}");
    assert!(hits(&gone).iter().any(|(_, id)| *id == twin));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hybrid_fuses_exact_words_and_meaning() {
    let Some((ctx, semantic)) = semantic_app().await else {
        return;
    };
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = contact(&alice, "Ada").await;
    let lexical = create_note(
        &alice,
        json!({"contactId": ada, "contentPlain": "Insomnia follow-up booked."}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let meaning = create_note(&alice, json!({"contactId": ada, "contentPlain": "She lies awake most nights and cannot fall asleep."})).await["id"]
        .as_str().unwrap().to_owned();
    seed_task(&ctx, user, "Order printer paper", "for the front desk").await;
    sync(&ctx, &semantic, user).await;

    let traditional = search(&alice, "q=insomnia").await;
    assert_eq!(
        hits(&traditional),
        vec![("note".to_owned(), lexical.clone())]
    );
    let hybrid = search(&alice, "q=insomnia&type=hybrid&limit=2").await;
    assert_eq!(hybrid["semantic"], "available");
    let ids: Vec<String> = hits(&hybrid).into_iter().map(|(_, id)| id).collect();
    assert_eq!(ids[0], lexical, "{hybrid:#}");
    assert!(ids.contains(&meaning), "{hybrid:#}");
    // The lexical snippet, with its highlight, is kept.
    assert!(
        hybrid["results"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dispatcher_and_the_job_embed_what_the_writes_marked() {
    let Some((ctx, _semantic)) = semantic_app().await else {
        return;
    };
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = contact(&alice, "Ada").await;
    create_note(
        &alice,
        json!({"contactId": ada, "contentPlain": "Migraine twice a week."}),
    )
    .await;
    assert_eq!(vector_count(&ctx, user).await, 0);
    let enqueued = omnicrm_services::job_kinds::embeddings::dispatch(&ctx.app.db)
        .await
        .unwrap();
    assert_eq!(enqueued, 1);
    // Still queued: no second job for the same user.
    assert_eq!(
        omnicrm_services::job_kinds::embeddings::dispatch(&ctx.app.db)
            .await
            .unwrap(),
        0
    );
    let drained: Value = alice
        .post("/api/v1/jobs/runner")
        .await
        .ok_json(StatusCode::OK);
    assert!(drained.to_string().contains("1"), "{drained}");
    assert_eq!(vector_count(&ctx, user).await, 2);
    let found = search(&alice, "q=headaches&type=semantic&limit=1").await;
    assert_eq!(hits(&found)[0].0, "note");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasure_drops_the_cached_vectors_and_queries() {
    let Some((ctx, semantic)) = semantic_app().await else {
        return;
    };
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    contact(&alice, "Ada Insomnia").await;
    sync(&ctx, &semantic, user).await;
    search(&alice, "q=sleep&type=semantic").await;
    assert!(semantic.cache().bytes() > 0);
    assert_eq!(semantic.queries().count_of(user), 1);
    let receipt = alice
        .send_json(Method::DELETE, ERASE, Some(&confirmation()))
        .await
        .ok_json(StatusCode::OK);
    let steps = receipt["steps"].as_array().unwrap();
    assert!(
        steps.contains(&json!({"name": "vector-cache", "outcome": "succeeded", "removed": 2})),
        "{receipt:#}"
    );
    assert_eq!(semantic.cache().bytes(), 0);
    assert_eq!(semantic.queries().count_of(user), 0);
}
