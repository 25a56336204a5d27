//! The inference threads' queues: searches' queries overtake background work and share
//! their forward passes.

use std::time::Duration;

use omnicrm_embed::{LocalEmbedder, SentenceEmbedder, cosine};

use crate::model::model_dir;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_overtakes_a_backfill_queued_before_it() {
    let Some(dir) = model_dir() else {
        eprintln!("OMNICRM_EMBED_MODEL_DIR has no model: skipped");
        return;
    };
    let embedder = LocalEmbedder::load(dir, 1).await.unwrap();
    // About 80 chunk-sized texts: several seconds of passes on two cores.
    let chunk = "the client reports better sleep after the breathing exercises ".repeat(20);
    let backfill = tokio::spawn({
        let embedder = embedder.clone();
        let texts = vec![chunk; 80];
        async move { embedder.embed(texts).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let query = embedder
        .embed_query("can't sleep".to_owned())
        .await
        .unwrap();
    assert_eq!(query.len(), omnicrm_embed::DIMENSIONS);
    assert!(
        !backfill.is_finished(),
        "the query waited for the whole backfill instead of one batch"
    );
    assert_eq!(backfill.await.unwrap().unwrap().len(), 80);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_queries_get_their_own_vectors() {
    let Some(dir) = model_dir() else {
        eprintln!("OMNICRM_EMBED_MODEL_DIR has no model: skipped");
        return;
    };
    let model = SentenceEmbedder::load(&dir).unwrap();
    let queries = [
        "insomnia",
        "lower back pain after yoga",
        "invoice for the March sessions",
        "panic attacks at work",
        "meal plan",
        "breathing",
        "grief counselling for a client whose mother died",
        "tight shoulders",
    ];
    let alone: Vec<Vec<f32>> = queries
        .iter()
        .map(|q| model.embed(&[*q]).unwrap().remove(0))
        .collect();
    let embedder = LocalEmbedder::new(model, 1).unwrap();
    let answers = futures_util::future::join_all(
        queries
            .iter()
            .map(|q| embedder.embed_query((*q).to_owned())),
    )
    .await;
    for (i, answer) in answers.into_iter().enumerate() {
        let vector = answer.unwrap();
        assert!(
            cosine(&vector, &alone[i]) > 0.9999,
            "query {i} got another query's vector"
        );
    }
}
