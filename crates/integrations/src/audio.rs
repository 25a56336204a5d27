//! Recognising audio recordings by their first bytes (voice captures): WebM, Ogg, MP3,
//! M4A (MPEG-4 audio) and WAV. The client's file name and declared type are never
//! consulted, and the bytes are stored as they came (no decoding).

/// An accepted audio container: its media type and the extension its key gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioKind {
    /// Media type served for it.
    pub mime: &'static str,
    /// Extension of its storage key.
    pub ext: &'static str,
}

/// Every accepted container.
pub const AUDIO_KINDS: [AudioKind; 5] = [
    AudioKind {
        mime: "audio/webm",
        ext: "webm",
    },
    AudioKind {
        mime: "audio/ogg",
        ext: "ogg",
    },
    AudioKind {
        mime: "audio/mpeg",
        ext: "mp3",
    },
    AudioKind {
        mime: "audio/mp4",
        ext: "m4a",
    },
    AudioKind {
        mime: "audio/wav",
        ext: "wav",
    },
];

/// Major brands of an ISO media file (`ftyp`) that audio recorders write.
const MP4_BRANDS: [&[u8; 4]; 7] = [
    b"M4A ", b"M4B ", b"mp42", b"mp41", b"isom", b"iso5", b"iso6",
];

/// The container of `bytes`, or `None` when they are not audio this server accepts. Reads
/// at most the first 64 bytes.
pub fn sniff_audio(bytes: &[u8]) -> Option<AudioKind> {
    let head = &bytes[..bytes.len().min(64)];
    let kind = |ext: &str| AUDIO_KINDS.iter().copied().find(|k| k.ext == ext);
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        return kind("wav");
    }
    if head.starts_with(b"OggS") {
        return kind("ogg");
    }
    // EBML header whose DocType is `webm` (Matroska video files are not recordings).
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) && head.windows(4).any(|w| w == b"webm") {
        return kind("webm");
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" && MP4_BRANDS.iter().any(|b| &head[8..12] == *b) {
        return kind("m4a");
    }
    if head.starts_with(b"ID3") || is_mp3_frame(head) {
        return kind("mp3");
    }
    None
}

/// An MPEG audio layer III frame header: sync bits, a defined version, layer III, a
/// usable bitrate and sample rate.
fn is_mp3_frame(head: &[u8]) -> bool {
    let [a, b, c, ..] = head else {
        return false;
    };
    *a == 0xFF
        && b & 0xE0 == 0xE0
        && (b >> 3) & 0b11 != 0b01
        && (b >> 1) & 0b11 == 0b01
        && c >> 4 != 0b1111
        && c >> 4 != 0
        && (c >> 2) & 0b11 != 0b11
}

/// The media type to serve for an audio key's extension.
pub fn audio_content_type(ext: &str) -> Option<&'static str> {
    AUDIO_KINDS.iter().find(|k| k.ext == ext).map(|k| k.mime)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn padded(head: &[u8]) -> Vec<u8> {
        let mut bytes = head.to_vec();
        bytes.resize(128, 0);
        bytes
    }

    #[test]
    fn containers_are_recognised_by_their_bytes_only() {
        let cases: [(&[u8], Option<&str>); 14] = [
            (b"RIFF\0\0\0\0WAVEfmt ", Some("wav")),
            (b"RIFF\0\0\0\0AVI LIST", None),
            (b"OggS\0\x02", Some("ogg")),
            (
                b"\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x84webm",
                Some("webm"),
            ),
            (
                b"\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x88matroska",
                None,
            ),
            (b"\0\0\0\x20ftypM4A \0\0\0\0", Some("m4a")),
            (b"\0\0\0\x20ftypqt  \0\0\0\0", None),
            (b"ID3\x04\0\0\0\0\0\0", Some("mp3")),
            (&[0xFF, 0xFB, 0x90, 0x64], Some("mp3")),
            (&[0xFF, 0xFB, 0xF0, 0x64], None),
            (&[0xFF, 0xFD, 0x90, 0x64], None),
            (b"%PDF-1.4", None),
            (b"<html>", None),
            (b"\x89PNG\r\n\x1a\n", None),
        ];
        for (head, ext) in cases {
            assert_eq!(sniff_audio(&padded(head)).map(|k| k.ext), ext, "{head:?}");
        }
        assert_eq!(sniff_audio(b""), None);
        assert_eq!(sniff_audio(b"RIFF"), None);
        assert_eq!(sniff_audio(&[0xFF]), None);
    }

    #[test]
    fn every_kind_has_its_content_type() {
        for kind in AUDIO_KINDS {
            assert_eq!(audio_content_type(kind.ext), Some(kind.mime));
        }
        assert_eq!(audio_content_type("pdf"), None);
    }
}
