//! `omnicrm-worker`: runs every registered job kind with per-queue concurrency.
//!
//! Same configuration as the server. Without `DATABASE_URL` it attaches to the embedded
//! PostgreSQL that `omnicrm-server` runs for the same `OMNICRM_DATA_DIR`. SIGINT/SIGTERM
//! stop claiming, let running jobs finish within the grace period and release the rest.

mod admin;

/// The server's allocator (see its `main.rs`, ADR 0005), so both binaries run the shared
/// crates the same way.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use omnicrm_repo::{Db, DbSettings, build_pool};
use omnicrm_runtime::config::{Config, Purpose, Settings};
use omnicrm_runtime::embedded::{EmbeddedPostgres, Secrets};
use omnicrm_services::job_kinds::{JobsAppContext, registry};

/// Command line.
#[derive(Debug, Parser)]
#[command(
    name = "omnicrm-worker",
    version,
    about = "OmniCRM background job worker"
)]
struct Cli {
    /// TOML file with settings (same keys as the server's).
    #[arg(long, env = "OMNICRM_CONFIG")]
    config: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = Settings::load(cli.config.as_deref())
        .and_then(|s| Config::from_settings(&s, Purpose::Admin));
    let config = match config {
        Ok(c) => c,
        Err(err) => {
            eprintln!("omnicrm-worker: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    omnicrm_runtime::telemetry::init(&config);
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|rt| rt.block_on(run(config)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("omnicrm-worker: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    let url = match &config.database_url {
        Some(url) => url.clone(),
        None => {
            let data_dir = std::path::absolute(&config.data_dir)?;
            let secrets = Secrets::load_or_create(&data_dir)?;
            EmbeddedPostgres::attach(&data_dir, &secrets).await?.app_url
        }
    };
    let settings = DbSettings {
        url: url.clone(),
        pool_size: config.pool_size,
        connect_timeout: config.db_timeout,
        statement_timeout: config.db_statement_timeout,
    };
    // The worker runs every tenant's jobs through row-level security too (ADR 0011).
    omnicrm_repo::serving_role::refuse_cross_tenant_url(
        &url,
        config.db_timeout.max(std::time::Duration::from_secs(10)),
        config.db_statement_timeout,
    )
    .await?;
    let pool = build_pool(&settings).context("cannot build the database pool")?;
    let db = Db::new(
        pool.clone(),
        config.db_statement_timeout + config.db_timeout,
    );
    if let Err(err) = omnicrm_services::job_kinds::ensure_schedules(&db).await {
        tracing::warn!(error = %err, "could not install the recurring job schedules");
    }
    let registry = registry();
    let runner_config = omnicrm_runtime::jobs::runner_config(&config, &registry.queues(), &url);
    tracing::info!(queues = ?runner_config.queues, kinds = ?registry.kinds(), "worker starting");
    // The same file store as the server (`$OMNICRM_DATA_DIR/files`): export archives and
    // the storage sweep.
    let store = std::sync::Arc::new(omnicrm_services::integrations::LocalStore::new(
        config.data_dir.join("files"),
    ));
    // The worker needs the keys to open tokens, never to mint anything: the configured ones,
    // or the embedded database's generated key.
    let keys = if config.encryption_keys.is_empty() {
        Secrets::load_or_create(&std::path::absolute(&config.data_dir)?)
            .ok()
            .and_then(|s| omnicrm_runtime::config::parse_keys(&s.encryption_keys).ok())
            .unwrap_or_default()
    } else {
        config.encryption_keys.clone()
    };
    let google = omnicrm_runtime::google::client(&config, &keys);
    // A rotated key (a new id first in OMNICRM_ENCRYPTION_KEYS): re-seal the stored tokens.
    match omnicrm_services::job_kinds::enqueue_token_reseal_if_needed(&db, &google.vault).await {
        Ok(Some(job)) => {
            tracing::info!(%job, "tokens sealed under an older key: re-seal job enqueued");
        }
        Ok(None) => {}
        Err(err) => tracing::warn!(error = %err, "could not check whether tokens need re-sealing"),
    }
    let ai = omnicrm_services::ai::AiService::new(
        db.clone(),
        Some(config.ai.client()),
        omnicrm_services::ai::AiLimits {
            monthly_credits: config.ai.monthly_credits,
            requests_per_minute: config.ai.requests_per_minute,
            daily_cost_cap_usd_micros: config.ai.daily_cost_cap_usd_micros,
        },
    );
    let semantic = if config.ai.embed_with_provider {
        omnicrm_services::semantic::SemanticIndex::provider(
            ai.clone(),
            config.ai.embed_dimensions,
            config.vector_cache_mb,
        )
    } else {
        omnicrm_services::semantic::SemanticIndex::load_local(
            config.embed_model_dir.clone(),
            config.vector_cache_mb,
        )
        .await
    };
    // Automatic insight refreshes for the contacts the committed writes marked (ADR 0046);
    // the task ends with the process.
    drop(
        omnicrm_services::job_kinds::insights::spawn_refresh_dispatcher(
            db.clone(),
            omnicrm_services::job_kinds::insights::REFRESH_DISPATCH_EVERY,
        ),
    );
    if semantic.embedder().is_some() {
        // Sync jobs for the users whose items changed (the writes marked them); the task
        // ends with the process.
        drop(omnicrm_services::job_kinds::embeddings::spawn_dispatcher(
            db.clone(),
            omnicrm_services::job_kinds::embeddings::DISPATCH_EVERY,
        ));
        // A model change: re-embed every tenant whose vectors are of another model.
        drop(
            omnicrm_services::job_kinds::embeddings::spawn_reembedding_sweep(
                db.clone(),
                semantic.clone(),
            ),
        );
    }
    let app = JobsAppContext {
        db,
        store,
        google,
        semantic,
        ai,
    };
    let runner = omnicrm_jobs::Runner::new(pool.clone(), registry, app, runner_config).start();
    let admin = match config.worker_admin_bind {
        Some(bind) => Some(admin::serve(
            bind,
            pool,
            std::sync::Arc::clone(&runner.stats),
        )?),
        None => None,
    };
    omnicrm_runtime::signals::wait_for_shutdown_signal().await;
    tracing::info!("shutting down: no new claims; running jobs get the grace period");
    runner.shutdown().await;
    if let Some(admin) = admin {
        admin.stop(true).await;
    }
    tracing::info!("worker stopped");
    Ok(())
}
