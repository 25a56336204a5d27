//! `/api/v1/storage/...`.

mod file_url;
