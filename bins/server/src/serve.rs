//! Start-up and graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use omnicrm_api::auth::{CsrfKey, Jwks, JwksSettings, JwtPolicy, JwtVerifier};
use omnicrm_api::{ApiConfig, ApiState, TrustedProxies, build_app};
use omnicrm_repo::{AuditCommit, Db, DbSettings, build_pool};
use omnicrm_services::integrations::{LocalStore, UrlSigner};
use omnicrm_services::{Adapters, RateLimitPolicy, ServiceSettings, Services};

use omnicrm_runtime::config::{Config, parse_keys};
use omnicrm_runtime::embedded::{EmbeddedPostgres, Secrets};

/// Where the database is and the secrets to use.
struct Resolved {
    app_url: String,
    /// The owner role's URL when there is one besides `app_url`: the embedded owner, or
    /// `OMNICRM_MIGRATION_DATABASE_URL`. `serve` migrates only through it.
    owner_url: Option<String>,
    jwt_secret: Vec<u8>,
    master_key: Vec<u8>,
    /// Every `(id, key)` of `OMNICRM_ENCRYPTION_KEYS` (or the embedded one), current first.
    keys: Vec<(String, Vec<u8>)>,
    cron_secret: Option<String>,
    embedded: Option<EmbeddedPostgres>,
}

async fn resolve(config: &Config) -> anyhow::Result<Resolved> {
    if let Some(url) = &config.database_url {
        // Presence of both secrets is validated with the configuration when serving;
        // `migrate` needs neither.
        return Ok(Resolved {
            app_url: url.clone(),
            owner_url: config.migration_database_url.clone(),
            jwt_secret: config.jwt_secret.clone().unwrap_or_default(),
            master_key: config
                .encryption_keys
                .first()
                .map(|(_, k)| k.clone())
                .unwrap_or_default(),
            keys: config.encryption_keys.clone(),
            cron_secret: config.cron_secret.clone(),
            embedded: None,
        });
    }
    let data_dir = std::path::absolute(&config.data_dir)?;
    let secrets = Secrets::load_or_create(&data_dir)?;
    let pg = EmbeddedPostgres::start(&data_dir, &secrets).await?;
    let all_keys = if config.encryption_keys.is_empty() {
        parse_keys(&secrets.encryption_keys).map_err(anyhow::Error::msg)?
    } else {
        config.encryption_keys.clone()
    };
    let keys = all_keys
        .first()
        .map(|(_, k)| k.clone())
        .context("generated encryption key missing")?;
    Ok(Resolved {
        app_url: pg.app_url.clone(),
        owner_url: Some(pg.owner_url.clone()),
        jwt_secret: config
            .jwt_secret
            .clone()
            .unwrap_or_else(|| secrets.jwt_secret.clone().into_bytes()),
        master_key: keys,
        keys: all_keys,
        cron_secret: Some(
            config
                .cron_secret
                .clone()
                .unwrap_or_else(|| secrets.cron_secret.clone()),
        ),
        embedded: Some(pg),
    })
}

/// `omnicrm-server migrate`: through the owner URL, which outside the embedded default is
/// `OMNICRM_MIGRATION_DATABASE_URL` or else `DATABASE_URL` (this command is run with the
/// owner's URL; it serves nothing).
pub async fn migrate_only(config: &Config) -> anyhow::Result<()> {
    let resolved = resolve(config).await?;
    let owner_url = resolved
        .owner_url
        .clone()
        .unwrap_or_else(|| resolved.app_url.clone());
    let result = migrate(&resolved, &owner_url).await;
    if let Some(pg) = &resolved.embedded {
        pg.stop().await?;
    }
    result
}

async fn migrate(resolved: &Resolved, owner_url: &str) -> anyhow::Result<()> {
    let applied = omnicrm_services::migrate::migrate_all(owner_url)
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

/// The schema step of `serve`. It never migrates through the serving role: with an owner
/// URL it migrates through that; without one it only checks, as the serving role, that
/// nothing is pending, and otherwise refuses to start.
async fn migrate_for_serving(resolved: &Resolved) -> anyhow::Result<()> {
    match &resolved.owner_url {
        Some(owner_url) if *owner_url == resolved.app_url => bail!(
            "OMNICRM_MIGRATION_DATABASE_URL is DATABASE_URL: serve as a role that owns nothing, \
             and give the owner role's URL to OMNICRM_MIGRATION_DATABASE_URL only"
        ),
        Some(owner_url) => migrate(resolved, owner_url).await,
        None => {
            let pending = omnicrm_services::migrate::pending_count(&resolved.app_url)
                .await
                .map_err(|e| anyhow::anyhow!("cannot tell whether migrations are pending: {e}"))?;
            if pending > 0 {
                bail!(
                    "the database lacks {pending} migration(s), and `serve` never migrates as the \
                     serving role: run `omnicrm-server migrate` with DATABASE_URL set to the owner \
                     role's URL, or set OMNICRM_MIGRATION_DATABASE_URL to it"
                );
            }
            tracing::info!("database schema is current");
            Ok(())
        }
    }
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
        job_lease: Some(config.job_lease),
        storage_quota_bytes: config.storage_quota_mb.saturating_mul(1024 * 1024),
        heavy_concurrency: config.heavy_concurrency,
    };
    let settings = DbSettings {
        url: resolved.app_url.clone(),
        pool_size: config.pool_size,
        connect_timeout: config.db_timeout,
        statement_timeout: config.db_statement_timeout,
    };
    // Before migrating, so that a misconfigured deployment changes nothing, and again after
    // it, in case the owner URL named the serving role under another spelling.
    refuse_cross_tenant_role(&settings).await?;
    migrate_for_serving(resolved).await?;
    refuse_cross_tenant_role(&settings).await?;
    let pool = build_pool(&settings)?;
    let http_workers = http_workers();
    let db = Db::new(pool, config.db_statement_timeout + config.db_timeout)
        .with_audit_commit(AuditCommit::from_sync_flag(config.access_audit_sync_commit))
        .with_thread_pools(DbSettings {
            pool_size: config.pool_size.div_ceil(http_workers),
            ..settings.clone()
        });
    if let Err(err) = omnicrm_services::job_kinds::ensure_schedules(&db).await {
        tracing::warn!(error = %err, "could not install the recurring job schedules");
    }
    let store: Arc<dyn omnicrm_services::integrations::BlobStore> =
        Arc::new(LocalStore::new(config.data_dir.join("files")));
    let semantic = if config.ai.embed_with_provider {
        omnicrm_services::semantic::SemanticIndex::provider(
            omnicrm_services::ai::AiService::new(
                db.clone(),
                Some(config.ai.client()),
                ai_limits(config),
            ),
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
    let runner = config.server_runs_jobs.then(|| {
        start_runner(
            config,
            &db,
            Arc::clone(&store),
            google(config, resolved),
            &resolved.app_url,
            semantic.clone(),
        )
    });
    let state = ApiState {
        services: Services::new(
            db.clone(),
            Adapters {
                store,
                signer: UrlSigner::derive(&resolved.master_key),
                google: google(config, resolved),
                oauth_states: omnicrm_services::google::StateSigner::derive(&resolved.master_key),
            },
            service_settings,
        )
        .with_semantic(db, semantic)
        .with_ai(Some(config.ai.client()), ai_limits(config)),
        config: ApiConfig {
            public_url: config.public_url.clone(),
            jwt: jwt_verifier(config, &resolved.jwt_secret)?,
            csrf: CsrfKey::derive(&resolved.master_key),
            cron_secret: resolved.cron_secret.clone(),
            public_rate_limit: RateLimitPolicy::per_minute("public-ip", config.rate_limit_public),
            download_rate_limit: RateLimitPolicy::per_minute(
                "download-ip",
                config.rate_limit_download,
            ),
            trusted_proxies: TrustedProxies::new(config.trusted_proxies.clone()),
            require_if_match: config.require_if_match,
            user_rate_limits: omnicrm_api::rate_limit::UserRateLimits::per_minute(
                config.rate_limit_user.read,
                config.rate_limit_user.write,
                config.rate_limit_user.heavy,
            ),
            allowed_origins: omnicrm_api::AllowedOrigins::new(config.allowed_origins.clone()),
        },
    };
    let server = actix_web::HttpServer::new(move || build_app(state.clone()))
        .workers(http_workers)
        .disable_signals()
        .shutdown_timeout(8)
        .bind(config.bind)
        .with_context(|| format!("cannot listen on {}", config.bind))?
        .run();
    let handle = server.handle();
    let running = tokio::spawn(server);
    announce(config, resolved);
    omnicrm_runtime::signals::wait_for_shutdown_signal().await;
    tracing::info!("shutting down: finishing in-flight requests and running jobs");
    // Side by side, not one after the other: the HTTP drain (8 s) and the runner's budget
    // (10 s) overlap, so the whole shutdown stays within the runner's budget.
    let stop_runner = async {
        if let Some(runner) = runner {
            runner.shutdown().await;
        }
    };
    tokio::join!(handle.stop(true), stop_runner);
    running.await??;
    Ok(())
}

/// actix-web's own default: one HTTP worker thread per core. Each opens its own pool of
/// `OMNICRM_DB_POOL_SIZE` ÷ workers connections (ADR 0052).
fn http_workers() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}

/// The users' AI limits from `OMNICRM_AI_*`.
fn ai_limits(config: &Config) -> omnicrm_services::ai::AiLimits {
    omnicrm_services::ai::AiLimits {
        monthly_credits: config.ai.monthly_credits,
        requests_per_minute: config.ai.requests_per_minute,
        daily_cost_cap_usd_micros: config.ai.daily_cost_cap_usd_micros,
    }
}

/// Google's client from `OMNICRM_GOOGLE_*` and the token vault over every configured key.
fn google(config: &Config, resolved: &Resolved) -> omnicrm_services::integrations::google::Google {
    omnicrm_runtime::google::client(config, &resolved.keys)
}

/// The in-process runner of the embedded default (one command gives a working system).
fn start_runner(
    config: &Config,
    db: &Db,
    store: Arc<dyn omnicrm_services::integrations::BlobStore>,
    google: omnicrm_services::integrations::google::Google,
    listen_url: &str,
    semantic: omnicrm_services::semantic::SemanticIndex,
) -> omnicrm_jobs::RunnerHandle {
    let registry = omnicrm_services::job_kinds::registry();
    let runner_config =
        omnicrm_runtime::jobs::runner_config(config, &registry.queues(), listen_url);
    tracing::info!(queues = ?runner_config.queues, "running jobs in-process");
    // Automatic insight refreshes for the contacts the committed writes marked (ADR 0046);
    // the task ends with the process.
    drop(
        omnicrm_services::job_kinds::insights::spawn_refresh_dispatcher(
            db.clone(),
            omnicrm_services::job_kinds::insights::REFRESH_DISPATCH_EVERY,
        ),
    );
    if semantic.embedder().is_some() {
        // Sync jobs for the users whose items changed (the writes marked them). The task
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
    let app = omnicrm_services::job_kinds::JobsAppContext {
        db: db.clone(),
        store,
        google,
        semantic,
        ai: omnicrm_services::ai::AiService::new(
            db.clone(),
            Some(config.ai.client()),
            ai_limits(config),
        ),
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

/// Refuses to serve as a role that can read across tenants (ADR 0011).
async fn refuse_cross_tenant_role(settings: &DbSettings) -> anyhow::Result<()> {
    omnicrm_repo::serving_role::refuse_cross_tenant_url(
        &settings.url,
        settings.connect_timeout.max(Duration::from_secs(10)),
        settings.statement_timeout,
    )
    .await
    .map_err(anyhow::Error::new)
}

/// HS256 under the secret (when there is one) and RS256/ES256 under the JWKS (when
/// configured), with the configured audience, role and longest lifetime.
fn jwt_verifier(config: &Config, secret: &[u8]) -> anyhow::Result<JwtVerifier> {
    let jwks = config
        .jwt_jwks_url
        .as_ref()
        .map(|url| Jwks::new(JwksSettings::new(url.clone())))
        .transpose()
        .context("cannot build the JWKS client")?;
    let policy = JwtPolicy {
        audience: config.jwt_audience.clone(),
        role: config.jwt_role.clone(),
        max_lifetime: config.jwt_max_lifetime,
    };
    Ok(JwtVerifier::new(Some(secret), jwks, policy))
}
