//! The in-process sentence embedder: all-MiniLM-L6-v2 (384 dimensions, Apache-2.0) run with
//! candle on the CPU and tokenised with `tokenizers`, so semantic search works with no
//! provider and no network. The weights are not in the repository:
//! `scripts/fetch-embedding-model` puts `config.json`, `tokenizer.json` and
//! `model.safetensors` into a directory (`OMNICRM_EMBED_MODEL_DIR`).
//!
//! [`SentenceEmbedder`] is the blocking model; [`LocalEmbedder`] runs it on inference
//! threads of its own, one forward pass per thread at a time (each pass already uses every
//! core through candle's matrix products), searches' queries first and batched together
//! (ADR 0044).

mod matrix;
mod model;
mod scheduler;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokenizers::{Tokenizer, TruncationParams};

pub use half::f16;
pub use matrix::HalfMatrix;
use model::{BertConfig, MiniLm};
use scheduler::{Priority, Scheduler};

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

/// [`SentenceEmbedder`] for async callers: requests queue for the model's inference
/// threads, so a burst of jobs waits instead of oversubscribing the CPU, and a search's
/// query ([`LocalEmbedder::embed_query`]) overtakes the jobs and shares its forward pass
/// with the other queries waiting. The threads stop when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct LocalEmbedder {
    threads: Arc<Threads>,
}

/// Closes the scheduler when the last [`LocalEmbedder`] clone goes.
struct Threads(Arc<Scheduler>);

impl std::fmt::Debug for Threads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InferenceThreads")
    }
}

impl Drop for Threads {
    fn drop(&mut self) {
        self.0.close();
    }
}

impl LocalEmbedder {
    /// Loads the model from `dir` on the blocking pool and starts `threads` inference
    /// threads (one is right for a 2-core machine: a pass uses both cores).
    pub async fn load(dir: PathBuf, threads: usize) -> Result<Self, EmbedError> {
        let model = tokio::task::spawn_blocking(move || SentenceEmbedder::load(&dir))
            .await
            .map_err(|e| EmbedError::Load(format!("loader task: {e}")))??;
        Self::new(model, threads)
    }

    /// Starts `threads` inference threads over a loaded model.
    pub fn new(model: SentenceEmbedder, threads: usize) -> Result<Self, EmbedError> {
        let scheduler = Scheduler::start(&Arc::new(model), threads)?;
        Ok(Self {
            threads: Arc::new(Threads(scheduler)),
        })
    }

    /// Embeddings of `texts`, in order (see [`SentenceEmbedder::embed`]), behind every
    /// waiting query.
    pub async fn embed(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.run(texts, Priority::Background).await
    }

    /// The embedding of a search's query: ahead of background work, batched with the
    /// other queries waiting.
    pub async fn embed_query(&self, text: String) -> Result<Vec<f32>, EmbedError> {
        self.run(vec![text], Priority::Query)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| EmbedError::Inference("no vector for the query".to_owned()))
    }

    async fn run(
        &self,
        texts: Vec<String>,
        priority: Priority,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        self.threads
            .0
            .submit(texts, priority)
            .await
            .map_err(|_| EmbedError::Inference("the inference thread stopped".to_owned()))?
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

    /// The vector of a search's query: by default [`Embedder::embed`] of the one text; an
    /// embedder with queues of its own puts it ahead of background work.
    fn embed_query(&self, text: String) -> QueryFuture<'_> {
        Box::pin(async move {
            self.embed(vec![text])
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| EmbedError::Inference("no vector for the query".to_owned()))
        })
    }
}

/// The answer of [`Embedder::embed_query`].
pub type QueryFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<f32>, EmbedError>> + Send + 'a>>;

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

    fn embed_query(&self, text: String) -> QueryFuture<'_> {
        Box::pin(LocalEmbedder::embed_query(self, text))
    }
}

/// Whether `dir` holds a model (its weights file); `LocalEmbedder::load` says what is wrong
/// with one that does not load.
pub fn model_present(dir: &Path) -> bool {
    dir.join("model.safetensors").is_file()
}
