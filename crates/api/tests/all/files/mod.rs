//! `/api/v1/files/...` (signed downloads) and the life of stored objects.

mod download;
mod stored_objects;
