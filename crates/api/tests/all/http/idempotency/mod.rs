//! `Idempotency-Key` on every creating POST (ADR 0016).

mod concurrency;
mod replay;
mod storage;
