//! Integration tests of `omnicrm-e2e`, one binary (linked once instead of once per
//! file); each module is one area, named after what it tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod embedded_server;
mod serving_role;
mod worker_chaos;
