//! The embedded default: a PostgreSQL cluster under `$OMNICRM_DATA_DIR/pg`, created on the
//! first run from the installed server binaries, reused afterwards, listening on a Unix
//! socket only, and run as the `postgres` user when the server itself runs as root.

mod binaries;
mod os_user;
mod secrets;

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, bail};
use tokio::process::Command;

pub use binaries::PgBinaries;
pub use secrets::Secrets;

const OWNER_ROLE: &str = "omnicrm_owner";
const APP_ROLE: &str = "omnicrm_app";
const DATABASE: &str = "omnicrm";
const PORT: u16 = 5432;
/// Longest Unix socket path (sun_path is 108 bytes including the NUL).
const MAX_SOCKET_PATH: usize = 100;

/// A running (or reused) embedded cluster.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    bins: PgBinaries,
    pgdata: PathBuf,
    socket_dir: PathBuf,
    run_as: Option<os_user::OsUser>,
    /// Whether this process started the cluster (and so stops it); a cluster another
    /// process left running is reused and left running.
    started_here: bool,
    /// Owner-role URL (migrations).
    pub owner_url: String,
    /// App-role URL (serving).
    pub app_url: String,
}

impl EmbeddedPostgres {
    /// Paths of the cluster under `data_dir` (nothing is started).
    fn layout(
        data_dir: &Path,
        secrets: &Secrets,
        bins: PgBinaries,
        run_as: Option<os_user::OsUser>,
    ) -> Self {
        let pg_dir = data_dir.join("pg");
        let mut socket_dir = pg_dir.join("run");
        if socket_dir
            .join(format!(".s.PGSQL.{PORT}"))
            .as_os_str()
            .len()
            > MAX_SOCKET_PATH
        {
            // Deep data dirs overflow sun_path; fall back to a short, per-data-dir path.
            let digest = ring::digest::digest(
                &ring::digest::SHA256,
                data_dir.as_os_str().as_encoded_bytes(),
            );
            let tag: String = digest
                .as_ref()
                .iter()
                .take(6)
                .map(|b| format!("{b:02x}"))
                .collect();
            socket_dir = PathBuf::from(format!("/tmp/omnicrm-{tag}"));
        }
        let url = |role: &str, password: &str| {
            format!(
                "host={} port={PORT} user={role} password={password} dbname={DATABASE}",
                socket_dir.display()
            )
        };
        Self {
            owner_url: url(OWNER_ROLE, &secrets.pg_owner_password),
            app_url: url(APP_ROLE, &secrets.pg_app_password),
            bins,
            pgdata: pg_dir.join("data"),
            socket_dir,
            run_as,
            started_here: false,
        }
    }

    /// Creates (first run) or reuses the cluster under `data_dir`, starts it if needed,
    /// and ensures the database and roles exist. Migrations are the caller's next step.
    pub async fn start(data_dir: &Path, secrets: &Secrets) -> anyhow::Result<Self> {
        let bins = PgBinaries::locate()?;
        let run_as = os_user::postgres_if_root()?;
        if let Some(user) = &run_as {
            os_user::check_traversable(data_dir, user)?;
        }
        let mut pg = Self::layout(data_dir, secrets, bins, run_as);
        pg.prepare_dirs(data_dir)?;
        if !pg.pgdata.join("PG_VERSION").exists() {
            pg.initdb(secrets).await?;
        }
        if pg.is_running().await {
            tracing::info!(pgdata = %pg.pgdata.display(), "reusing the running embedded PostgreSQL");
        } else {
            pg.pg_ctl_start().await?;
            pg.started_here = true;
        }
        pg.ensure_database_and_role(secrets).await?;
        Ok(pg)
    }

    /// Attaches to the cluster another process (the server) runs for `data_dir`; fails
    /// with a clear message when none runs. The attached cluster is never stopped by us.
    pub async fn attach(data_dir: &Path, secrets: &Secrets) -> anyhow::Result<Self> {
        let bins = PgBinaries::locate()?;
        let pg = Self::layout(data_dir, secrets, bins, os_user::postgres_if_root()?);
        if pg.socket_dir.exists() {
            pg.check_socket_dir()?;
        }
        if !pg.is_running().await {
            bail!(
                "no embedded PostgreSQL is running in {}: start `omnicrm-server` first (or set DATABASE_URL)",
                data_dir.display()
            );
        }
        Ok(pg)
    }

    fn prepare_dirs(&self, data_dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create {}", data_dir.display()))?;
        // 0711: the postgres user may pass through to pg/, but list nothing.
        std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o711))?;
        let pg_dir = self.pgdata.parent().unwrap_or(data_dir);
        std::fs::create_dir_all(pg_dir)
            .with_context(|| format!("cannot create {}", pg_dir.display()))?;
        // Not create_dir_all for the socket directory: under /tmp (the fallback for deep
        // data directories) someone else may have made it, or a symlink in its place.
        match std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&self.socket_dir)
        {
            Err(err) if err.kind() != std::io::ErrorKind::AlreadyExists => {
                return Err(err)
                    .with_context(|| format!("cannot create {}", self.socket_dir.display()));
            }
            _ => {}
        }
        self.check_socket_dir()?;
        for dir in [pg_dir, &self.socket_dir] {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            if let Some(user) = &self.run_as {
                std::os::unix::fs::chown(dir, Some(user.uid), Some(user.gid)).with_context(
                    || format!("cannot hand {} to the postgres user", dir.display()),
                )?;
            }
        }
        Ok(())
    }

    /// The socket directory must be a real directory (not a symlink) of this process's
    /// user or of the user PostgreSQL runs as, open to nobody else: a client would hand its
    /// password to whatever listens there.
    fn check_socket_dir(&self) -> anyhow::Result<()> {
        check_private_dir(
            &self.socket_dir,
            &[
                Some(os_user::current_uid()),
                self.run_as.as_ref().map(|u| u.uid),
            ],
        )
    }

    async fn initdb(&self, secrets: &Secrets) -> anyhow::Result<()> {
        tracing::info!(pgdata = %self.pgdata.display(), "creating the embedded PostgreSQL cluster (first run)");
        let pwfile = self.pgdata.with_file_name("initdb-password");
        std::fs::write(&pwfile, format!("{}\n", secrets.pg_owner_password))?;
        std::fs::set_permissions(&pwfile, std::fs::Permissions::from_mode(0o600))?;
        if let Some(user) = &self.run_as {
            std::os::unix::fs::chown(&pwfile, Some(user.uid), Some(user.gid))?;
        }
        let result = self
            .run(
                self.bins.initdb(),
                &[
                    "-D".as_ref(),
                    self.pgdata.as_os_str(),
                    "-U".as_ref(),
                    OWNER_ROLE.as_ref(),
                    "--auth=scram-sha-256".as_ref(),
                    "--pwfile".as_ref(),
                    pwfile.as_os_str(),
                    "--encoding=UTF8".as_ref(),
                    "--locale=C".as_ref(),
                ],
            )
            .await;
        let _ = std::fs::remove_file(&pwfile);
        result.context("initdb failed")
    }

    async fn is_running(&self) -> bool {
        self.pgdata.join("PG_VERSION").exists()
            && self
                .run(
                    self.bins.pg_ctl(),
                    &["status".as_ref(), "-D".as_ref(), self.pgdata.as_os_str()],
                )
                .await
                .is_ok()
            && self.socket_dir.join(format!(".s.PGSQL.{PORT}")).exists()
    }

    async fn pg_ctl_start(&self) -> anyhow::Result<()> {
        let log = self.pgdata.with_file_name("postgres.log");
        let options = format!(
            "-c listen_addresses='' -k {} -p {PORT}",
            self.socket_dir.display()
        );
        self.run(
            self.bins.pg_ctl(),
            &[
                "start".as_ref(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "-D".as_ref(),
                self.pgdata.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-o".as_ref(),
                options.as_ref(),
            ],
        )
        .await
        .with_context(|| format!("PostgreSQL did not start; see {}", log.display()))
    }

    /// Stops the cluster (`pg_ctl stop -m fast`) if this process started it; a cluster
    /// that was already running (another server on the same data dir) keeps running.
    pub async fn stop(&self) -> anyhow::Result<()> {
        if !self.started_here {
            tracing::info!(
                "leaving the embedded PostgreSQL running: this process did not start it"
            );
            return Ok(());
        }
        self.run(
            self.bins.pg_ctl(),
            &[
                "stop".as_ref(),
                "-m".as_ref(),
                "fast".as_ref(),
                "-w".as_ref(),
                "-D".as_ref(),
                self.pgdata.as_os_str(),
            ],
        )
        .await
        .context("pg_ctl stop failed")
    }

    async fn ensure_database_and_role(&self, secrets: &Secrets) -> anyhow::Result<()> {
        let admin_url = self
            .owner_url
            .replace(&format!("dbname={DATABASE}"), "dbname=postgres");
        let (client, connection) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls)
            .await
            .context("cannot connect to the embedded PostgreSQL as its owner")?;
        let driver = tokio::spawn(connection);
        let role_exists = !client
            .query("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&APP_ROLE])
            .await?
            .is_empty();
        let password = secrets.pg_app_password.replace('\'', "''");
        let statement = if role_exists { "ALTER" } else { "CREATE" };
        client
            .batch_execute(&format!("{statement} ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '{password}'"))
            .await?;
        if client
            .query("SELECT 1 FROM pg_database WHERE datname = $1", &[&DATABASE])
            .await?
            .is_empty()
        {
            client
                .batch_execute(&format!("CREATE DATABASE {DATABASE} OWNER {OWNER_ROLE}"))
                .await?;
        }
        drop(client);
        driver.abort();
        Ok(())
    }

    /// Lets the app role use what the migrations granted to the group role.
    pub async fn grant_app_role(&self) -> anyhow::Result<()> {
        let (client, connection) =
            tokio_postgres::connect(&self.owner_url, tokio_postgres::NoTls).await?;
        let driver = tokio::spawn(connection);
        client
            .batch_execute(&format!("GRANT omnicrm_app_group TO {APP_ROLE}"))
            .await?;
        drop(client);
        driver.abort();
        Ok(())
    }

    async fn run(&self, program: PathBuf, args: &[&std::ffi::OsStr]) -> anyhow::Result<()> {
        let mut command = Command::new(&program);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Own process group: a Ctrl-C in the terminal reaches the server, which then stops
        // the cluster itself, instead of killing PostgreSQL mid-flight.
        command.process_group(0);
        if let Some(user) = &self.run_as {
            command
                .uid(user.uid)
                .gid(user.gid)
                .env("HOME", &user.home)
                .current_dir("/");
        }
        let output = command
            .output()
            .await
            .with_context(|| format!("cannot run {}", program.display()))?;
        if !output.status.success() {
            bail!(
                "{} exited with {}: {}",
                program.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    }
}

/// Fails unless `dir` is a directory (not a symlink) owned by one of `owners`, with no
/// group or world permissions.
fn check_private_dir(dir: &Path, owners: &[Option<u32>]) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(dir)
        .with_context(|| format!("cannot inspect {}", dir.display()))?;
    if !meta.file_type().is_dir() || !owners.contains(&Some(meta.uid())) || meta.mode() & 0o077 != 0
    {
        bail!(
            "{} is not a private directory of this user (a symlink, someone else's, or open \
             to others): remove it, or use a shorter OMNICRM_DATA_DIR so that the socket \
             fits under it",
            dir.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// The socket directory's fallback under /tmp is predictable: what is found there is
    /// used only if it is this user's private directory.
    #[test]
    fn only_a_private_directory_of_ours_holds_the_socket() {
        let scratch = tempfile::tempdir().unwrap();
        let me = [Some(os_user::current_uid())];
        let dir = scratch.path().join("sockets");
        std::fs::DirBuilder::new().mode(0o700).create(&dir).unwrap();
        check_private_dir(&dir, &me).unwrap();

        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(check_private_dir(&dir, &me).is_err());

        let link = scratch.path().join("link");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        assert!(check_private_dir(&link, &me).is_err());

        assert!(check_private_dir(&dir, &[Some(os_user::current_uid() + 1)]).is_err());
    }
}
