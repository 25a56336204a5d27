//! Times a whole Google sync (issue 14, docs/benchmarks.md): a fake Google
//! (`omnicrm_testkit::FakeGoogle`, the wire format the production clients read) holds
//! `--messages` Gmail messages and `--events` Calendar events; one user is connected to
//! both with sealed tokens; the real `omnicrm-worker` binary runs the two `google.sync`
//! jobs and the `google.normalise` jobs they enqueue, until every raw event is normalised
//! and no `google.*` job is left (the insight refreshes the writes queue run 3 minutes
//! later by design; their count is reported).
//! Reports messages per second end to end (worker start to the last normalised raw
//! event) and the worker's peak RSS (`VmHWM`). Run by `scripts/bench-sync`, never in CI.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine;
use clap::Parser;
use omnicrm_domain::google::GoogleService;
use omnicrm_integrations::{SealedFor, TokenVault};
use omnicrm_jobs::Job;
use omnicrm_services::google::sync::SyncTrigger;
use omnicrm_services::job_kinds::GoogleSync;
use omnicrm_testkit::{FakeGoogle, FakeMail};
use serde_json::json;

#[derive(Parser, Debug, Clone)]
struct Args {
    /// Owner URL (seeding, progress).
    #[arg(long)]
    owner_url: String,
    /// App-role URL (the worker's `DATABASE_URL`).
    #[arg(long)]
    app_url: String,
    /// The `omnicrm-worker` binary.
    #[arg(long)]
    worker_bin: PathBuf,
    /// Gmail messages in the fake mailbox.
    #[arg(long, default_value_t = 10_000)]
    messages: usize,
    /// Calendar events in the fake calendar.
    #[arg(long, default_value_t = 2_000)]
    events: usize,
    /// Contacts of the user (half of the correspondents are contacts).
    #[arg(long, default_value_t = 500)]
    contacts: usize,
    /// Gives up after this long.
    #[arg(long, default_value = "30min", value_parser = humantime::parse_duration)]
    timeout: Duration,
}

const KEY_ID: &str = "bench";
const MASTER: [u8; 32] = [11; 32];

fn seed_google(google: &FakeGoogle, a: &Args) {
    let correspondents = (a.contacts * 2).max(1);
    for i in 0..a.messages {
        let who = i % correspondents;
        let mut mail = FakeMail::inbox(
            &format!("Client {who} <c{who}@clients.example>"),
            &format!("Session notes {i}"),
            i64::try_from(i % 300).unwrap_or(0),
        );
        mail.text = format!("Hello,\r\nnotes for session {i}: sleep, stress, goals.\r\n");
        google.add_message(&mail);
    }
    let now = time::OffsetDateTime::now_utc();
    for i in 0..a.events {
        let who = i % correspondents;
        let offset = i64::try_from(i % 400).unwrap_or(0) - 150;
        let start = now + time::Duration::days(offset);
        let end = start + time::Duration::hours(1);
        let fmt = |t: time::OffsetDateTime| {
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        google.add_event(json!({
            "id": format!("bench{i:06}"),
            "summary": format!("Session {i}"),
            "start": {"dateTime": fmt(start), "timeZone": "UTC"},
            "end": {"dateTime": fmt(end), "timeZone": "UTC"},
            "attendees": [
                {"email": "practitioner@example.com", "self": true, "responseStatus": "accepted"},
                {"email": format!("c{who}@clients.example"), "responseStatus": "accepted"}
            ]
        }));
    }
}

async fn seed_db(
    owner: &tokio_postgres::Client,
    google: &FakeGoogle,
    user: uuid::Uuid,
    a: &Args,
) -> anyhow::Result<()> {
    let vault = TokenVault::new(&[(KEY_ID.to_owned(), MASTER.to_vec())]);
    owner
        .batch_execute(&format!(
            "INSERT INTO tenants (user_id) VALUES ('{user}');
             INSERT INTO contacts (user_id, id, display_name, primary_email)
               SELECT '{user}', gen_random_uuid(), 'Client ' || i, 'c' || i || '@clients.example'
               FROM generate_series(0, {last}) AS i;",
            last = a.contacts.saturating_sub(1)
        ))
        .await
        .context("seeding contacts")?;
    for service in [GoogleService::Gmail, GoogleService::Calendar] {
        let (access, refresh) = google.issue_grant(&service.scopes().join(" "));
        let sealed = |column, secret: &str| {
            vault
                .seal(
                    SealedFor {
                        user,
                        provider: "google",
                        service: service.as_str(),
                        column,
                    },
                    secret,
                )
                .map_err(|e| anyhow::anyhow!("{e}"))
        };
        let config = json!({"email": "practitioner@example.com", "scopes": service.scopes()});
        owner
            .execute(
                "INSERT INTO user_integrations (user_id, provider, service, access_token, refresh_token, expiry_date, config)
                 VALUES ($1, 'google', $2, $3, $4, now() + interval '1 hour', $5)",
                &[
                    &user,
                    &service.as_str(),
                    &sealed("access_token", &access)?,
                    &sealed("refresh_token", &refresh)?,
                    &config,
                ],
            )
            .await
            .context("seeding the integration")?;
        let job = GoogleSync {
            user_id: user,
            service,
            trigger: SyncTrigger::Manual,
        };
        let (concurrency_key, limit) = job.concurrency().unwrap_or_default();
        owner
            .execute(
                "INSERT INTO job_queue (id, kind, queue, user_id, payload, concurrency_key, concurrency_limit)
                 VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6)",
                &[
                    &GoogleSync::KIND,
                    &GoogleSync::QUEUE,
                    &user,
                    &serde_json::to_value(&job)?,
                    &concurrency_key,
                    &limit,
                ],
            )
            .await
            .context("enqueueing the sync")?;
    }
    owner.batch_execute("ANALYZE; CHECKPOINT").await?;
    Ok(())
}

/// The round's JSON line, on stdout for the script to collect.
#[allow(clippy::print_stdout)]
fn report(line: &str) {
    println!("{line}");
}

/// `VmHWM` (peak resident set) of a process, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (owner, conn) = tokio_postgres::connect(&args.owner_url, tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    let google = FakeGoogle::start().await;
    let started = Instant::now();
    seed_google(&google, &args);
    let user = uuid::Uuid::now_v7();
    seed_db(&owner, &google, user, &args).await?;
    if std::env::var_os("BENCH_NO_INSIGHT_TRIGGERS").is_some() {
        // Diagnosis only: the writes' cost without the insight triggers (ADR 0042).
        owner
            .batch_execute(
                "DO $$ DECLARE t text; BEGIN
                   FOREACH t IN ARRAY ARRAY['contacts', 'notes', 'interactions', 'client_consents',
                                            'contact_identities', 'task_contacts'] LOOP
                     EXECUTE format('ALTER TABLE %I DISABLE TRIGGER insights_follow_insert', t);
                     EXECUTE format('ALTER TABLE %I DISABLE TRIGGER insights_follow_update', t);
                     EXECUTE format('ALTER TABLE %I DISABLE TRIGGER insights_follow_delete', t);
                   END LOOP; END $$;",
            )
            .await?;
    }
    let seeded = started.elapsed();

    let data_dir = std::env::temp_dir().join(format!("omnicrm-sync-bench-{user}"));
    std::fs::create_dir_all(&data_dir)?;
    let keys = format!(
        "{KEY_ID}:{}",
        base64::engine::general_purpose::STANDARD.encode(MASTER)
    );
    let started = Instant::now();
    let mut worker = tokio::process::Command::new(&args.worker_bin)
        .env("DATABASE_URL", &args.app_url)
        .env("OMNICRM_DATA_DIR", &data_dir)
        .env("OMNICRM_ENCRYPTION_KEYS", &keys)
        .env("OMNICRM_GOOGLE_CLIENT_ID", omnicrm_testkit::FAKE_CLIENT_ID)
        .env(
            "OMNICRM_GOOGLE_CLIENT_SECRET",
            omnicrm_testkit::FAKE_CLIENT_SECRET,
        )
        .env("OMNICRM_GOOGLE_OAUTH_BASE", &google.base_url)
        .env("OMNICRM_GOOGLE_API_BASE", &google.base_url)
        // `BENCH_WORKER_LOG=info` shows each job's timing when a round is slower than expected.
        .env(
            "OMNICRM_LOG",
            std::env::var("BENCH_WORKER_LOG").unwrap_or_else(|_| "warn".to_owned()),
        )
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("starting the worker")?;
    let pid = worker.id().context("worker pid")?;
    let expected = i64::try_from(args.messages + args.events)?;
    let mut peak = 0;
    let outcome = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        peak = peak.max(peak_rss_kib(pid).unwrap_or(0));
        if let Ok(Some(status)) = worker.try_wait() {
            bail!("the worker exited early: {status}");
        }
        // The poll runs on the measured cores: count the mailbox only once no sync job is
        // left. The insight refreshes the sync's writes queue (ADR 0042) wait 3 minutes by
        // design and are not part of the sync.
        let jobs: i64 = owner
            .query_one(
                "SELECT count(*) FROM job_queue WHERE user_id = $1 AND kind LIKE 'google.%'",
                &[&user],
            )
            .await?
            .get(0);
        if jobs == 0 {
            let row = owner
                .query_one(
                    "SELECT (SELECT count(*) FROM raw_events WHERE user_id = $1),
                            (SELECT count(*) FROM raw_events WHERE user_id = $1
                               AND processing_status = 'pending')",
                    &[&user],
                )
                .await?;
            let (stored, pending): (i64, i64) = (row.get(0), row.get(1));
            if stored >= expected && pending == 0 {
                break Ok(started.elapsed());
            }
        }
        if started.elapsed() > args.timeout {
            break Err(anyhow::anyhow!(
                "timed out with {jobs} jobs left (expected {expected} raw events)"
            ));
        }
    };
    peak = peak.max(peak_rss_kib(pid).unwrap_or(0));
    // Let the worker's refresh dispatcher (every 5 s) see the last chunk's marks.
    tokio::time::sleep(Duration::from_secs(6)).await;
    worker.start_kill().ok();
    worker.wait().await.ok();
    std::fs::remove_dir_all(&data_dir).ok();
    let elapsed = outcome?;
    let counts = owner
        .query_one(
            "SELECT count(*) FILTER (WHERE type = 'email'),
                    count(*) FILTER (WHERE type = 'calendar_event'),
                    count(*) FILTER (WHERE contact_id IS NOT NULL)
             FROM interactions WHERE user_id = $1",
            &[&user],
        )
        .await?;
    // The automatic insight refreshes the sync queued (one per contact it touched) and
    // the marks not yet turned into jobs.
    let refreshes = owner
        .query_one(
            "SELECT (SELECT count(*) FROM job_queue
                     WHERE user_id = $1 AND kind = 'insights.contact'),
                    (SELECT count(*) FROM insights_pending WHERE user_id = $1)",
            &[&user],
        )
        .await?;
    let runs: Vec<serde_json::Value> = owner
        .query(
            "SELECT jsonb_build_object('service', service, 'status', status, 'listed', listed,
                    'fetched', fetched, 'imported', imported, 'skipped', skipped, 'failed', failed)
             FROM google_sync_runs WHERE user_id = $1 ORDER BY service",
            &[&user],
        )
        .await?
        .into_iter()
        .map(|r| r.get(0))
        .collect();
    let secs = elapsed.as_secs_f64();
    report(
        &json!({
            "messages": args.messages,
            "events": args.events,
            "contacts": args.contacts,
            "seedMs": seeded.as_millis(),
            "elapsedMs": elapsed.as_millis(),
            "messagesPerSecond": (args.messages as f64 / secs).round(),
            "itemsPerSecond": ((args.messages + args.events) as f64 / secs).round(),
            "workerPeakRssKiB": peak,
            "emails": counts.get::<_, i64>(0),
            "meetings": counts.get::<_, i64>(1),
            "linked": counts.get::<_, i64>(2),
            "runs": runs,
            "insightRefreshesQueued": refreshes.get::<_, i64>(0),
            "insightMarksLeft": refreshes.get::<_, i64>(1),
        })
        .to_string(),
    );
    google.stop().await;
    Ok(())
}
