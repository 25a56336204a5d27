//! The inference thread behind [`crate::LocalEmbedder`] (ADR 0044): one forward pass at a
//! time, so the CPU is never oversubscribed, with two queues.
//!
//! - **Queries** (a search's text, [`Priority::Query`]) go first, and every query waiting
//!   when a pass starts shares that pass: eight concurrent searches cost one batch of eight
//!   (about 2.6 times one query) instead of eight passes in a row.
//! - **Background** work (the embedding jobs) runs [`BATCH_SIZE`] texts per pass, so a
//!   query arriving behind a backfill waits for at most one batch, not the whole backfill.
//!
//! A request whose caller has gone (the search was cancelled) is dropped unrun.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;

use crate::{BATCH_SIZE, EmbedError, SentenceEmbedder};

/// Which queue a request joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Priority {
    /// A search waiting on its answer.
    Query,
    /// Embedding jobs.
    Background,
}

/// The answer to one request: a vector per text, in order.
pub(crate) type Reply = Result<Vec<Vec<f32>>, EmbedError>;

struct Request {
    texts: Vec<String>,
    /// Vectors of the texts embedded so far (background requests advance a batch a time).
    done: Vec<Vec<f32>>,
    reply: oneshot::Sender<Reply>,
}

#[derive(Default)]
struct Queues {
    queries: VecDeque<Request>,
    background: VecDeque<Request>,
    closed: bool,
}

/// The queues and the signal the inference threads wait on.
#[derive(Default)]
pub(crate) struct Scheduler {
    queues: Mutex<Queues>,
    ready: Condvar,
}

impl Scheduler {
    fn lock(&self) -> MutexGuard<'_, Queues> {
        // Every update under the lock is whole: a panic elsewhere leaves it consistent.
        self.queues.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts `threads` inference threads over `model`.
    pub(crate) fn start(
        model: &Arc<SentenceEmbedder>,
        threads: usize,
    ) -> Result<Arc<Self>, EmbedError> {
        let scheduler = Arc::new(Self::default());
        for n in 0..threads.max(1) {
            let (scheduler, model) = (Arc::clone(&scheduler), Arc::clone(model));
            std::thread::Builder::new()
                .name(format!("embed-{n}"))
                .spawn(move || scheduler.run(&model))
                .map_err(|e| EmbedError::Load(format!("inference thread: {e}")))?;
        }
        Ok(scheduler)
    }

    /// Queues `texts`; the receiver gets their vectors.
    pub(crate) fn submit(
        &self,
        texts: Vec<String>,
        priority: Priority,
    ) -> oneshot::Receiver<Reply> {
        let (reply, answer) = oneshot::channel();
        let request = Request {
            done: Vec::with_capacity(texts.len()),
            texts,
            reply,
        };
        let mut queues = self.lock();
        if queues.closed {
            drop(queues);
            let _ = request.reply.send(Err(EmbedError::Inference(
                "the embedder is closed".to_owned(),
            )));
            return answer;
        }
        match priority {
            Priority::Query => queues.queries.push_back(request),
            Priority::Background => queues.background.push_back(request),
        }
        drop(queues);
        self.ready.notify_one();
        answer
    }

    /// Stops the threads once the queues are empty; later requests fail.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }

    fn run(&self, model: &SentenceEmbedder) {
        while let Some(work) = self.next_work() {
            match work {
                Work::Queries(requests) => run_queries(model, requests),
                Work::Background(mut request, batch) => {
                    let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
                    match infer(model, &refs) {
                        Ok(vectors) => {
                            request.done.extend(vectors);
                            if request.done.len() == request.texts.len() {
                                let _ = request.reply.send(Ok(request.done));
                            } else {
                                // Back to the front: it keeps its place ahead of later jobs.
                                self.lock().background.push_front(request);
                            }
                        }
                        Err(err) => {
                            let _ = request.reply.send(Err(err));
                        }
                    }
                }
            }
        }
    }

    /// Waits for the next pass's work: every waiting query (up to a batch of texts), else
    /// the next batch of the oldest background request. `None` once closed and drained.
    fn next_work(&self) -> Option<Work> {
        let mut queues = self.lock();
        loop {
            queues.queries.retain(|r| !r.reply.is_closed());
            queues.background.retain(|r| !r.reply.is_closed());
            if !queues.queries.is_empty() {
                let mut taken = Vec::new();
                let mut texts = 0;
                while let Some(next) = queues.queries.front() {
                    if !taken.is_empty() && texts + next.texts.len() > BATCH_SIZE {
                        break;
                    }
                    texts += next.texts.len();
                    taken.extend(queues.queries.pop_front());
                }
                return Some(Work::Queries(taken));
            }
            if let Some(request) = queues.background.pop_front() {
                let from = request.done.len();
                let to = (from + BATCH_SIZE).min(request.texts.len());
                let batch = request.texts[from..to].to_vec();
                return Some(Work::Background(request, batch));
            }
            if queues.closed {
                return None;
            }
            queues = self
                .ready
                .wait(queues)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

enum Work {
    Queries(Vec<Request>),
    Background(Request, Vec<String>),
}

/// One pass over every waiting query's texts; if it fails, each request is run alone so
/// one bad text fails only its own request.
fn run_queries(model: &SentenceEmbedder, requests: Vec<Request>) {
    let refs: Vec<&str> = requests
        .iter()
        .flat_map(|r| r.texts.iter().map(String::as_str))
        .collect();
    match infer(model, &refs) {
        Ok(vectors) => {
            let mut vectors = vectors.into_iter();
            for request in requests {
                let mine: Vec<Vec<f32>> = vectors.by_ref().take(request.texts.len()).collect();
                let _ = request.reply.send(Ok(mine));
            }
        }
        Err(err) if requests.len() == 1 => {
            for request in requests {
                let _ = request
                    .reply
                    .send(Err(EmbedError::Inference(err.to_string())));
            }
        }
        Err(_) => {
            for request in requests {
                let refs: Vec<&str> = request.texts.iter().map(String::as_str).collect();
                let _ = request.reply.send(infer(model, &refs));
            }
        }
    }
}

/// The forward pass, with a panic turned into an error so the thread lives on.
fn infer(model: &SentenceEmbedder, texts: &[&str]) -> Reply {
    std::panic::catch_unwind(AssertUnwindSafe(|| model.embed(texts))).unwrap_or_else(|_| {
        tracing::error!("the embedding model panicked");
        Err(EmbedError::Inference("the model panicked".to_owned()))
    })
}
