//! Secrets generated into `$OMNICRM_DATA_DIR/secrets/` on the first embedded run
//! (0700 directory, 0600 files) and reused afterwards.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};

/// The embedded deployment's generated secrets.
#[derive(Clone)]
pub struct Secrets {
    /// HS256 secret for access tokens.
    pub jwt_secret: String,
    /// `id:base64(32 bytes)`.
    pub encryption_keys: String,
    /// Password of the owner role.
    pub pg_owner_password: String,
    /// Password of the app role.
    pub pg_app_password: String,
    /// Bearer secret of the cron routes.
    pub cron_secret: String,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(..)")
    }
}

impl Secrets {
    /// Loads the secrets of `data_dir`, generating missing ones.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        let dir = data_dir.join("secrets");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        let get =
            |name: &str, make: &dyn Fn() -> anyhow::Result<String>| -> anyhow::Result<String> {
                let path = dir.join(name);
                if let Some(existing) = read_private(&path)? {
                    return Ok(existing);
                }
                let value = make()?;
                write_atomically(&dir, name, &value)?;
                Ok(value)
            };
        Ok(Self {
            jwt_secret: get("jwt_secret", &|| random_hex(32))?,
            encryption_keys: get("encryption_keys", &|| {
                Ok(format!(
                    "k1:{}",
                    base64::engine::general_purpose::STANDARD.encode(random_bytes(32)?)
                ))
            })?,
            pg_owner_password: get("pg_owner_password", &|| random_hex(24))?,
            pg_app_password: get("pg_app_password", &|| random_hex(24))?,
            cron_secret: get("cron_secret", &|| random_hex(32))?,
        })
    }

    /// Reads the JWT secret of `data_dir` without creating anything (`token` subcommand).
    pub fn read_jwt_secret(data_dir: &Path) -> Option<String> {
        std::fs::read_to_string(data_dir.join("secrets").join("jwt_secret"))
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }
}

/// The trimmed content of an existing, non-empty secret file; `None` when there is none.
/// A secret others could read (group or world bits), a symlink or anything but a regular
/// file is refused rather than used: someone may have read or planted it.
fn read_private(path: &Path) -> anyhow::Result<Option<String>> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err).with_context(|| format!("cannot inspect {}", path.display())),
    };
    let mode = meta.permissions().mode() & 0o777;
    if !meta.file_type().is_file() || mode & 0o077 != 0 {
        anyhow::bail!(
            "{} must be a regular file readable by its owner only (mode 0600, it is {mode:o}{}): \
             if nobody else could have read it, chmod 600 it; otherwise delete it and rotate \
             what it protected",
            path.display(),
            if meta.file_type().is_symlink() {
                ", a symlink"
            } else {
                ""
            }
        );
    }
    let existing =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let existing = existing.trim();
    Ok((!existing.is_empty()).then(|| existing.to_owned()))
}

/// Writes `value` to `dir/name` through a 0600 temporary file that is flushed and renamed
/// into place, so a crash leaves either no secret or the whole one, never a truncated one
/// that the next start would take.
fn write_atomically(dir: &Path, name: &str, value: &str) -> anyhow::Result<()> {
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp-{}", random_hex(8)?));
    let written = (|| -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(value.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.with_context(|| format!("cannot write {}", path.display()))
}

fn random_bytes(n: usize) -> anyhow::Result<Vec<u8>> {
    let mut bytes = vec![0_u8; n];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| anyhow::anyhow!("the OS random number generator failed"))?;
    Ok(bytes)
}

fn random_hex(n: usize) -> anyhow::Result<String> {
    Ok(random_bytes(n)?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn secrets_are_private_reused_and_refused_when_others_could_read_them() {
        let dir = tempfile::tempdir().unwrap();
        let first = Secrets::load_or_create(dir.path()).unwrap();
        let file = dir.path().join("secrets/jwt_secret");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&dir.path().join("secrets")), 0o700);
        // No temporary files are left behind.
        let names: Vec<String> = std::fs::read_dir(dir.path().join("secrets"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
        let again = Secrets::load_or_create(dir.path()).unwrap();
        assert_eq!(again.jwt_secret, first.jwt_secret);

        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Secrets::load_or_create(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("jwt_secret") && err.contains("chmod 600"),
            "{err}"
        );

        std::fs::remove_file(&file).unwrap();
        let elsewhere = dir.path().join("planted");
        std::fs::write(&elsewhere, "attacker-chosen-secret-of-some-length").unwrap();
        std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &file).unwrap();
        let err = Secrets::load_or_create(dir.path()).unwrap_err().to_string();
        assert!(err.contains("symlink"), "{err}");
    }
}
