//! From uploaded bytes to what is stored: the type comes from the bytes (never from the
//! client's file name or declared type), images are re-encoded without metadata.

use std::sync::OnceLock;

use omnicrm_domain::files::PHOTO_MAX_SIDE;
use omnicrm_integrations::{ImageError, prepare_photo, sniff};
use omnicrm_problem::{AppError, ErrorCode};
use tokio::sync::Semaphore;

/// Images decoded at once. A decode may allocate up to 256 MiB, so the blocking pool's
/// hundreds of threads must not all decode together; others wait their turn.
fn decode_permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Semaphore::new(cores.max(2))
    })
}

/// Bytes ready to store, with the type they were recognised as.
#[derive(Debug, Clone)]
pub struct PreparedUpload {
    /// What to store.
    pub bytes: Vec<u8>,
    /// Its media type.
    pub mime: &'static str,
    /// Its key extension.
    pub ext: &'static str,
}

fn unsupported(detail: &str) -> AppError {
    AppError::new(ErrorCode::UnsupportedMediaType).with_detail(detail)
}

/// Recognises `bytes`; photos (and, unless `photo_only`, images among documents) are
/// decoded, oriented, downscaled and re-encoded on the blocking pool. 415 for unknown
/// bytes, for non-photos when `photo_only`, and for images that do not decode.
pub(super) async fn prepare(bytes: Vec<u8>, photo_only: bool) -> Result<PreparedUpload, AppError> {
    let Some(kind) = sniff(&bytes) else {
        return Err(unsupported(
            "the file type is not accepted (JPEG, PNG, WebP, GIF or PDF)",
        ));
    };
    if !kind.is_photo() {
        if photo_only {
            return Err(unsupported(
                "a photo must be a JPEG, PNG, WebP or GIF image",
            ));
        }
        return Ok(PreparedUpload {
            bytes,
            mime: kind.mime,
            ext: kind.ext,
        });
    }
    let permit = decode_permits()
        .acquire()
        .await
        .map_err(AppError::internal)?;
    // The permit travels with the decode: it is released when the decode ends, even if
    // the request that started it is gone by then.
    let prepared = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        prepare_photo(&bytes, PHOTO_MAX_SIDE)
    })
    .await
    .map_err(AppError::internal)?;
    match prepared {
        Ok(image) => Ok(PreparedUpload {
            bytes: image.bytes,
            mime: image.mime,
            ext: image.ext,
        }),
        Err(ImageError::Unsupported | ImageError::Undecodable(_)) => Err(unsupported(
            "the image could not be decoded (corrupt, truncated or too large)",
        )),
        Err(err @ ImageError::Encode(_)) => Err(AppError::internal(err)),
    }
}
