//! Integration tests of `omnicrm-api`, one binary (linked once instead of once per
//! file); each module is one area, named after what it tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod common;
mod consents;
mod contacts_crud;
mod contacts_merge;
mod contacts_more;
mod contacts_tenancy;
mod database_outage;
mod fair_share;
mod files;
mod http;
mod http_envelope;
mod identities;
mod image_decodes;
mod input_problems;
mod job_drains;
mod jobs;
mod jwks;
mod notes;
mod onboarding;
mod onboarding_signatures;
mod openapi;
mod stored_objects;
mod tags;
mod user_data;
mod user_profile;
