//! What an uploaded file really is (from its bytes), and photo preparation: decode with
//! limits, honour the EXIF orientation, downscale, re-encode. Re-encoding drops every
//! metadata block (EXIF GPS position, camera serials, embedded thumbnails).

use std::io::Cursor;
use std::sync::atomic::{AtomicUsize, Ordering};

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, GenericImageView, ImageDecoder, ImageReader, Limits, RgbImage};

/// A file type recognised from magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileKind {
    /// Media type (`image/png`).
    pub mime: &'static str,
    /// Extension used in storage keys (`png`).
    pub ext: &'static str,
}

impl FileKind {
    /// Whether this is an image format photo uploads accept.
    pub fn is_photo(self) -> bool {
        matches!(self.ext, "jpg" | "png" | "webp" | "gif")
    }
}

/// The types uploads accept: photos and common document formats.
const ACCEPTED: &[FileKind] = &[
    FileKind {
        mime: "image/jpeg",
        ext: "jpg",
    },
    FileKind {
        mime: "image/png",
        ext: "png",
    },
    FileKind {
        mime: "image/webp",
        ext: "webp",
    },
    FileKind {
        mime: "image/gif",
        ext: "gif",
    },
    FileKind {
        mime: "application/pdf",
        ext: "pdf",
    },
];

/// The accepted type of `bytes`, or `None` (415 to the client). The client's file name
/// and declared `Content-Type` are never consulted.
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    let found = infer::get(bytes)?;
    ACCEPTED
        .iter()
        .copied()
        .find(|k| k.mime == found.mime_type())
}

/// The media type to serve for a stored extension.
pub fn content_type_for_extension(ext: &str) -> &'static str {
    ACCEPTED
        .iter()
        .find(|k| k.ext == ext)
        .map_or("application/octet-stream", |k| k.mime)
}

/// Why an image could not be prepared (a 4xx for the uploader).
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// Not an image this server decodes.
    #[error("unsupported image format")]
    Unsupported,
    /// Decoding failed: truncated, corrupt, or beyond the size limits.
    #[error("the image could not be decoded: {0}")]
    Undecodable(String),
    /// Re-encoding failed (an internal fault).
    #[error("the image could not be encoded: {0}")]
    Encode(String),
}

/// A photo ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedImage {
    /// JPEG bytes without metadata.
    pub bytes: Vec<u8>,
    /// Always `image/jpeg`.
    pub mime: &'static str,
    /// Always `jpg`.
    pub ext: &'static str,
    /// Width after downscaling.
    pub width: u32,
    /// Height after downscaling.
    pub height: u32,
}

/// Decodes of this process: running now, the most ever running at once, started in all.
/// Every decode passes through [`prepare_photo`], so these see every caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeStats {
    /// Decodes running now.
    pub running: usize,
    /// The most decodes seen running at once.
    pub peak: usize,
    /// Decodes started since the process began.
    pub started: usize,
}

static RUNNING: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static STARTED: AtomicUsize = AtomicUsize::new(0);

/// The decode counters (for tests and metrics).
pub fn decode_stats() -> DecodeStats {
    DecodeStats {
        running: RUNNING.load(Ordering::SeqCst),
        peak: PEAK.load(Ordering::SeqCst),
        started: STARTED.load(Ordering::SeqCst),
    }
}

/// Counts a decode as running for as long as it lives.
struct RunningDecode;

impl RunningDecode {
    fn enter() -> Self {
        STARTED.fetch_add(1, Ordering::SeqCst);
        let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
        PEAK.fetch_max(now, Ordering::SeqCst);
        Self
    }
}

impl Drop for RunningDecode {
    fn drop(&mut self) {
        RUNNING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Largest decoded dimension accepted (pixels), against decompression bombs.
const MAX_DIMENSION: u32 = 12_000;
/// Largest decoded pixel buffer accepted (width × height × bytes per pixel of the file's
/// own colour type): 128 MiB, a 42-megapixel RGB photo. Checked from the header before
/// anything is allocated, and given to the decoders as their allocation limit.
pub const MAX_DECODED_BYTES: u64 = 128 * 1024 * 1024;
const JPEG_QUALITY: u8 = 85;

/// Decodes `bytes` (JPEG, PNG, WebP or GIF's first frame), fits the image within
/// `max_side`×`max_side`, applies the EXIF orientation and re-encodes it as a JPEG
/// (transparent areas become white). CPU-bound: run it in the shared decode pool.
///
/// Memory, besides `bytes`: the decoded buffer (≤ [`MAX_DECODED_BYTES`]) plus the
/// decoder's own scratch (limited to the same amount where the codec honours
/// `Limits::max_alloc`), then at most 32 MiB of downscaled copies. The full-size image
/// is never copied: it is downscaled (a box filter to at most twice `max_side`, then a
/// Catmull-Rom filter) before it is rotated, which gives the same picture because
/// fitting into a square does not depend on orientation.
pub fn prepare_photo(bytes: &[u8], max_side: u32) -> Result<PreparedImage, ImageError> {
    if !sniff(bytes).is_some_and(FileKind::is_photo) {
        return Err(ImageError::Unsupported);
    }
    let _running = RunningDecode::enter();
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Undecodable(e.to_string()))?;
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| ImageError::Undecodable(e.to_string()))?;
    if decoder.total_bytes() > MAX_DECODED_BYTES {
        return Err(ImageError::Undecodable(format!(
            "the decoded image would exceed {MAX_DECODED_BYTES} bytes"
        )));
    }
    let orientation = decoder
        .orientation()
        .map_err(|e| ImageError::Undecodable(e.to_string()))?;
    let image =
        DynamicImage::from_decoder(decoder).map_err(|e| ImageError::Undecodable(e.to_string()))?;
    let mut image = fit_within(image, max_side);
    image.apply_orientation(orientation);
    let rgb = flatten_on_white(&image);
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|e| ImageError::Encode(e.to_string()))?;
    Ok(PreparedImage {
        bytes: out,
        mime: "image/jpeg",
        ext: "jpg",
        width: rgb.width(),
        height: rgb.height(),
    })
}

/// Downscales to fit `max_side`×`max_side`. A fast box filter first brings large images
/// to at most twice that, so the filtered resize's intermediate rows (f32 RGBA, as wide
/// as its source) stay small; the full-size buffer is dropped as soon as it is sampled.
fn fit_within(image: DynamicImage, max_side: u32) -> DynamicImage {
    let (w, h) = image.dimensions();
    if w <= max_side && h <= max_side {
        return image;
    }
    let coarse = max_side.saturating_mul(2);
    let image = if w > coarse || h > coarse {
        image.thumbnail(coarse, coarse)
    } else {
        image
    };
    image.resize(max_side, max_side, image::imageops::FilterType::CatmullRom)
}

fn flatten_on_white(image: &DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.to_rgb8();
    }
    let rgba = image.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let blend = |c: u8| {
            let (c, a) = (u32::from(c), u32::from(a));
            ((c * a + 255 * (255 - a) + 127) / 255) as u8
        };
        image::Rgb([blend(r), blend(g), blend(b)])
    })
}

#[cfg(test)]
mod tests {
    use image::{ImageFormat, Rgba, RgbaImage};

    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = RgbaImage::from_pixel(width, height, Rgba([10, 200, 30, 0]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn types_come_from_bytes() {
        assert_eq!(sniff(&png(2, 2)).map(|k| k.ext), Some("png"));
        assert_eq!(sniff(b"%PDF-1.7\n...").map(|k| k.ext), Some("pdf"));
        assert_eq!(sniff(b"<html><script>alert(1)</script>"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(content_type_for_extension("jpg"), "image/jpeg");
        assert_eq!(
            content_type_for_extension("exe"),
            "application/octet-stream"
        );
    }

    #[test]
    fn photos_are_downscaled_reencoded_and_flattened() {
        let prepared = prepare_photo(&png(1600, 800), 512).unwrap();
        assert_eq!((prepared.width, prepared.height), (512, 256));
        assert_eq!(sniff(&prepared.bytes).map(|k| k.ext), Some("jpg"));
        let decoded = image::load_from_memory(&prepared.bytes).unwrap().to_rgb8();
        // Fully transparent pixels end up white, not black.
        assert!(decoded.get_pixel(10, 10).0.iter().all(|&c| c > 240));
    }

    #[test]
    fn very_large_photos_are_downscaled_in_two_steps() {
        let prepared = prepare_photo(&png(4000, 1000), 512).unwrap();
        assert_eq!((prepared.width, prepared.height), (512, 128));
    }

    #[test]
    fn images_over_the_decoded_size_limit_are_refused_before_decoding() {
        // 11,000 × 11,000 RGBA is 484 MB decoded: refused from the header alone.
        let mut header = png(1, 1);
        header[16..20].copy_from_slice(&11_000u32.to_be_bytes());
        header[20..24].copy_from_slice(&11_000u32.to_be_bytes());
        let crc = crc32(&header[12..29]);
        header[29..33].copy_from_slice(&crc.to_be_bytes());
        assert!(matches!(
            prepare_photo(&header, 512),
            Err(ImageError::Undecodable(_))
        ));
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn small_photos_keep_their_size() {
        let prepared = prepare_photo(&png(40, 30), 512).unwrap();
        assert_eq!((prepared.width, prepared.height), (40, 30));
    }

    #[test]
    fn garbage_and_non_images_are_refused_without_panicking() {
        assert!(matches!(
            prepare_photo(b"%PDF-1.7", 512),
            Err(ImageError::Unsupported)
        ));
        let mut truncated = png(64, 64);
        truncated.truncate(truncated.len() / 2);
        assert!(prepare_photo(&truncated, 512).is_err());
    }
}
