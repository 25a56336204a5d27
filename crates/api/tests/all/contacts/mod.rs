//! `/api/v1/contacts` and everything under it.

mod bulk_delete;
mod consents;
mod create;
mod delete;
mod files;
mod get;
mod import;
mod list;
mod merge;
mod notes;
mod photo;
mod photo_access_log;
mod suggestions;
mod tenancy;
mod update;
