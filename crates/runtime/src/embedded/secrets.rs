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
                if let Ok(existing) = std::fs::read_to_string(&path)
                    && !existing.trim().is_empty()
                {
                    return Ok(existing.trim().to_owned());
                }
                let value = make()?;
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .mode(0o600)
                    .open(&path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                file.write_all(value.as_bytes())?;
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
