//! From uploaded bytes to what is stored: the type comes from the bytes (never from the
//! client's file name or declared type), images are re-encoded without metadata.

use omnicrm_domain::files::PHOTO_MAX_SIDE;
use omnicrm_integrations::{ImageError, sniff};
use omnicrm_problem::{AppError, ErrorCode};

use crate::image_decodes::prepare_photo_in_pool;

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
/// decoded, oriented, downscaled and re-encoded in the shared decode pool. 415 for unknown
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
    let prepared = prepare_photo_in_pool(bytes, PHOTO_MAX_SIDE).await?;
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
