//! Integration tests of `omnicrm-api`, one binary (linked once instead of once per file),
//! laid out like the URL space: the tests of `GET /api/v1/contacts/{id}` are in
//! `contacts/get.rs`, those of `/api/v1/onboarding/public/submit` in
//! `onboarding/public/submit.rs`; behaviour every route shares is under `http/`, shared
//! fixtures under `common/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ai;
mod auth;
mod chat;
mod common;
mod contacts;
mod cron;
mod data_intelligence;
mod files;
mod google;
mod health;
mod http;
mod jobs;
mod notes;
mod omni_momentum;
mod onboarding;
mod search;
mod storage;
mod tags;
mod timeline;
mod user;
mod user_profile;
