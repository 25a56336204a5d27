//! The local embedding model for tests: `scripts/test` fetches it into a cache outside the
//! checkout and exports `OMNICRM_EMBED_MODEL_DIR`; CI makes it present. Tests that need it
//! start with
//!
//! ```ignore
//! let Some(semantic) = omnicrm_testkit::semantic::local() else { return };
//! ```
//!
//! which prints why the test was skipped when the model is absent.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use omnicrm_services::semantic::SemanticIndex;

/// The model directory `scripts/test` filled, when it holds the model.
pub fn model_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("OMNICRM_EMBED_MODEL_DIR")?);
    omnicrm_embed::model_present(&dir).then_some(dir)
}

/// The loaded model, shared by every test of the binary (loading reads 90 MB); `None`,
/// with a message on stderr, when it is absent.
pub fn embedder() -> Option<omnicrm_embed::LocalEmbedder> {
    static MODEL: OnceLock<Option<omnicrm_embed::LocalEmbedder>> = OnceLock::new();
    let model = MODEL
        .get_or_init(|| {
            let dir = model_dir()?;
            let model = omnicrm_embed::SentenceEmbedder::load(&dir).expect("the model loads");
            Some(omnicrm_embed::LocalEmbedder::new(model, 1).expect("the inference thread starts"))
        })
        .clone();
    if model.is_none() {
        eprintln!(
            "OMNICRM_EMBED_MODEL_DIR holds no embedding model (run scripts/fetch-embedding-model): skipped"
        );
    }
    model
}

/// Semantic search over the shared model with a 64 MiB vector cache of its own; `None`
/// (and a message) when the model is absent.
pub fn local() -> Option<SemanticIndex> {
    Some(SemanticIndex::new(Arc::new(embedder()?), 64))
}

/// An embedder for tests that need no model: a text's vector is a hash of it
/// ([`crate::ai::fake_embedding`]), so a query equal to an item's text finds that item
/// first. Its name and length are the caller's, so tests can change "the model".
#[derive(Debug, Clone)]
pub struct HashEmbedder {
    model: String,
    dimensions: usize,
}

impl omnicrm_embed::Embedder for HashEmbedder {
    fn model(&self) -> &str {
        &self.model
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    fn embed(&self, texts: Vec<String>) -> omnicrm_embed::EmbedFuture<'_> {
        let dimensions = self.dimensions;
        Box::pin(async move {
            Ok(texts
                .iter()
                .map(|t| crate::ai::fake_embedding(t, dimensions))
                .collect())
        })
    }
}

/// Semantic search over a [`HashEmbedder`] named `model` with vectors of `dimensions`.
pub fn hashed(model: &str, dimensions: usize) -> SemanticIndex {
    SemanticIndex::new(
        Arc::new(HashEmbedder {
            model: model.to_owned(),
            dimensions,
        }),
        64,
    )
}
