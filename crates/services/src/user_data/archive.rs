//! The ZIP writer. The `zip` crate writes synchronously, so it runs on a blocking thread:
//! entries arrive over a bounded channel from the export task, compressed bytes leave over
//! another bounded channel to the HTTP response. Both bounds together cap the memory an
//! export holds, and a slow client slows the database reads down instead of piling up
//! bytes.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Bytes handed to the response per message (the last one of an entry may be shorter,
/// a large write longer).
const OUT_CHUNK: usize = 64 * 1024;

/// One piece of the archive's output, or the reason it ends incomplete.
pub type Chunk = io::Result<Vec<u8>>;

/// What the export task tells the writer.
#[derive(Debug)]
pub enum Command {
    /// Starts the next entry (closing the previous one). `large` entries carry ZIP64 sizes
    /// from the start: required for an entry that may exceed 4 GiB, whose size a stream
    /// cannot know in advance (table dumps).
    Start {
        /// Path inside the archive.
        name: String,
        /// May exceed 4 GiB.
        large: bool,
    },
    /// Appends bytes to the current entry.
    Write(Vec<u8>),
    /// Closes the last entry and writes the central directory. Without it the archive is
    /// never completed: a reader rejects a cut-short export instead of trusting it.
    Finish,
}

/// Writes the archive fed by `commands` into `out`, entries stamped with `modified`.
/// Returns when the archive is complete, the feed stopped early, or the client left.
pub fn write_archive(
    mut commands: mpsc::Receiver<Command>,
    out: &mpsc::Sender<Chunk>,
    modified: DateTime,
) {
    let aborted = Arc::new(AtomicBool::new(false));
    let sink = ChannelSink {
        out: out.clone(),
        buf: Vec::with_capacity(OUT_CHUNK),
        aborted: Arc::clone(&aborted),
    };
    let mut zip = ZipWriter::new_stream(sink);
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(modified);
    let outcome = loop {
        match commands.blocking_recv() {
            Some(Command::Start { name, large }) => {
                if let Err(err) = zip.start_file(name, options.large_file(large)) {
                    break Err(io::Error::other(err));
                }
            }
            Some(Command::Write(bytes)) => {
                if let Err(err) = zip.write_all(&bytes) {
                    break Err(err);
                }
            }
            Some(Command::Finish) => break Ok(()),
            None => {
                break Err(io::Error::other(
                    "the export stopped before the archive was complete",
                ));
            }
        }
    };
    match outcome {
        Ok(()) => {
            let finished = zip
                .finish()
                .map_err(io::Error::other)
                .and_then(|stream| stream.into_inner().flush());
            if let Err(err) = finished {
                let _ = out.blocking_send(Err(err));
            }
        }
        Err(err) => {
            // The writer finalizes on drop: make sure no central directory follows, so
            // the truncated output can never pass for a complete archive.
            aborted.store(true, Ordering::Relaxed);
            let _ = out.blocking_send(Err(err));
            drop(zip);
        }
    }
}

/// `Write` into the response channel, in chunks of about [`OUT_CHUNK`] bytes.
struct ChannelSink {
    out: mpsc::Sender<Chunk>,
    buf: Vec<u8>,
    aborted: Arc<AtomicBool>,
}

impl ChannelSink {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(OUT_CHUNK));
        self.out
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.aborted.load(Ordering::Relaxed) {
            return Ok(data.len());
        }
        self.buf.extend_from_slice(data);
        if self.buf.len() >= OUT_CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.aborted.load(Ordering::Relaxed) {
            return Ok(());
        }
        self.send()
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::*;

    fn run(commands: Vec<Command>) -> (Vec<u8>, bool) {
        let (cmd_tx, cmd_rx) = mpsc::channel(64);
        let (out_tx, mut out_rx) = mpsc::channel(1024);
        for command in commands {
            cmd_tx.try_send(command).unwrap();
        }
        drop(cmd_tx);
        write_archive(cmd_rx, &out_tx, DateTime::default());
        drop(out_tx);
        let mut bytes = Vec::new();
        let mut failed = false;
        while let Ok(chunk) = out_rx.try_recv() {
            match chunk {
                Ok(chunk) => bytes.extend(chunk),
                Err(_) => failed = true,
            }
        }
        (bytes, failed)
    }

    #[test]
    fn a_finished_feed_is_a_readable_archive() {
        let big: Vec<u8> = (0..200_000u32).flat_map(u32::to_le_bytes).collect();
        let (bytes, failed) = run(vec![
            Command::Start {
                name: "a.json".into(),
                large: true,
            },
            Command::Write(b"[1,".to_vec()),
            Command::Write(b"2]".to_vec()),
            Command::Start {
                name: "files/b.bin".into(),
                large: false,
            },
            Command::Write(big.clone()),
            Command::Finish,
        ]);
        assert!(!failed);
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut text = String::new();
        archive
            .by_name("a.json")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "[1,2]");
        let mut bin = Vec::new();
        archive
            .by_name("files/b.bin")
            .unwrap()
            .read_to_end(&mut bin)
            .unwrap();
        assert_eq!(bin, big);
    }

    #[test]
    fn a_feed_that_stops_early_is_not_an_archive() {
        let (bytes, failed) = run(vec![
            Command::Start {
                name: "a.json".into(),
                large: true,
            },
            Command::Write(b"[1,2]".to_vec()),
        ]);
        assert!(failed);
        assert!(zip::ZipArchive::new(Cursor::new(bytes)).is_err());
    }
}
