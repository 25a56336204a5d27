//! Postgres over TLS: a throwaway cluster with `ssl=on`, a certificate from a CA made here,
//! and `hostssl`-only TCP access. The production pool and the migrations' connection speak
//! TLS for `sslmode=prefer|require|verify-ca|verify-full`, verify what each mode promises
//! (libpq's semantics), and fail with an error — never a panic or a plaintext fallback —
//! when the certificate does not check out.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use diesel::QueryableByName;
use diesel_async::RunQueryDsl as _;
use omnicrm_repo::{DbSettings, build_pool};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

fn pg_bin(name: &str) -> PathBuf {
    std::env::var("OMNICRM_TEST_PG_BIN")
        .map(|dir| PathBuf::from(dir).join(name))
        .unwrap_or_else(|_| PathBuf::from(name))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs a server binary as the `postgres` OS user when we are root (initdb refuses root).
fn as_pg(program: &Path, args: &[&str]) {
    let status = if is_root() {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(program)
            .args(args)
            .status()
    } else {
        Command::new(program).args(args).status()
    }
    .expect("cannot run a PostgreSQL binary (set OMNICRM_TEST_PG_BIN)");
    assert!(status.success(), "{} failed", program.display());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn new_ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// A running cluster; stopped and removed on drop.
struct TlsCluster {
    dir: tempfile::TempDir,
    port: u16,
}

impl TlsCluster {
    /// The server certificate names only `localhost` (not 127.0.0.1), so verify-full can
    /// be seen to check the host name while verify-ca does not.
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let ca = new_ca("omnicrm test CA");
        let other_ca = new_ca("some other CA");
        let server_key = KeyPair::generate().unwrap();
        let mut server_params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        server_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let server_cert = server_params.signed_by(&server_key, &ca).unwrap();
        std::fs::write(root.join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(root.join("other-ca.pem"), other_ca.pem()).unwrap();
        std::fs::write(root.join("server.crt"), server_cert.pem()).unwrap();
        std::fs::write(root.join("server.key"), server_key.serialize_pem()).unwrap();

        let run = |cmd: &str, args: &[&str]| {
            assert!(Command::new(cmd).args(args).status().unwrap().success());
        };
        run("chmod", &["755", root.to_str().unwrap()]);
        run("chmod", &["600", root.join("server.key").to_str().unwrap()]);
        if is_root() {
            run("chown", &["-R", "postgres", root.to_str().unwrap()]);
        }
        let data = root.join("data");
        as_pg(
            &pg_bin("initdb"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        );
        // TCP only over TLS: a plaintext TCP connection finds no pg_hba entry.
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\n",
        )
        .unwrap();
        let port = free_port();
        let options = format!(
            "-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c ssl=on \
             -c ssl_cert_file={dir}/server.crt -c ssl_key_file={dir}/server.key",
            sock = root.display(),
            dir = root.display(),
        );
        as_pg(
            &pg_bin("pg_ctl"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                root.join("server.log").to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "-o",
                &options,
                "start",
            ],
        );
        Self { dir, port }
    }

    fn file(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// `postgres://postgres@{host}:{port}/postgres?{query}`, always dialling 127.0.0.1.
    fn url(&self, host: &str, query: &str) -> String {
        format!(
            "postgres://postgres@{host}:{port}/postgres?hostaddr=127.0.0.1&{query}",
            port = self.port
        )
    }
}

impl Drop for TlsCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = std::panic::catch_unwind(|| {
            as_pg(
                &pg_bin("pg_ctl"),
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
            );
        });
    }
}

#[derive(QueryableByName)]
struct Ssl {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    ssl: bool,
}

/// Whether the pooled session behind `url` is encrypted, or the checkout's error text.
async fn session_is_encrypted(url: &str) -> Result<bool, String> {
    let mut settings = DbSettings::new(url);
    settings.pool_size = 1;
    settings.connect_timeout = Duration::from_secs(10);
    let pool = build_pool(&settings).map_err(|e| e.to_string())?;
    let mut conn = pool.get().await.map_err(|e| format!("{e:?}"))?;
    let row: Ssl = diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .get_result(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    Ok(row.ssl)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sslmode_encrypts_and_verifies_what_it_promises() {
    let cluster = TlsCluster::start();
    let ca = cluster.file("ca.pem");
    let other_ca = cluster.file("other-ca.pem");

    // Encryption without verification (libpq's require), and the default (prefer).
    assert_eq!(
        session_is_encrypted(&cluster.url("127.0.0.1", "sslmode=require")).await,
        Ok(true)
    );
    assert_eq!(
        session_is_encrypted(&cluster.url("127.0.0.1", "application_name=x")).await,
        Ok(true)
    );
    // verify-ca: the chain must lead to sslrootcert; the host name is not checked.
    assert_eq!(
        session_is_encrypted(
            &cluster.url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={ca}"))
        )
        .await,
        Ok(true)
    );
    // verify-full: chain and host name.
    assert_eq!(
        session_is_encrypted(&cluster.url(
            "localhost",
            &format!("sslmode=verify-full&sslrootcert={ca}")
        ))
        .await,
        Ok(true)
    );
    // The key=value form says the same.
    let kv = format!(
        "host=localhost hostaddr=127.0.0.1 port={} user=postgres dbname=postgres \
         sslmode=verify-full sslrootcert='{ca}'",
        cluster.port
    );
    assert_eq!(session_is_encrypted(&kv).await, Ok(true));

    // The certificate is not for 127.0.0.1: verify-full refuses.
    let wrong_name = session_is_encrypted(&cluster.url(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await;
    assert!(
        wrong_name
            .as_ref()
            .is_err_and(|e| e.contains("certificate")),
        "{wrong_name:?}"
    );
    // A CA that did not sign the server's certificate: verify-ca and verify-full refuse,
    // and so does require, which verifies the chain once sslrootcert is given (libpq).
    for mode in ["verify-ca", "verify-full", "require"] {
        let untrusted = session_is_encrypted(&cluster.url(
            "localhost",
            &format!("sslmode={mode}&sslrootcert={other_ca}"),
        ))
        .await;
        assert!(
            untrusted.as_ref().is_err_and(|e| e.contains("certificate")),
            "{mode}: {untrusted:?}"
        );
    }
    // verify-* without a root certificate is a configuration error, not "trust anything".
    let no_root = session_is_encrypted(&cluster.url("localhost", "sslmode=verify-full")).await;
    assert!(
        no_root.as_ref().is_err_and(|e| e.contains("sslrootcert")),
        "{no_root:?}"
    );
    // A hostssl-only server refuses plaintext.
    let plain = session_is_encrypted(&cluster.url("127.0.0.1", "sslmode=disable")).await;
    assert!(plain.is_err(), "{plain:?}");

    // The migrations' own connection speaks TLS too.
    let pending = omnicrm_repo::migrations::pending_count(&cluster.url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await;
    assert!(
        pending.as_ref().is_ok_and(|n| *n > 0),
        "{:?}",
        pending.map_err(|e| e.to_string())
    );
}
