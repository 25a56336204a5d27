//! `/api/v1/ai`: usage and the limits behind every AI request.

mod embeddings;
mod quotas;
mod usage;
