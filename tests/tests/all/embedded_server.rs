//! The quick start as a user runs it: `omnicrm-server` with no DATABASE_URL creates an
//! embedded cluster, serves, mints tokens, stops the cluster on SIGTERM, and reuses it.

use std::time::Duration;

use omnicrm_e2e::{
    free_port, scratch_dir, server_binary, start_embedded, terminate, wait_until_ok,
};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_quick_start_serves_persists_and_shuts_down_cleanly() {
    let scratch = scratch_dir().unwrap();
    let data_dir = scratch.join("data");
    let port = free_port().unwrap();
    let base = format!("http://127.0.0.1:{port}");

    let mut server = start_embedded(&data_dir, port).unwrap();
    wait_until_ok(
        &format!("{base}/api/v1/health/ready"),
        Duration::from_secs(90),
    )
    .await
    .unwrap();

    let user = uuid::Uuid::now_v7();
    let output = tokio::process::Command::new(server_binary().unwrap())
        .args(["token", "--user", &user.to_string(), "--ttl", "10m"])
        .env_remove("DATABASE_URL")
        .env("OMNICRM_DATA_DIR", &data_dir)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout.lines().count(),
        1,
        "stdout must be exactly the token: {stdout:?}"
    );
    let token = stdout.trim().to_owned();

    let http = reqwest::Client::new();
    let res = http
        .post(format!("{base}/api/v1/contacts"))
        .bearer_auth(&token)
        .json(&json!({"displayName": "Persisted Person"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    // `migrate` beside a running server must leave the server's database running.
    let migrate = tokio::process::Command::new(server_binary().unwrap())
        .arg("migrate")
        .env_remove("DATABASE_URL")
        .env("OMNICRM_DATA_DIR", &data_dir)
        .output()
        .await
        .unwrap();
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    let res = http
        .get(format!("{base}/api/v1/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "migrate stopped the running server's database"
    );

    let status = terminate(&mut server, Duration::from_secs(20))
        .await
        .unwrap();
    assert!(status.success(), "server exited with {status}");
    assert!(
        !data_dir.join("pg/data/postmaster.pid").exists(),
        "the embedded cluster was left running"
    );

    // Second run: reuses the cluster and the generated secrets; the data is still there.
    let mut server = start_embedded(&data_dir, port).unwrap();
    wait_until_ok(
        &format!("{base}/api/v1/health/ready"),
        Duration::from_secs(60),
    )
    .await
    .unwrap();
    let list: Value = http
        .get(format!("{base}/api/v1/contacts"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["displayName"], "Persisted Person");
    let status = terminate(&mut server, Duration::from_secs(20))
        .await
        .unwrap();
    assert!(status.success());
    assert!(!data_dir.join("pg/data/postmaster.pid").exists());
    let _ = std::fs::remove_dir_all(&scratch);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_configuration_is_reported_in_one_message_per_problem() {
    let output = tokio::process::Command::new(server_binary().unwrap())
        .env("DATABASE_URL", "postgres://app@127.0.0.1:1/omnicrm")
        .env("OMNICRM_BIND", "not-an-address")
        .env("OMNICRM_DB_TIMEOUT", "whenever")
        .env_remove("OMNICRM_JWT_SECRET")
        .env_remove("OMNICRM_ENCRYPTION_KEYS")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for key in [
        "OMNICRM_BIND",
        "OMNICRM_DB_TIMEOUT",
        "OMNICRM_JWT_SECRET",
        "OMNICRM_ENCRYPTION_KEYS",
    ] {
        assert_eq!(stderr.matches(key).count(), 1, "{key} in {stderr}");
    }
}
