//! `/tags`: a user's tags (system tags copied from the templates on first touch, plus their
//! own), tagging contacts, tasks, notes and goals, bulk delete and usage statistics.

pub mod apply;
pub mod bulk_delete;
pub mod contact_tags;
pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod remove;
pub mod stats;
pub mod update;
