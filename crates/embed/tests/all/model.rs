//! The real model: shape, normalisation, determinism, batching, and meaning.

use std::path::PathBuf;

use omnicrm_embed::{DIMENSIONS, LocalEmbedder, SentenceEmbedder, cosine};

/// The model directory, when the model is present.
pub(crate) fn model_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("OMNICRM_EMBED_MODEL_DIR")?);
    dir.join("model.safetensors").is_file().then_some(dir)
}

#[test]
fn sentences_become_unit_vectors_whose_neighbours_share_meaning() {
    let Some(dir) = model_dir() else {
        eprintln!("OMNICRM_EMBED_MODEL_DIR has no model: skipped");
        return;
    };
    let model = SentenceEmbedder::load(&dir).unwrap();
    let texts = [
        "I can't sleep at night",
        "Client reports insomnia for three weeks",
        "Send the quarterly tax return to the accountant",
        "",
    ];
    let vectors = model.embed(&texts).unwrap();
    assert_eq!(vectors.len(), 4);
    for v in &vectors {
        assert_eq!(v.len(), DIMENSIONS);
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
    let sleep_insomnia = cosine(&vectors[0], &vectors[1]);
    let sleep_tax = cosine(&vectors[0], &vectors[2]);
    assert!(
        sleep_insomnia > sleep_tax + 0.2,
        "insomnia {sleep_insomnia}, tax {sleep_tax}"
    );

    // A text embeds the same alone as in a padded batch.
    let alone = model.embed(&[texts[1]]).unwrap();
    assert!(cosine(&alone[0], &vectors[1]) > 0.9999);
    // Long texts are cut, not refused.
    let long = "breathing exercises ".repeat(400);
    assert_eq!(model.embed(&[long.as_str()]).unwrap()[0].len(), DIMENSIONS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_async_embedder_runs_batches_off_the_runtime() {
    let Some(dir) = model_dir() else {
        eprintln!("OMNICRM_EMBED_MODEL_DIR has no model: skipped");
        return;
    };
    let embedder = LocalEmbedder::load(dir, 1).await.unwrap();
    let texts: Vec<String> = (0..40)
        .map(|i| format!("session note number {i}"))
        .collect();
    let (a, b) = tokio::join!(embedder.embed(texts.clone()), embedder.embed(texts));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len(), 40);
    assert_eq!(a, b);
}

#[test]
fn a_directory_without_the_model_is_a_load_error() {
    let dir = std::env::temp_dir().join("omnicrm-embed-no-model");
    let err = SentenceEmbedder::load(&dir).unwrap_err();
    assert!(err.to_string().contains("config.json"), "{err}");
}

#[test]
fn similarities_match_the_reference_implementation() {
    let Some(dir) = model_dir() else {
        eprintln!("OMNICRM_EMBED_MODEL_DIR has no model: skipped");
        return;
    };
    let model = SentenceEmbedder::load(&dir).unwrap();
    let v = model
        .embed(&[
            "That is a happy person",
            "That is a happy dog",
            "That is a very happy person",
            "Today is a sunny day",
        ])
        .unwrap();
    let sims: Vec<f32> = v[1..].iter().map(|x| cosine(&v[0], x)).collect();
    eprintln!("{sims:?}");
    // sentence-transformers' documented scores for all-MiniLM-L6-v2.
    for (got, want) in sims.iter().zip([0.6945, 0.9429, 0.2569]) {
        assert!((got - want).abs() < 0.001, "{sims:?}");
    }
}
