//! Running PostgreSQL as the `postgres` user when the server runs as root (initdb refuses
//! to run as root).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// A local account.
#[derive(Debug, Clone)]
pub struct OsUser {
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Home directory.
    pub home: PathBuf,
}

/// The uid this process runs as (`u32::MAX` when `/proc` cannot tell).
pub fn current_uid() -> u32 {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(u32::MAX)
}

/// `Some(postgres)` when this process runs as root, else `None` (run as ourselves).
pub fn postgres_if_root() -> anyhow::Result<Option<OsUser>> {
    let me = current_uid();
    if me != 0 {
        return Ok(None);
    }
    let passwd = std::fs::read_to_string("/etc/passwd").context("cannot read /etc/passwd")?;
    for line in passwd.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        if let [name, _, uid, gid, _, home, ..] = fields.as_slice()
            && *name == "postgres"
        {
            return Ok(Some(OsUser {
                uid: uid.parse().context("bad uid in /etc/passwd")?,
                gid: gid.parse().context("bad gid in /etc/passwd")?,
                home: PathBuf::from(home),
            }));
        }
    }
    bail!(
        "running as root, but there is no `postgres` user to run PostgreSQL as; install the postgresql package or run as a normal user"
    )
}

/// Fails, naming the directory, when `user` cannot traverse every existing ancestor of `dir`.
pub fn check_traversable(dir: &Path, user: &OsUser) -> anyhow::Result<()> {
    let absolute = std::path::absolute(dir)?;
    for ancestor in absolute.ancestors().skip(1) {
        let Ok(meta) = std::fs::metadata(ancestor) else {
            continue;
        };
        let mode = meta.mode();
        let can_pass = if meta.uid() == user.uid {
            mode & 0o100 != 0
        } else if meta.gid() == user.gid {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        };
        if !can_pass {
            bail!(
                "the postgres user cannot reach the data directory: {} is not traversable by it (mode {:o}). \
                 Choose OMNICRM_DATA_DIR outside it (e.g. /var/lib/omnicrm) or `chmod o+x {}`.",
                ancestor.display(),
                mode & 0o7777,
                ancestor.display()
            );
        }
    }
    Ok(())
}
