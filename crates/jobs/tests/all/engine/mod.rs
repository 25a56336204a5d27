//! The job engine against a real Postgres, by concern.

mod cancel;
mod claiming;
mod keys;
mod leases;
mod queues;
mod retries;
