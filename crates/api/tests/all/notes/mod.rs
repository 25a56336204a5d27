//! `/api/v1/notes/...`.

mod create;
mod extreme_numbers;
mod list;
mod tenancy;
mod update;
