//! Integration tests of `omnicrm-embed`. They need the model: `OMNICRM_EMBED_MODEL_DIR`
//! (which `scripts/test` sets after `scripts/fetch-embedding-model`); without it each test
//! says so and passes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod model;
mod queues;
