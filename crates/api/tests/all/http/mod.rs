//! Behaviour every route shares: the HTTP envelope, input problems, the OpenAPI document,
//! database outages, fair share, bounded image decodes, the storage quota, and the limits
//! every route gets from the framework (rate, body size, CORS, ETags and preconditions,
//! idempotency keys).

mod database_outage;
mod envelope;
mod fair_share;
pub mod idempotency;
mod image_decodes;
mod input_problems;
pub mod limits;
mod openapi;
pub mod preconditions;
mod problem_shapes;
mod storage_quota;
