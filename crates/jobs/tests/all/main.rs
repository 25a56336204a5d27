//! Integration tests of `omnicrm-jobs`, one binary (linked once instead of once per
//! file); each module is one area, named after what it tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod cron;
mod engine;
mod lifecycle;
