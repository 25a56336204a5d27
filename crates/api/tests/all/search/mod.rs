//! `GET /api/v1/search`: global search over the caller's data.

mod hostile;
mod retrieval;
mod semantic;
mod traditional;
