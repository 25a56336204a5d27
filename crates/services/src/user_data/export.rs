//! Writing an export: every owned table from one snapshot, then the stored files, then
//! the manifest, each entry hashed as it streams past.

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_integrations::{BlobStore, ObjectKey};
use omnicrm_problem::AppError;
use omnicrm_repo::stored_objects::StoredObjects;
use omnicrm_repo::user_data::{self, OwnedTable, SECRET_COLUMNS, SecretHandling};
use omnicrm_repo::{AsyncPgConnection, Db};
use ring::digest;
use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::archive::Command;

/// Version of the archive layout; bump it when a reader would need to change.
pub const FORMAT_VERSION: u32 = 1;
/// Rows fetched per round trip: bounds the rows held in memory at once.
const FETCH_BATCH: u32 = 256;
/// How long the snapshot may sit idle (waiting for a slow client) before Postgres ends it.
const SNAPSHOT_IDLE_LIMIT: Duration = Duration::from_secs(120);

/// `manifest.json`: what the archive holds and how to check it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Always `omnicrm-user-export`.
    pub format: &'static str,
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// When the snapshot was taken.
    #[serde(with = "omnicrm_domain::timestamp")]
    pub exported_at: OffsetDateTime,
    /// Whose data this is.
    pub user_id: Uuid,
    /// Every other entry of the archive, in archive order.
    pub files: Vec<ManifestEntry>,
    /// Columns not exported as stored.
    pub redactions: Vec<Redaction>,
}

/// One entry of the archive.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestEntry {
    /// Path inside the archive.
    pub name: String,
    /// `table` (a JSON array of rows) or `file` (a stored file, byte for byte).
    pub kind: EntryKind,
    /// Rows (tables only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// Uncompressed size.
    pub bytes: u64,
    /// sha256 of the uncompressed bytes, lower-case hex.
    pub sha256: String,
}

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A table's rows.
    Table,
    /// A stored file.
    File,
}

/// A column that is redacted or left out.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Redaction {
    /// Table.
    pub table: &'static str,
    /// Column.
    pub column: &'static str,
    /// `redacted` (value replaced) or `omitted` (column absent).
    pub handling: &'static str,
}

/// The export task's state: the store, the snapshot and where entries go.
pub(super) struct ExportJob {
    pub db: Db,
    pub store: Arc<dyn BlobStore>,
    pub user: UserId,
    pub exported_at: OffsetDateTime,
}

impl ExportJob {
    /// Writes the whole archive: the tables from one snapshot, then the files its rows
    /// refer to, then the manifest.
    pub async fn run(self, mut feed: Feed) -> Result<(), AppError> {
        let user = self.user;
        let (returned, referenced) =
            user_data::in_snapshot(&self.db, user, SNAPSHOT_IDLE_LIMIT, move |conn| {
                async move {
                    let tables = user_data::owned_tables(conn).await?;
                    for table in &tables {
                        write_table(conn, &mut feed, table, user).await?;
                    }
                    // The objects the snapshot's rows refer to (not earlier exports'
                    // archives): an orphan left by a crash is not the user's data.
                    let referenced = StoredObjects::referenced(conn, user, false).await?;
                    Ok((feed, referenced))
                }
                .boxed()
            })
            .await?;
        feed = returned;
        // File bytes are not part of the database snapshot; reading them after the commit
        // keeps the transaction (and its connection) as short as the tables allow.
        let keys = referenced
            .iter()
            .filter_map(|path| ObjectKey::parse(path).ok())
            .filter(|key| key.owner() == user);
        for key in keys {
            // Deleted since it was listed: nothing to export.
            let Some(bytes) = self.store.get(&key).await? else {
                continue;
            };
            let large = bytes.len() as u64 >= u64::from(u32::MAX);
            let mut entry = feed
                .start(format!("files/{key}"), EntryKind::File, large)
                .await?;
            feed.write(&mut entry, bytes).await?;
            feed.close(entry);
        }
        let manifest = Manifest {
            format: "omnicrm-user-export",
            format_version: FORMAT_VERSION,
            exported_at: self.exported_at,
            user_id: user.into_uuid(),
            files: std::mem::take(&mut feed.entries),
            redactions: SECRET_COLUMNS
                .iter()
                .map(|(table, column, handling)| Redaction {
                    table,
                    column,
                    handling: match handling {
                        SecretHandling::Redact => "redacted",
                        SecretHandling::Omit => "omitted",
                    },
                })
                .collect(),
        };
        let json = serde_json::to_vec_pretty(&manifest).map_err(AppError::internal)?;
        feed.send(Command::Start {
            name: "manifest.json".to_owned(),
            large: false,
        })
        .await?;
        feed.send(Command::Write(json)).await?;
        feed.send(Command::Finish).await
    }
}

/// `tables/<name>.json`: a JSON array, one row per line, fetched in batches from a cursor.
async fn write_table(
    conn: &mut AsyncPgConnection,
    feed: &mut Feed,
    table: &OwnedTable,
    user: UserId,
) -> Result<(), AppError> {
    let mut entry = feed
        .start(
            format!("tables/{}.json", table.name),
            EntryKind::Table,
            true,
        )
        .await?;
    user_data::open_rows(conn, &table.export_select(user)).await?;
    feed.write(&mut entry, b"[".to_vec()).await?;
    let mut rows: u64 = 0;
    loop {
        let batch = user_data::next_rows(conn, FETCH_BATCH).await?;
        if batch.is_empty() {
            break;
        }
        let mut bytes = Vec::with_capacity(batch.iter().map(|r| r.len() + 2).sum());
        for row in &batch {
            bytes.extend_from_slice(if rows == 0 { b"\n" } else { b",\n" });
            bytes.extend_from_slice(row.as_bytes());
            rows += 1;
        }
        feed.write(&mut entry, bytes).await?;
    }
    user_data::close_rows(conn).await?;
    let end: &[u8] = if rows == 0 { b"]\n" } else { b"\n]\n" };
    feed.write(&mut entry, end.to_vec()).await?;
    entry.rows = Some(rows);
    feed.close(entry);
    Ok(())
}

/// The sending half of the archive writer, keeping the manifest entries.
pub(super) struct Feed {
    commands: mpsc::Sender<Command>,
    entries: Vec<ManifestEntry>,
}

/// An entry being written.
pub(super) struct OpenEntry {
    name: String,
    kind: EntryKind,
    rows: Option<u64>,
    bytes: u64,
    hash: digest::Context,
}

impl Feed {
    pub fn new(commands: mpsc::Sender<Command>) -> Self {
        Self {
            commands,
            entries: Vec::new(),
        }
    }

    async fn send(&self, command: Command) -> Result<(), AppError> {
        self.commands.send(command).await.map_err(|_| {
            // The client went away or the writer failed (its error reaches the response).
            AppError::internal(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the export archive writer stopped",
            ))
        })
    }

    async fn start(
        &mut self,
        name: String,
        kind: EntryKind,
        large: bool,
    ) -> Result<OpenEntry, AppError> {
        self.send(Command::Start {
            name: name.clone(),
            large,
        })
        .await?;
        Ok(OpenEntry {
            name,
            kind,
            rows: None,
            bytes: 0,
            hash: digest::Context::new(&digest::SHA256),
        })
    }

    async fn write(&mut self, entry: &mut OpenEntry, bytes: Vec<u8>) -> Result<(), AppError> {
        entry.hash.update(&bytes);
        entry.bytes += bytes.len() as u64;
        self.send(Command::Write(bytes)).await
    }

    fn close(&mut self, entry: OpenEntry) {
        self.entries.push(ManifestEntry {
            name: entry.name,
            kind: entry.kind,
            rows: entry.rows,
            bytes: entry.bytes,
            sha256: hex(entry.hash.finish().as_ref()),
        });
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
