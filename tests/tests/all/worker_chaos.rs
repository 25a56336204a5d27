//! Chaos with the real binaries: `kill -9` the worker mid-batch, again and again. Every job
//! still completes, none is lost, and none has two recorded completions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use omnicrm_e2e::{
    embedded_owner, free_port, scratch_dir, terminate, wait_until_ok, worker_binary,
};
use tokio::process::{Child, Command};

const JOBS: i64 = 300;

fn start_worker(data_dir: &std::path::Path) -> Child {
    start_worker_with(data_dir, None)
}

fn start_worker_with(data_dir: &std::path::Path, admin_port: Option<u16>) -> Child {
    let mut command = Command::new(worker_binary().unwrap());
    if let Some(port) = admin_port {
        command.env("OMNICRM_WORKER_ADMIN_BIND", format!("127.0.0.1:{port}"));
    }
    command
        .env_remove("DATABASE_URL")
        .env("OMNICRM_DATA_DIR", data_dir)
        .env("OMNICRM_JOB_LEASE", "2s")
        .env("OMNICRM_JOB_POLL", "200ms")
        .env("OMNICRM_WORKER_CONCURRENCY", "default=8")
        .env("OMNICRM_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_worker_mid_batch_loses_no_job_and_completes_none_twice() {
    let scratch = scratch_dir().unwrap();
    let data_dir = scratch.join("data");
    let port = free_port().unwrap();
    // The server provides the embedded database; its in-process runner is off so only
    // the worker we kill runs jobs.
    let mut server = Command::new(omnicrm_e2e::server_binary().unwrap())
        .env_remove("DATABASE_URL")
        .env("OMNICRM_DATA_DIR", &data_dir)
        .env("OMNICRM_BIND", format!("127.0.0.1:{port}"))
        .env("OMNICRM_SERVER_RUNS_JOBS", "false")
        .env("OMNICRM_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    wait_until_ok(
        &format!("http://127.0.0.1:{port}/api/v1/health/ready"),
        Duration::from_secs(90),
    )
    .await
    .unwrap();

    let db = embedded_owner(&data_dir).await.unwrap();
    db.batch_execute(&format!(
        "INSERT INTO job_queue (id, kind, queue, payload) \
         SELECT gen_random_uuid(), 'diagnostics.echo', 'default', jsonb_build_object('ms', 150, 'message', n) \
         FROM generate_series(1, {JOBS}) AS n"
    ))
    .await
    .unwrap();

    for round in 0..4 {
        let mut worker = start_worker(&data_dir);
        tokio::time::sleep(Duration::from_millis(1200)).await;
        worker.start_kill().unwrap();
        let status = worker.wait().await.unwrap();
        assert!(
            !status.success(),
            "round {round}: the worker should have died by SIGKILL"
        );
    }
    let killed_with_leases: i64 = db
        .query_one(
            "SELECT count(*) FROM job_queue WHERE state = 'running'",
            &[],
        )
        .await
        .unwrap()
        .get(0);

    let admin_port = free_port().unwrap();
    let mut worker = start_worker_with(&data_dir, Some(admin_port));
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let left: i64 = db
            .query_one("SELECT count(*) FROM job_queue", &[])
            .await
            .unwrap()
            .get(0);
        if left == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{left} jobs never finished");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The surviving worker's admin port reports health and what it did.
    let admin = format!("http://127.0.0.1:{admin_port}");
    wait_until_ok(&format!("{admin}/health"), Duration::from_secs(5))
        .await
        .unwrap();
    let metrics = reqwest::get(format!("{admin}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let succeeded: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("omnicrm_jobs_succeeded_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    assert!(succeeded > 0, "metrics: {metrics}");
    let status = terminate(&mut worker, Duration::from_secs(20))
        .await
        .unwrap();
    assert!(status.success(), "graceful worker exit: {status}");

    let row = db
        .query_one(
            "SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE state = 'succeeded'), \
                    count(*) FILTER (WHERE errors::text LIKE '%lease expired%') FROM job_history",
            &[],
        )
        .await
        .unwrap();
    let (total, distinct, succeeded, rescued): (i64, i64, i64, i64) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    assert_eq!(distinct, JOBS, "every job finished");
    assert_eq!(total, JOBS, "no job has two recorded completions");
    assert_eq!(succeeded, JOBS);
    assert!(
        killed_with_leases > 0 || rescued > 0,
        "the kills never hit a running job; the test proves nothing"
    );
    assert!(
        rescued > 0,
        "jobs held by killed workers were rescued by the reaper"
    );

    terminate(&mut server, Duration::from_secs(20))
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&scratch);
}
