//! Finds the installed PostgreSQL server binaries.

use std::path::{Path, PathBuf};

use anyhow::bail;

/// Directory holding `initdb`, `pg_ctl` and `postgres`.
#[derive(Debug, Clone)]
pub struct PgBinaries {
    dir: PathBuf,
}

impl PgBinaries {
    /// Looks on `PATH`, then under `/usr/lib/postgresql/*/bin` (newest version first).
    pub fn locate() -> anyhow::Result<Self> {
        let on_path = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .unwrap_or_default();
        let mut versioned: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path().join("bin"))
                    .collect()
            })
            .unwrap_or_default();
        versioned.sort_by_key(|p| std::cmp::Reverse(version_of(p)));
        for dir in on_path.into_iter().chain(versioned) {
            if is_complete(&dir) {
                return Ok(Self { dir });
            }
        }
        bail!(
            "no PostgreSQL server installation found (initdb, pg_ctl and postgres on PATH or under \
             /usr/lib/postgresql/<version>/bin). Install it with `apt-get install postgresql` \
             (Debian/Ubuntu), or set DATABASE_URL to use an existing server."
        )
    }

    /// `initdb`.
    pub fn initdb(&self) -> PathBuf {
        self.dir.join("initdb")
    }

    /// `pg_ctl`.
    pub fn pg_ctl(&self) -> PathBuf {
        self.dir.join("pg_ctl")
    }
}

fn is_complete(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|b| dir.join(b).is_file())
}

fn version_of(bin_dir: &Path) -> u32 {
    bin_dir
        .parent()
        .and_then(Path::file_name)
        .and_then(|v| v.to_str())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
