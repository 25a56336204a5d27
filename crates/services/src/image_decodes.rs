//! The one bounded pool every image decode runs in, whoever asks: the practitioner's photo
//! and file uploads and the public onboarding photo upload. A decode holds up to about
//! `2 × MAX_DECODED_BYTES + 32 MiB` besides its input (see `docs/crm/files.md`), so the
//! blocking pool's hundreds of threads must never all decode together: at most
//! [`max_concurrent_decodes`] run, the others wait for a permit before any work starts.

use std::sync::OnceLock;

use omnicrm_integrations::{ImageError, PreparedImage, prepare_photo};
use omnicrm_problem::AppError;
use tokio::sync::Semaphore;

/// Decode counters of this process (running, peak, started), for tests and metrics.
pub use omnicrm_integrations::{DecodeStats, decode_stats};

/// Decodes allowed at once: the number of cores, at least 2.
pub fn max_concurrent_decodes() -> usize {
    std::thread::available_parallelism()
        .map_or(2, usize::from)
        .max(2)
}

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(max_concurrent_decodes()))
}

/// Decodes, orients, downscales and re-encodes `bytes` ([`prepare_photo`]) on the blocking
/// pool once a decode permit is free. The permit travels with the decode: it is released
/// when the decode ends, even if the request that started it is gone by then. The outer
/// error is an internal fault; the inner one is the image's.
pub async fn prepare_photo_in_pool(
    bytes: Vec<u8>,
    max_side: u32,
) -> Result<Result<PreparedImage, ImageError>, AppError> {
    let permit = permits().acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        prepare_photo(&bytes, max_side)
    })
    .await
    .map_err(AppError::internal)
}
