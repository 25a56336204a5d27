//! A model change re-embeds without an operator: at start-up the worker (or the in-process
//! runner) queues the backfill of every tenant holding vectors of another model or
//! dimension, or items and no vector at all; each tenant's backfill reads and writes only
//! that tenant's items.

use omnicrm_domain::UserId;
use omnicrm_services::job_kinds::embeddings::enqueue_reembedding;
use omnicrm_testkit::{TestApp, TestAppOptions, TestDb};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::notes::{contact, create_note};

const EMBEDDINGS: &str = "/api/v1/data-intelligence/embeddings";

async fn app(db: &TestDb, semantic: Option<(&str, usize)>) -> TestApp {
    TestApp::spawn_with(
        db,
        TestAppOptions {
            semantic: semantic.map(|(m, d)| omnicrm_testkit::semantic::hashed(m, d)),
            ..TestAppOptions::default()
        },
    )
    .await
}

/// A contact and a note of `user`, embedded by `app`'s model (a backfill run to the end).
async fn embedded_items(app: &TestApp, user: UserId, name: &str) -> (String, String) {
    let u = app.as_user(user);
    let c = contact(&u, name).await;
    let note = create_note(
        &u,
        json!({"contactId": c, "contentPlain": format!("{name} sleeps badly")}),
    )
    .await;
    if app.services.semantic.embedder().is_some() {
        u.post(&format!("{EMBEDDINGS}/backfill"))
            .await
            .expect(StatusCode::ACCEPTED);
        u.post("/api/v1/jobs/runner").await.expect(StatusCode::OK);
    }
    (c, note["id"].as_str().unwrap().to_owned())
}

/// (model, dimensions, vectors) of each user's stored vectors.
async fn vectors(db: &TestDb, user: UserId) -> Vec<(String, i32, i64)> {
    let owner = db.owner().await.unwrap();
    owner
        .query(
            "SELECT model, dimensions, count(*) FROM embeddings WHERE user_id = $1 \
             GROUP BY 1, 2 ORDER BY 1, 2",
            &[&user.into_uuid()],
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// The users with a queued `embeddings.backfill`.
async fn queued_backfills(db: &TestDb) -> Vec<uuid::Uuid> {
    let owner = db.owner().await.unwrap();
    owner
        .query(
            "SELECT user_id FROM job_queue WHERE kind = 'embeddings.backfill' AND state = 'queued' \
             ORDER BY user_id",
            &[],
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_change_queues_the_backfill_of_every_stale_tenant_which_then_searches_again() {
    let db = TestDb::new().await.expect("test database");
    let old_model = app(&db, Some(("test-model-a", 8))).await;
    let old_length = app(&db, Some(("test-model-b", 8))).await;
    let new_model = app(&db, Some(("test-model-b", 12))).await;
    let no_model = app(&db, None).await;
    let (alice, carol, dave, erin, frank) = (
        TestApp::new_user(),
        TestApp::new_user(),
        TestApp::new_user(),
        TestApp::new_user(),
        TestApp::new_user(),
    );
    // Alice's vectors are of the old model; Carol's of the new model's name but another
    // length; Dave's already of the new model; Erin's items were never embedded (written
    // before vectors existed: no waiting mark either); Frank has no items.
    let (ada, ada_note) = embedded_items(&old_model, alice, "Ada Lovelace").await;
    let (cleo, _) = embedded_items(&old_length, carol, "Cleo Meyer").await;
    embedded_items(&new_model, dave, "Dan Brown").await;
    let (eve, _) = embedded_items(&no_model, erin, "Eve Adams").await;
    db.owner()
        .await
        .unwrap()
        .execute(
            "DELETE FROM embedding_pending WHERE user_id = $1",
            &[&erin.into_uuid()],
        )
        .await
        .unwrap();
    no_model
        .as_user(frank)
        .get("/api/v1/contacts")
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        vectors(&db, alice).await,
        vec![("test-model-a".into(), 8, 2)]
    );
    assert_eq!(
        vectors(&db, carol).await,
        vec![("test-model-b".into(), 8, 2)]
    );
    assert_eq!(
        vectors(&db, dave).await,
        vec![("test-model-b".into(), 12, 2)]
    );
    assert!(vectors(&db, erin).await.is_empty());

    // The start-up sweep with the new model: one backfill per stale tenant, and a second
    // start (a restart) queues nothing more.
    let semantic = &new_model.services.semantic;
    let queued = enqueue_reembedding(&new_model.db, semantic).await.unwrap();
    assert_eq!(queued, 3);
    let mut expected = vec![alice.into_uuid(), carol.into_uuid(), erin.into_uuid()];
    expected.sort();
    assert_eq!(queued_backfills(&db).await, expected);
    assert_eq!(
        enqueue_reembedding(&new_model.db, semantic).await.unwrap(),
        0
    );

    for user in [alice, carol, erin] {
        new_model
            .as_user(user)
            .post("/api/v1/jobs/runner")
            .await
            .expect(StatusCode::OK);
    }
    for (user, items) in [(alice, 2), (carol, 2), (dave, 2), (erin, 2)] {
        assert_eq!(
            vectors(&db, user).await,
            vec![("test-model-b".into(), 12, items)],
            "only the new model's vectors are left"
        );
    }
    // Every vector belongs to an item of its own tenant.
    let foreign: i64 = db
        .owner()
        .await
        .unwrap()
        .query_one(
            "SELECT count(*) FROM embeddings AS e WHERE NOT EXISTS ( \
               SELECT 1 FROM contacts c WHERE c.id = e.owner_id AND c.user_id = e.user_id \
               UNION ALL SELECT 1 FROM notes n WHERE n.id = e.owner_id AND n.user_id = e.user_id)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(foreign, 0);
    // Nothing is stale any more.
    assert_eq!(
        enqueue_reembedding(&new_model.db, semantic).await.unwrap(),
        0
    );

    // Semantic search finds the items again, each user only their own.
    for (user, id, query) in [
        (alice, &ada, "Ada Lovelace"),
        (carol, &cleo, "Cleo Meyer"),
        (erin, &eve, "Eve Adams"),
    ] {
        let answer: Value = new_model
            .as_user(user)
            .get(&format!(
                "/api/v1/search?q={}&type=semantic",
                query.replace(' ', "%20")
            ))
            .await
            .ok_json(StatusCode::OK);
        assert_eq!(answer["semantic"], "available");
        let results = answer["results"].as_array().unwrap();
        assert_eq!(&results[0]["id"], id, "{answer:#}");
        assert_eq!(results.len(), 2, "{answer:#}");
    }
    let note = new_model
        .as_user(alice)
        .get("/api/v1/search?q=Ada%20Lovelace%20sleeps%20badly&type=semantic&types=note")
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(note["results"][0]["id"], ada_note.as_str(), "{note:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_finds_items_without_a_vector_and_skips_tenants_with_nothing_to_embed() {
    let db = TestDb::new().await.expect("test database");
    let model = app(&db, Some(("test-model-b", 12))).await;
    let (gina, hal, ivy) = (
        TestApp::new_user(),
        TestApp::new_user(),
        TestApp::new_user(),
    );
    // Gina's and Ivy's items are embedded; then each gets a note that has no vector yet:
    // Gina's waits in no queue (written before vectors existed, or its mark lost), Ivy's is
    // marked (the dispatcher embeds it). Hal's only item is a call without subject or
    // notes: nothing to embed, so never a vector.
    let (gina_contact, _) = embedded_items(&model, gina, "Gina Torres").await;
    let (ivy_contact, _) = embedded_items(&model, ivy, "Ivy Chen").await;
    let owner = db.owner().await.unwrap();
    owner
        .batch_execute(&format!(
            "INSERT INTO notes (user_id, id, contact_id, content_plain)
                 VALUES ('{gina}', gen_random_uuid(), '{gina_contact}', 'Gina prefers mornings'),
                        ('{ivy}', gen_random_uuid(), '{ivy_contact}', 'Ivy prefers evenings');
             DELETE FROM embedding_pending WHERE user_id = '{gina}';
             INSERT INTO tenants (user_id) VALUES ('{hal}') ON CONFLICT DO NOTHING;
             INSERT INTO interactions (user_id, id, type, occurred_at, source, source_id)
                 VALUES ('{hal}', gen_random_uuid(), 'call', now(), 'manual', 'call-1');
             DELETE FROM embedding_pending WHERE user_id = '{hal}';"
        ))
        .await
        .unwrap();

    let semantic = &model.services.semantic;
    assert_eq!(enqueue_reembedding(&model.db, semantic).await.unwrap(), 1);
    assert_eq!(queued_backfills(&db).await, vec![gina.into_uuid()]);
    model
        .as_user(gina)
        .post("/api/v1/jobs/runner")
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        vectors(&db, gina).await,
        vec![("test-model-b".into(), 12, 3)]
    );
    // Hal's backfill would embed nothing: a restart queues nothing, now or ever.
    assert_eq!(enqueue_reembedding(&model.db, semantic).await.unwrap(), 0);
    assert!(queued_backfills(&db).await.is_empty());
}
