//! The real application, served on a random local port.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use omnicrm_api::auth::{Claims, CsrfKey, JwtVerifier, mint_token};
use omnicrm_api::{ApiConfig, ApiState, TrustedProxies, build_app};
use omnicrm_domain::UserId;
use omnicrm_repo::{Db, DbSettings, build_pool};
use omnicrm_services::integrations::{LocalStore, UrlSigner};
use omnicrm_services::{Adapters, RateLimitPolicy, ServiceSettings, Services};
use time::OffsetDateTime;

use crate::TestDb;

/// JWT secret of test apps.
pub const TEST_JWT_SECRET: &[u8] = b"omnicrm-test-jwt-secret-0123456789abcdef";
/// Cron secret of test apps (`Authorization: Bearer test-cron-secret`).
pub const TEST_CRON_SECRET: &str = "test-cron-secret";
/// Master key of test apps (derives their CSRF and file-URL signing keys).
pub const TEST_MASTER_KEY: [u8; 32] = [42; 32];

/// Knobs for database-outage tests.
#[derive(Debug, Clone)]
pub struct TestAppOptions {
    /// Overrides the app-role URL (e.g. through a [`crate::ChaosProxy`]).
    pub database_url: Option<String>,
    /// Pool wait / connect timeout.
    pub connect_timeout: Duration,
    /// Statement timeout and client-side deadline.
    pub statement_timeout: Duration,
    /// Requests per window per client address on each public route (generous by
    /// default so tests are not limited; rate-limit tests set a small one).
    pub public_rate_limit: u32,
    /// Requests per window per client address on signed downloads (generous by default).
    pub download_rate_limit: u32,
    /// The rate limiter's window (one minute in production).
    pub rate_limit_window: Duration,
    /// Proxies whose `X-Forwarded-For` is believed (tests trust 127.0.0.1 to act as
    /// many clients).
    pub trusted_proxies: TrustedProxies,
    /// Replaces the token verifier (HS256 under [`TEST_JWT_SECRET`] by default), e.g. with
    /// one reading a local JWKS server.
    pub jwt: Option<JwtVerifier>,
    /// Lease of jobs run by the HTTP drains (the engine's 30 s when `None`).
    pub job_lease: Option<Duration>,
    /// The job kinds the HTTP drains run (`job_kinds::registry` when `None`).
    pub job_registry: Option<
        fn() -> omnicrm_services::jobs::Registry<omnicrm_services::job_kinds::JobsAppContext>,
    >,
    /// Heavy requests per user at once (generous by default; limit tests set a small one).
    pub heavy_concurrency: u32,
    /// Stored bytes per user (1 GiB by default).
    pub storage_quota_bytes: u64,
    /// PATCH and DELETE of versioned resources need `If-Match` (`OMNICRM_REQUIRE_IF_MATCH`).
    pub require_if_match: bool,
    /// Requests per window per user on each class of authenticated routes (read, write,
    /// heavy), and per client address without a valid token (generous by default so tests
    /// are not limited; rate-limit tests set a small one).
    pub user_rate_limit: u32,
    /// Origins answered with CORS headers (none by default: CORS off).
    pub allowed_origins: omnicrm_api::AllowedOrigins,
    /// Erasure steps composed onto the user-data service, in order (none by default).
    pub erasure_steps: Vec<Arc<dyn omnicrm_services::user_data::ErasureStep>>,
    /// Semantic search (see [`crate::semantic`]); unavailable by default.
    pub semantic: Option<omnicrm_services::semantic::SemanticIndex>,
    /// Google settings (not configured by default; point them at a [`crate::FakeGoogle`]
    /// with [`crate::FakeGoogle::options`]).
    pub google: TestGoogle,
    /// Largest account (rows) erased within the request (`None`: the default; `Some(0)`
    /// takes the hide-first, batched path with any account).
    pub erasure_sync_rows: Option<u64>,
    /// AI provider settings (not configured by default; point them at a
    /// [`crate::FakeAi`] with [`crate::FakeAi::options`]).
    pub ai: crate::TestAi,
}

/// Google settings of a test app.
#[derive(Debug, Clone, Default)]
pub struct TestGoogle {
    /// `OMNICRM_GOOGLE_CLIENT_ID`; `None`: Google routes answer 503.
    pub client_id: Option<String>,
    /// `OMNICRM_GOOGLE_CLIENT_SECRET`.
    pub client_secret: Option<String>,
    /// `OMNICRM_GOOGLE_OAUTH_BASE`.
    pub oauth_base: Option<String>,
    /// `OMNICRM_GOOGLE_API_BASE`.
    pub api_base: Option<String>,
    /// `OMNICRM_APP_URL` (default: the app's own URL).
    pub app_url: Option<String>,
    /// Sync pacing (production defaults when `None`).
    pub sync: Option<omnicrm_services::integrations::google::SyncSettings>,
}

/// Key id of the test apps' encryption key.
pub const TEST_KEY_ID: &str = "test1";

/// The token vault of test apps (key [`TEST_MASTER_KEY`] under [`TEST_KEY_ID`]).
pub fn test_vault() -> omnicrm_services::integrations::TokenVault {
    omnicrm_services::integrations::TokenVault::new(&[(
        TEST_KEY_ID.to_owned(),
        TEST_MASTER_KEY.to_vec(),
    )])
}

fn test_google(g: &TestGoogle, public_url: &str) -> omnicrm_services::integrations::google::Google {
    omnicrm_services::integrations::google::Google::new(
        test_vault(),
        omnicrm_services::integrations::google::GoogleConfig {
            client_id: g.client_id.clone(),
            client_secret: g.client_secret.clone(),
            oauth_base: g.oauth_base.clone(),
            api_base: g.api_base.clone(),
            redirect_uri: format!("{public_url}/api/v1/google/callback"),
            app_url: g.app_url.clone().unwrap_or_else(|| public_url.to_owned()),
            timeout: Duration::from_secs(5),
            sync: g.sync.clone().unwrap_or_default(),
        },
    )
}

impl Default for TestAppOptions {
    fn default() -> Self {
        Self {
            database_url: None,
            connect_timeout: Duration::from_secs(2),
            statement_timeout: Duration::from_secs(10),
            public_rate_limit: 10_000,
            download_rate_limit: 10_000,
            rate_limit_window: Duration::from_secs(60),
            trusted_proxies: TrustedProxies::default(),
            jwt: None,
            job_lease: None,
            job_registry: None,
            heavy_concurrency: 1000,
            storage_quota_bytes: 1024 * 1024 * 1024,
            require_if_match: false,
            user_rate_limit: 100_000,
            allowed_origins: omnicrm_api::AllowedOrigins::default(),
            erasure_steps: Vec::new(),
            semantic: None,
            google: TestGoogle::default(),
            erasure_sync_rows: None,
            ai: crate::TestAi::default(),
        }
    }
}

/// A running application plus an HTTP client.
#[derive(Debug)]
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// Client for requests (no cookies stored).
    pub http: reqwest::Client,
    /// Where this app stores files (removed when the app is dropped).
    pub files_dir: tempfile::TempDir,
    /// The app's database handle (for its counters; requests go through `http`).
    pub db: Db,
    /// The app's services (for their counters; requests go through `http`).
    pub services: Services,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    /// Serves the app over `db` with default options.
    pub async fn spawn(db: &TestDb) -> Self {
        Self::spawn_with(db, TestAppOptions::default()).await
    }

    /// Serves the app over `db` with `options`.
    pub async fn spawn_with(db: &TestDb, options: TestAppOptions) -> Self {
        let settings = DbSettings {
            url: options
                .database_url
                .clone()
                .unwrap_or_else(|| db.app_url.clone()),
            pool_size: 4,
            connect_timeout: options.connect_timeout,
            statement_timeout: options.statement_timeout,
        };
        let pool = build_pool(&settings).expect("pool");
        // As the server composes it: the HTTP worker opens a pool of its own.
        let db = Db::new(pool, options.statement_timeout + options.connect_timeout)
            .with_thread_pools(settings);
        let files_dir = tempfile::tempdir().expect("files dir");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let public_url = format!("http://{addr}");
        let mut services = Services::new(
            db.clone(),
            Adapters {
                store: Arc::new(LocalStore::new(files_dir.path())),
                signer: UrlSigner::derive(&TEST_MASTER_KEY),
                google: test_google(&options.google, &public_url),
                oauth_states: omnicrm_services::google::StateSigner::derive(&TEST_MASTER_KEY),
            },
            ServiceSettings {
                job_lease: options.job_lease,
                heavy_concurrency: options.heavy_concurrency,
                storage_quota_bytes: options.storage_quota_bytes,
                ..ServiceSettings::default()
            },
        );
        services = services.with_ai(
            Some(test_ai_client(&options.ai)),
            omnicrm_services::ai::AiLimits {
                monthly_credits: options.ai.monthly_credits.unwrap_or(1_000_000),
                requests_per_minute: options.ai.requests_per_minute.unwrap_or(1_000_000),
                daily_cost_cap_usd_micros: options
                    .ai
                    .daily_cost_cap_usd
                    .map_or(i64::MAX / 2, |usd| (usd * 1_000_000.0).round() as i64),
            },
        );
        if let Some(registry) = options.job_registry {
            services.jobs = services.jobs.with_registry(registry);
        }
        if let Some(semantic) = &options.semantic {
            services = services.with_semantic(db.clone(), semantic.clone());
        }
        if let Some(dimensions) = options.ai.embed_dimensions {
            let semantic = omnicrm_services::semantic::SemanticIndex::provider(
                services.ai.clone(),
                dimensions,
                64,
            );
            services = services.with_semantic(db.clone(), semantic);
        }
        for step in &options.erasure_steps {
            services.user_data = services
                .user_data
                .clone()
                .with_erasure_step(Arc::clone(step));
        }
        if let Some(rows) = options.erasure_sync_rows {
            services.user_data = services.user_data.clone().with_sync_erasure_rows(rows);
        }
        let state = ApiState {
            services: services.clone(),
            config: ApiConfig {
                public_url: public_url.clone(),
                jwt: options
                    .jwt
                    .clone()
                    .unwrap_or_else(|| JwtVerifier::hs256(TEST_JWT_SECRET, "authenticated")),
                csrf: CsrfKey::derive(&TEST_MASTER_KEY),
                cron_secret: Some(TEST_CRON_SECRET.into()),
                public_rate_limit: RateLimitPolicy {
                    name: "public-ip".to_owned(),
                    limit: options.public_rate_limit,
                    window: options.rate_limit_window,
                },
                download_rate_limit: RateLimitPolicy {
                    name: "download-ip".to_owned(),
                    limit: options.download_rate_limit,
                    window: options.rate_limit_window,
                },
                trusted_proxies: options.trusted_proxies,
                require_if_match: options.require_if_match,
                user_rate_limits: omnicrm_api::rate_limit::UserRateLimits::per_minute(
                    options.user_rate_limit,
                    options.user_rate_limit,
                    options.user_rate_limit,
                )
                .with_window(options.rate_limit_window),
                allowed_origins: options.allowed_origins,
            },
        };
        let server = actix_web::HttpServer::new(move || build_app(state.clone()))
            .workers(1)
            .disable_signals()
            .shutdown_timeout(1)
            .listen(listener)
            .expect("listen")
            .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            base_url: public_url,
            http: reqwest::Client::new(),
            files_dir,
            db,
            services,
            handle,
        }
    }

    /// A token for `user` valid for an hour.
    pub fn token(user: UserId) -> String {
        mint_token(
            TEST_JWT_SECRET,
            &Claims::for_user(
                user.into_uuid(),
                "authenticated",
                OffsetDateTime::now_utc(),
                3600,
            ),
        )
    }

    /// A fresh user id.
    pub fn new_user() -> UserId {
        UserId::generate()
    }

    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Stops the server.
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

/// The AI client of a test app: fast timeouts and backoff so fault tests stay quick.
fn test_ai_client(ai: &crate::TestAi) -> omnicrm_services::integrations::ai::AiClient {
    use omnicrm_services::integrations::ai::{AiClient, AiConfig};
    AiClient::new(AiConfig {
        base_url: ai
            .base_url
            .clone()
            .unwrap_or_else(|| "http://127.0.0.1:9".to_owned()),
        api_key: ai.api_key.clone(),
        timeout: Duration::from_secs(10),
        max_retries: 2,
        backoff: Duration::from_millis(20),
        ..AiConfig::default()
    })
}
