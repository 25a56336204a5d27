//! `/api/v1/google/...` against a fake Google.

mod callback;
mod connect;
mod disconnect;
mod rotation;
mod status;
mod sync;
mod sync_to_timeline;
mod sync_worker_kill;
mod tokens;
