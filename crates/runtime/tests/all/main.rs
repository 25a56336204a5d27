//! Integration tests of `omnicrm-runtime`, one binary (linked once instead of once per
//! file); each module is one area, named after what it tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod no_secrets_in_logs;
