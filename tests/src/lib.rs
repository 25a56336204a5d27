//! Helpers for black-box tests that start the real `omnicrm-server` binary.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

/// The server binary built by `scripts/test` (`cargo build --workspace --bins`), found
/// next to this test executable's `deps/` directory.
pub fn server_binary() -> anyhow::Result<PathBuf> {
    binary("omnicrm-server")
}

/// The worker binary, found like [`server_binary`].
pub fn worker_binary() -> anyhow::Result<PathBuf> {
    binary("omnicrm-worker")
}

fn binary(name: &str) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let target = exe
        .parent()
        .and_then(|deps| deps.parent())
        .context("unexpected test executable location")?;
    let bin = target.join(name);
    if !bin.is_file() {
        bail!(
            "{} not found: build the binaries first (scripts/test does)",
            bin.display()
        );
    }
    Ok(bin)
}

/// A connection to the embedded cluster of `data_dir` as its owner (superuser).
pub async fn embedded_owner(data_dir: &std::path::Path) -> anyhow::Result<tokio_postgres::Client> {
    let password = std::fs::read_to_string(data_dir.join("secrets/pg_owner_password"))?;
    let url = format!(
        "host={} port=5432 user=omnicrm_owner password={} dbname=omnicrm",
        data_dir.join("pg/run").display(),
        password.trim()
    );
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// A fresh directory under /tmp the `postgres` user can traverse (mode 0755).
pub fn scratch_dir() -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("omnicrm-e2e-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir)?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
    Ok(dir)
}

/// A free local TCP port.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Starts `omnicrm-server` on the embedded database of `data_dir`.
pub fn start_embedded(data_dir: &std::path::Path, port: u16) -> anyhow::Result<Child> {
    Command::new(server_binary()?)
        .env_remove("DATABASE_URL")
        .env("OMNICRM_DATA_DIR", data_dir)
        .env("OMNICRM_BIND", format!("127.0.0.1:{port}"))
        .env("OMNICRM_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start omnicrm-server")
}

/// Polls `url` until it answers 200 or `timeout` passes.
pub async fn wait_until_ok(url: &str, timeout: Duration) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let client = reqwest::Client::new();
    loop {
        if let Ok(res) = client.get(url).send().await
            && res.status().is_success()
        {
            return Ok(started.elapsed());
        }
        if started.elapsed() > timeout {
            bail!("{url} did not become ready within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends SIGTERM to `child` and waits for it to exit.
pub async fn terminate(
    child: &mut Child,
    timeout: Duration,
) -> anyhow::Result<std::process::ExitStatus> {
    let pid = child.id().context("process already gone")?;
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .await?;
    if !status.success() {
        bail!("kill -TERM {pid} failed");
    }
    tokio::time::timeout(timeout, child.wait())
        .await
        .context("server did not exit after SIGTERM")?
        .map_err(Into::into)
}
