//! Start-up and graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use omnicrm_api::auth::{CsrfKey, JwtVerifier};
use omnicrm_api::{ApiConfig, ApiState, TrustedProxies, build_app};
use omnicrm_repo::{AuditCommit, Db, DbSettings, build_pool};
use omnicrm_services::integrations::{LocalStore, UrlSigner};
use omnicrm_services::{Adapters, RateLimitPolicy, ServiceSettings, Services};

use omnicrm_runtime::config::{Config, parse_keys};
use omnicrm_runtime::embedded::{EmbeddedPostgres, Secrets};

/// Where the database is and the secrets to use.
struct Resolved {
    app_url: String,
    owner_url: String,
    jwt_secret: Vec<u8>,
    master_key: Vec<u8>,
    cron_secret: Option<String>,
    embedded: Option<EmbeddedPostgres>,
}

async fn resolve(config: &Config) -> anyhow::Result<Resolved> {
    if let Some(url) = &config.database_url {
        // Presence of both secrets is validated with the configuration when serving;
        // `migrate` needs neither.
        return Ok(Resolved {
            app_url: url.clone(),
            owner_url: config
                .migration_database_url
                .clone()
                .unwrap_or_else(|| url.clone()),
            jwt_secret: config.jwt_secret.clone().unwrap_or_default(),
            master_key: config
                .encryption_keys
                .first()
                .map(|(_, k)| k.clone())
                .unwrap_or_default(),
            cron_secret: config.cron_secret.clone(),
            embedded: None,
        });
    }
    let data_dir = std::path::absolute(&config.data_dir)?;
    let secrets = Secrets::load_or_create(&data_dir)?;
    let pg = EmbeddedPostgres::start(&data_dir, &secrets).await?;
    let keys = match config.encryption_keys.first() {
        Some((_, k)) => k.clone(),
        None => parse_keys(&secrets.encryption_keys)
            .map_err(anyhow::Error::msg)?
            .into_iter()
            .next()
            .map(|(_, k)| k)
            .context("generated encryption key missing")?,
    };
    Ok(Resolved {
        app_url: pg.app_url.clone(),
        owner_url: pg.owner_url.clone(),
        jwt_secret: config
            .jwt_secret
            .clone()
            .unwrap_or_else(|| secrets.jwt_secret.clone().into_bytes()),
        master_key: keys,
        cron_secret: Some(
            config
                .cron_secret
                .clone()
                .unwrap_or_else(|| secrets.cron_secret.clone()),
        ),
        embedded: Some(pg),
    })
}

/// `omnicrm-server migrate`.
pub async fn migrate_only(config: &Config) -> anyhow::Result<()> {
    let resolved = resolve(config).await?;
    let result = migrate(&resolved).await;
    if let Some(pg) = &resolved.embedded {
        pg.stop().await?;
    }
    result
}

async fn migrate(resolved: &Resolved) -> anyhow::Result<()> {
    if resolved.embedded.is_none() && resolved.owner_url == resolved.app_url {
        // Only an app-role URL was given: it may not create anything, but it can tell
        // whether there is anything to do. A current schema needs no owner credentials.
        if let Ok(0) = omnicrm_services::migrate::pending_count(&resolved.app_url).await {
            tracing::info!("database schema is current");
            return Ok(());
        }
    }
    let applied = omnicrm_services::migrate::migrate_all(&resolved.owner_url)
        .await
        .map_err(anyhow::Error::msg)?;
    if applied.is_empty() {
        tracing::info!("database schema is current");
    } else {
        tracing::info!(count = applied.len(), versions = ?applied, "applied migrations");
    }
    if let Some(pg) = &resolved.embedded {
        pg.grant_app_role().await?;
    }
    Ok(())
}

/// `omnicrm-server serve`: migrate, check the role, serve until SIGINT/SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let resolved = resolve(&config).await?;
    let outcome = serve_resolved(&config, &resolved).await;
    if let Some(pg) = &resolved.embedded {
        tracing::info!("stopping the embedded PostgreSQL");
        if let Err(err) = pg.stop().await {
            tracing::error!(error = %err, "could not stop the embedded PostgreSQL");
        }
    }
    outcome
}

async fn serve_resolved(config: &Config, resolved: &Resolved) -> anyhow::Result<()> {
    let service_settings = ServiceSettings {
        default_phone_region: config
            .default_phone_region
            .parse()
            .map_err(|e: String| anyhow::anyhow!("OMNICRM_DEFAULT_PHONE_REGION: {e}"))?,
        storage_quota_bytes: config.storage_quota_mb.saturating_mul(1024 * 1024),
        heavy_concurrency: config.heavy_concurrency,
    };
    let settings = DbSettings {
        url: resolved.app_url.clone(),
        pool_size: config.pool_size,
        connect_timeout: config.db_timeout,
        statement_timeout: config.db_statement_timeout,
    };
    // Before migrating: a misconfigured deployment should change nothing.
    if resolved.embedded.is_none() {
        refuse_rls_bypass(&settings, config.allow_rls_bypass).await?;
    }
    migrate(resolved).await?;
    let pool = build_pool(&settings)?;
    let db = Db::new(pool, config.db_statement_timeout + config.db_timeout)
        .with_audit_commit(AuditCommit::from_sync_flag(config.access_audit_sync_commit));
    if let Err(err) = omnicrm_services::job_kinds::ensure_schedules(&db).await {
        tracing::warn!(error = %err, "could not install the recurring job schedules");
    }
    let store: Arc<dyn omnicrm_services::integrations::BlobStore> =
        Arc::new(LocalStore::new(config.data_dir.join("files")));
    let runner = config
        .server_runs_jobs
        .then(|| start_runner(config, &db, Arc::clone(&store), &resolved.app_url));
    let state = ApiState {
        services: Services::new(
            db,
            Adapters {
                store,
                signer: UrlSigner::derive(&resolved.master_key),
            },
            service_settings,
        ),
        config: ApiConfig {
            public_url: config.public_url.clone(),
            jwt: JwtVerifier::new(&resolved.jwt_secret, config.jwt_audience.clone()),
            csrf: CsrfKey::derive(&resolved.master_key),
            cron_secret: resolved.cron_secret.clone(),
            public_rate_limit: RateLimitPolicy::per_minute("public-ip", config.rate_limit_public),
            trusted_proxies: TrustedProxies::new(config.trusted_proxies.clone()),
        },
    };
    let server = actix_web::HttpServer::new(move || build_app(state.clone()))
        .disable_signals()
        .shutdown_timeout(8)
        .bind(config.bind)
        .with_context(|| format!("cannot listen on {}", config.bind))?
        .run();
    let handle = server.handle();
    let running = tokio::spawn(server);
    announce(config, resolved);
    omnicrm_runtime::signals::wait_for_shutdown_signal().await;
    tracing::info!("shutting down: finishing in-flight requests");
    handle.stop(true).await;
    if let Some(runner) = runner {
        tracing::info!("stopping the in-process job runner");
        runner.shutdown().await;
    }
    running.await??;
    Ok(())
}

/// The in-process runner of the embedded default (one command gives a working system).
fn start_runner(
    config: &Config,
    db: &Db,
    store: Arc<dyn omnicrm_services::integrations::BlobStore>,
    listen_url: &str,
) -> omnicrm_jobs::RunnerHandle {
    let registry = omnicrm_services::job_kinds::registry();
    let runner_config =
        omnicrm_runtime::jobs::runner_config(config, &registry.queues(), listen_url);
    tracing::info!(queues = ?runner_config.queues, "running jobs in-process");
    let app = omnicrm_services::job_kinds::JobsAppContext {
        db: db.clone(),
        store,
    };
    omnicrm_jobs::Runner::new(db.pool().clone(), registry, app, runner_config).start()
}

fn announce(config: &Config, resolved: &Resolved) {
    tracing::info!(url = %config.public_url, "OmniCRM is listening");
    if resolved.embedded.is_some() {
        eprintln!(
            "\nOmniCRM is running at {url}/api/v1 (embedded PostgreSQL in {dir}).\n\
             Get a token:  cargo run -q -p omnicrm-server -- token --user $(cat /proc/sys/kernel/random/uuid)\n\
             Then:         curl -H \"Authorization: Bearer $TOKEN\" {url}/api/v1/contacts\n",
            url = config.public_url,
            dir = config.data_dir.join("pg").display(),
        );
    }
}

/// Refuses to serve on a role that would bypass row-level security.
async fn refuse_rls_bypass(settings: &DbSettings, allowed: bool) -> anyhow::Result<()> {
    let (client, connection) = tokio::time::timeout(
        Duration::from_secs(10),
        tokio_postgres::connect(&settings.url, tokio_postgres::NoTls),
    )
    .await
    .context("timed out connecting to the database")?
    .context("cannot connect to the database")?;
    let driver = tokio::spawn(connection);
    let row = client
        .query_one(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .await?;
    drop(client);
    driver.abort();
    let bypasses: bool = row.get(0);
    if bypasses && !allowed {
        bail!(
            "the database role in DATABASE_URL is a superuser or has BYPASSRLS, so row-level security would not \
             separate tenants. Serve with a role created `LOGIN NOSUPERUSER NOBYPASSRLS` and granted \
             omnicrm_app_group, or set OMNICRM_ALLOW_RLS_BYPASS=true if you really mean it."
        );
    }
    Ok(())
}
