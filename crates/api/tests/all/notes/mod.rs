//! `/api/v1/notes/...`.

mod create;
mod list;
mod tenancy;
mod update;
