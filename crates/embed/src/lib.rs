//! The in-process sentence embedder: all-MiniLM-L6-v2 (384 dimensions, Apache-2.0) run with
//! candle on the CPU and tokenised with `tokenizers`, so semantic search works with no
//! provider and no network. The weights are not in the repository:
//! `scripts/fetch-embedding-model` puts `config.json`, `tokenizer.json` and
//! `model.safetensors` into a directory (`OMNICRM_EMBED_MODEL_DIR`).
//!
//! [`SentenceEmbedder`] is the blocking model; [`LocalEmbedder`] runs it on tokio's blocking
//! pool, at most `concurrency` batches at once (each batch already uses every core through
//! candle's matrix products).

mod model;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokenizers::{Tokenizer, TruncationParams};
use tokio::sync::Semaphore;

use model::{BertConfig, MiniLm};

/// The model's name, recorded with every stored vector.
pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";
/// Length of its vectors.
pub const DIMENSIONS: usize = 384;
/// Longest input in tokens (sentence-transformers' `max_seq_length` for this model); longer
/// texts are cut, so callers chunk them first.
pub const MAX_TOKENS: usize = 256;
/// Texts per forward pass: padding waste and memory stay small, throughput near its best.
pub const BATCH_SIZE: usize = 32;

/// Why embedding failed.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The model directory is missing a file or holds something else.
    #[error("the embedding model could not be loaded: {0}")]
    Load(String),
    /// The forward pass or the tokenizer failed.
    #[error("embedding failed: {0}")]
    Inference(String),
}

/// all-MiniLM-L6-v2, loaded. Every method blocks: call them off the async runtime.
pub struct SentenceEmbedder {
    model: MiniLm,
    tokenizer: Tokenizer,
}

impl std::fmt::Debug for SentenceEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentenceEmbedder")
            .field("model", &MODEL_NAME)
            .finish_non_exhaustive()
    }
}

impl SentenceEmbedder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir` (about
    /// 90 MB read into memory).
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let read = |name: &str| {
            std::fs::read(dir.join(name))
                .map_err(|e| EmbedError::Load(format!("{}: {e}", dir.join(name).display())))
        };
        let config: BertConfig = serde_json::from_slice(&read("config.json")?)
            .map_err(|e| EmbedError::Load(format!("config.json: {e}")))?;
        let mut tokenizer = Tokenizer::from_bytes(read("tokenizer.json")?)
            .map_err(|e| EmbedError::Load(format!("tokenizer.json: {e}")))?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| EmbedError::Load(format!("tokenizer truncation: {e}")))?;
        // Padding is done per batch below (to the longest text, not a fixed 128).
        tokenizer.with_padding(None);
        let model = MiniLm::load(&config, read("model.safetensors")?)?;
        if model.max_positions() < MAX_TOKENS {
            return Err(EmbedError::Load(
                "the model's positions are too few".to_owned(),
            ));
        }
        Ok(Self { model, tokenizer })
    }

    /// One unit vector of [`DIMENSIONS`] per text, in order. Texts longer than
    /// [`MAX_TOKENS`] tokens are embedded from their beginning.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut out = Vec::with_capacity(texts.len());
        for batch in texts.chunks(BATCH_SIZE) {
            out.extend(self.embed_batch(batch)?);
        }
        Ok(out)
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = texts
            .iter()
            .map(|t| self.tokenizer.encode(*t, true))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| EmbedError::Inference(format!("tokenizer: {e}")))?;
        let len = encodings
            .iter()
            .map(|e| e.get_ids().len())
            .max()
            .unwrap_or(0)
            .max(1);
        let mut ids = Vec::with_capacity(texts.len() * len);
        let mut mask = Vec::with_capacity(texts.len() * len);
        for encoding in &encodings {
            let (e_ids, e_mask) = (encoding.get_ids(), encoding.get_attention_mask());
            ids.extend_from_slice(e_ids);
            mask.extend_from_slice(e_mask);
            let pad = len - e_ids.len();
            ids.extend(std::iter::repeat_n(0, pad));
            mask.extend(std::iter::repeat_n(0, pad));
        }
        self.model
            .embed(ids, mask, texts.len(), len)
            .map_err(|e| EmbedError::Inference(e.to_string()))
    }
}

/// [`SentenceEmbedder`] for async callers: each call runs on the blocking pool once one of
/// `concurrency` permits is free, so a burst of jobs queues instead of oversubscribing the
/// CPU.
#[derive(Debug, Clone)]
pub struct LocalEmbedder {
    model: Arc<SentenceEmbedder>,
    permits: Arc<Semaphore>,
}

impl LocalEmbedder {
    /// Loads the model from `dir` on the blocking pool.
    pub async fn load(dir: PathBuf, concurrency: usize) -> Result<Self, EmbedError> {
        let model = tokio::task::spawn_blocking(move || SentenceEmbedder::load(&dir))
            .await
            .map_err(|e| EmbedError::Load(format!("loader task: {e}")))??;
        Ok(Self::new(model, concurrency))
    }

    /// Wraps a loaded model.
    pub fn new(model: SentenceEmbedder, concurrency: usize) -> Self {
        Self {
            model: Arc::new(model),
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    /// Embeddings of `texts`, in order (see [`SentenceEmbedder::embed`]).
    pub async fn embed(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, EmbedError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| EmbedError::Inference(format!("embedder closed: {e}")))?;
        let model = Arc::clone(&self.model);
        tokio::task::spawn_blocking(move || {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            model.embed(&refs)
        })
        .await
        .map_err(|e| EmbedError::Inference(format!("embedding task: {e}")))?
    }
}

/// Cosine similarity of two vectors of equal length (their dot product when both are unit
/// vectors, as the embedder's are).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut dot, mut na, mut nb) = (0.0f32, 0.0f32, 0.0f32);
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    }
}

/// The answer of [`Embedder::embed`].
pub type EmbedFuture<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Vec<Vec<f32>>, EmbedError>> + Send + 'a>,
>;

/// What semantic search needs from an embedding model: the local one ([`LocalEmbedder`])
/// or, later, a provider's. Vectors of different models are never compared: each stored
/// vector records [`Embedder::model`] and [`Embedder::dimensions`].
pub trait Embedder: Send + Sync + std::fmt::Debug {
    /// The model's name, stored with every vector.
    fn model(&self) -> &str;
    /// Length of its vectors.
    fn dimensions(&self) -> usize;
    /// One unit vector per text, in order.
    fn embed(&self, texts: Vec<String>) -> EmbedFuture<'_>;
}

impl Embedder for LocalEmbedder {
    fn model(&self) -> &str {
        MODEL_NAME
    }

    fn dimensions(&self) -> usize {
        DIMENSIONS
    }

    fn embed(&self, texts: Vec<String>) -> EmbedFuture<'_> {
        Box::pin(LocalEmbedder::embed(self, texts))
    }
}

/// Whether `dir` holds a model (its weights file); `LocalEmbedder::load` says what is wrong
/// with one that does not load.
pub fn model_present(dir: &Path) -> bool {
    dir.join("model.safetensors").is_file()
}
