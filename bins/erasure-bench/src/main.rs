//! Times the erasure of one large account (issue 16): seeds a tenant set-based (contacts,
//! notes, interactions, tasks, stored files of a given total size) next to other tenants,
//! then runs the production `UserDataService::erase` over the app role and reports the
//! time of each part: the request (`eraseMs`: for a large account, the time until it is
//! hidden) and the job's batched deletion (`jobMs`: the time until it is gone after that). Run by `scripts/bench-erasure`, never in CI.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use omnicrm_domain::UserId;
use omnicrm_integrations::{LocalStore, UrlSigner};
use omnicrm_repo::{Db, DbSettings, build_pool};
use omnicrm_services::user_data::{ErasureOutcome, finish_erasure};
use omnicrm_services::{Adapters, UserDataService};

#[derive(Parser, Debug, Clone)]
struct Args {
    /// Owner URL (seeding).
    #[arg(long)]
    owner_url: String,
    /// App-role URL (the erasure, as served).
    #[arg(long)]
    app_url: String,
    /// Where stored files live.
    #[arg(long)]
    files_dir: PathBuf,
    #[arg(long, default_value_t = 50_000)]
    contacts: i64,
    #[arg(long, default_value_t = 150_000)]
    notes: i64,
    #[arg(long, default_value_t = 100_000)]
    interactions: i64,
    #[arg(long, default_value_t = 20_000)]
    tasks: i64,
    /// Stored files of the account.
    #[arg(long, default_value_t = 2048)]
    files: u64,
    /// Bytes per stored file (2048 × 1 MiB = 2 GiB).
    #[arg(long, default_value_t = 1024 * 1024)]
    file_bytes: usize,
    /// Server-side statement_timeout (and, plus 2 s, the operation deadline) of the erasure.
    #[arg(long, default_value = "15s", value_parser = humantime::parse_duration)]
    statement_timeout: Duration,
}

async fn seed(owner: &tokio_postgres::Client, user: uuid::Uuid, a: &Args) -> anyhow::Result<()> {
    let u = user.to_string();
    let batch = format!(
        "BEGIN;
         INSERT INTO tenants (user_id) VALUES ('{u}');
         INSERT INTO contacts (user_id, id, display_name, primary_email)
           SELECT '{u}', gen_random_uuid(), 'Contact ' || i, 'c' || i || '@example.com'
           FROM generate_series(1, {contacts}) AS i;
         CREATE TEMP TABLE bench_ids ON COMMIT DROP AS
           SELECT row_number() OVER () AS n, id FROM contacts WHERE user_id = '{u}';
         INSERT INTO notes (user_id, id, contact_id, content_plain)
           SELECT '{u}', gen_random_uuid(), b.id, 'Session note ' || i || ' about sleep, stress and goals'
           FROM generate_series(1, {notes}) AS i JOIN bench_ids b ON b.n = 1 + i % {contacts};
         INSERT INTO interactions (user_id, id, contact_id, type, subject, body_text, occurred_at, source, source_id)
           SELECT '{u}', gen_random_uuid(), b.id, 'email', 'Subject ' || i, 'Body of message ' || i,
                  now() - i * interval '1 minute', 'gmail', 'msg-' || i
           FROM generate_series(1, {interactions}) AS i JOIN bench_ids b ON b.n = 1 + i % {contacts};
         INSERT INTO tasks (user_id, id, name)
           SELECT '{u}', gen_random_uuid(), 'Task ' || i FROM generate_series(1, {tasks}) AS i;
         COMMIT;
         ANALYZE;",
        contacts = a.contacts,
        notes = a.notes,
        interactions = a.interactions,
        tasks = a.tasks,
    );
    owner.batch_execute(&batch).await.context("seeding")?;
    Ok(())
}

async fn write_files(dir: &std::path::Path, user: UserId, a: &Args) -> anyhow::Result<u64> {
    let owner_dir = dir.join(user.to_string()).join("files");
    tokio::fs::create_dir_all(&owner_dir).await?;
    let body: Vec<u8> = (0..a.file_bytes).map(|i| (i * 31 % 251) as u8).collect();
    for _ in 0..a.files {
        let path = owner_dir.join(format!("{}.bin", uuid::Uuid::now_v7()));
        tokio::fs::write(&path, &body).await?;
    }
    Ok(a.files * a.file_bytes as u64)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (owner, conn) = tokio_postgres::connect(&args.owner_url, tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    // Another tenant, so the cascade runs over shared tables and indexes.
    let other = UserId::from(uuid::Uuid::now_v7());
    let user = UserId::from(uuid::Uuid::now_v7());
    let started = Instant::now();
    let small = Args {
        contacts: args.contacts / 10,
        notes: args.notes / 10,
        interactions: args.interactions / 10,
        tasks: args.tasks / 10,
        ..args.clone()
    };
    seed(&owner, other.into_uuid(), &small).await?;
    seed(&owner, user.into_uuid(), &args).await?;
    let seeded = started.elapsed();
    let started = Instant::now();
    let bytes = write_files(&args.files_dir, user, &args).await?;
    let written = started.elapsed();
    // The same files once more under a third owner: removing them alone shows the file
    // part of the erasure.
    let scratch = UserId::from(uuid::Uuid::now_v7());
    write_files(&args.files_dir, scratch, &args).await?;
    let store = LocalStore::new(&args.files_dir);
    let started = Instant::now();
    omnicrm_integrations::BlobStore::delete_owner(&store, scratch)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let files_only = started.elapsed();
    owner.batch_execute("CHECKPOINT").await?;

    let settings = DbSettings {
        url: args.app_url.clone(),
        pool_size: 4,
        connect_timeout: Duration::from_secs(2),
        statement_timeout: args.statement_timeout,
    };
    let db = Db::new(
        build_pool(&settings).map_err(|e| anyhow::anyhow!("{e}"))?,
        args.statement_timeout + Duration::from_secs(2),
    );
    let store: Arc<dyn omnicrm_integrations::BlobStore> =
        Arc::new(LocalStore::new(&args.files_dir));
    let service = UserDataService::new(
        db.clone(),
        &Adapters {
            store: Arc::clone(&store),
            signer: UrlSigner::derive(&[7; 32]),
            google: omnicrm_integrations::google::Google::new(
                omnicrm_integrations::TokenVault::new(&[]),
                omnicrm_integrations::google::GoogleConfig::default(),
            ),
            oauth_states: omnicrm_services::google::StateSigner::derive(&[7; 32]),
        },
    );
    // The request: above the threshold it only hides the account (time to hidden).
    let started = Instant::now();
    let erased = service.erase(user.into_uuid(), user).await;
    let took = started.elapsed();
    // The job's work, run here directly (time to gone, after the hide).
    let mut job_ms = None;
    let outcome = match &erased {
        Ok(ErasureOutcome::Erased(receipt)) => serde_json::json!({
            "ok": true, "path": "request",
            "rowsRemoved": receipt.rows_removed.values().sum::<i64>(),
            "filesRemoved": receipt.files_removed,
        }),
        Ok(ErasureOutcome::Hidden(receipt)) => {
            let started = Instant::now();
            let finished = finish_erasure(&db, &store, receipt.id).await;
            job_ms = Some(started.elapsed().as_millis());
            match finished {
                Ok(summary) => serde_json::json!({
                    "ok": true, "path": "hidden+job",
                    "rowsRemoved": receipt.rows_removed.values().sum::<i64>(),
                    "rowsDeletedByJob": summary.rows,
                    "filesRemoved": summary.files,
                }),
                Err(err) => serde_json::json!({"ok": false, "error": err.to_string()}),
            }
        }
        Err(err) => serde_json::json!({"ok": false, "error": err.to_string()}),
    };
    report(&serde_json::json!({
        "contacts": args.contacts, "notes": args.notes, "interactions": args.interactions,
        "tasks": args.tasks, "files": args.files, "fileBytes": bytes,
        "statementTimeoutMs": args.statement_timeout.as_millis(),
        "seedMs": seeded.as_millis(), "writeFilesMs": written.as_millis(),
        "eraseMs": took.as_millis(), "jobMs": job_ms,
        "deleteFilesAloneMs": files_only.as_millis(),
        "outcome": outcome,
    }));
    Ok(())
}

/// The bench's one result line (scripts/bench-erasure collects it).
#[allow(clippy::print_stdout)]
fn report(line: &serde_json::Value) {
    println!("{line}");
}
