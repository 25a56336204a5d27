//! What an uploaded file really is (from its bytes), and photo preparation: decode with
//! limits, honour the EXIF orientation, downscale, re-encode. Re-encoding drops every
//! metadata block (EXIF GPS position, camera serials, embedded thumbnails).

use std::io::Cursor;

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

/// Largest decoded dimension accepted (pixels), against decompression bombs.
const MAX_DIMENSION: u32 = 12_000;
/// Largest decoder allocation accepted.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;
const JPEG_QUALITY: u8 = 85;

/// Decodes `bytes` (JPEG, PNG, WebP or GIF's first frame), applies the EXIF orientation,
/// fits the image within `max_side`×`max_side` and re-encodes it as a JPEG (transparent
/// areas become white). CPU-bound: call it from `spawn_blocking`.
pub fn prepare_photo(bytes: &[u8], max_side: u32) -> Result<PreparedImage, ImageError> {
    if !sniff(bytes).is_some_and(FileKind::is_photo) {
        return Err(ImageError::Unsupported);
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_ALLOC);
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Undecodable(e.to_string()))?;
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| ImageError::Undecodable(e.to_string()))?;
    let orientation = decoder
        .orientation()
        .map_err(|e| ImageError::Undecodable(e.to_string()))?;
    let mut image =
        DynamicImage::from_decoder(decoder).map_err(|e| ImageError::Undecodable(e.to_string()))?;
    image.apply_orientation(orientation);
    let (w, h) = image.dimensions();
    if w > max_side || h > max_side {
        image = image.resize(max_side, max_side, image::imageops::FilterType::CatmullRom);
    }
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
