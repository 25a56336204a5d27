//! Configuration from the environment and an optional TOML file (`--config`), validated
//! at start with one clear message per problem.
//!
//! File keys are the variable names in lower case without the `OMNICRM_` prefix
//! (`bind`, `data_dir`, `database_url`, …); the environment wins over the file.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine;

mod reader;
use reader::Reader;

/// Everything the server reads at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// App-role URL; `None` selects the embedded Postgres.
    pub database_url: Option<String>,
    /// Owner-role URL for migrations.
    pub migration_database_url: Option<String>,
    /// Pool size.
    pub pool_size: usize,
    /// Pool wait and connect timeout.
    pub db_timeout: Duration,
    /// Statement timeout (also the client-side deadline of one database operation).
    pub db_statement_timeout: Duration,
    /// Embedded cluster, files, generated secrets.
    pub data_dir: PathBuf,
    /// Listen address.
    pub bind: SocketAddr,
    /// Base URL for links and problem types.
    pub public_url: String,
    /// HS256 secret (raw bytes).
    pub jwt_secret: Option<Vec<u8>>,
    /// Required audience.
    pub jwt_audience: String,
    /// JWKS of RS256/ES256 tokens (`OMNICRM_JWT_JWKS_URL`); optional.
    pub jwt_jwks_url: Option<String>,
    /// Required `role` claim (`OMNICRM_JWT_ROLE`, default `authenticated`).
    pub jwt_role: String,
    /// Longest accepted token lifetime, `exp - iat` (`OMNICRM_JWT_MAX_LIFETIME`, default 24h).
    pub jwt_max_lifetime: Duration,
    /// `(id, 32-byte key)`, current first.
    pub encryption_keys: Vec<(String, Vec<u8>)>,
    /// Bearer secret of the cron routes (`OMNICRM_CRON_SECRET`); optional.
    pub cron_secret: Option<String>,
    /// Whether reads that write only access-audit rows wait for their commit's WAL flush
    /// (`OMNICRM_ACCESS_AUDIT_SYNC_COMMIT`, default false; see `omnicrm_repo::AuditCommit`).
    pub access_audit_sync_commit: bool,
    /// PATCH and DELETE of a versioned resource without `If-Match` answer 428
    /// (`OMNICRM_REQUIRE_IF_MATCH`, default false).
    pub require_if_match: bool,
    /// Requests per minute per client address on each public route
    /// (`OMNICRM_RATE_LIMIT_PUBLIC`, default 5).
    pub rate_limit_public: u32,
    /// Requests per minute per client address on signed file downloads
    /// (`OMNICRM_RATE_LIMIT_DOWNLOAD`, default 300: a page of photos loads many at once).
    pub rate_limit_download: u32,
    /// Requests per minute per user on authenticated reads, writes and heavy routes
    /// (`OMNICRM_RATE_LIMIT_USER_READ`, `_WRITE`, `_HEAVY`; the first two default to
    /// `OMNICRM_RATE_LIMIT_USER`, default 600, heavy to a tenth of it).
    pub rate_limit_user: UserRateLimitsPerMinute,
    /// Origins answered with CORS headers (`OMNICRM_ALLOWED_ORIGINS`, comma-separated
    /// `scheme://host[:port]`; default none: CORS off).
    pub allowed_origins: Vec<String>,
    /// Proxies whose `X-Forwarded-For` is believed (`OMNICRM_TRUSTED_PROXIES`, addresses
    /// or CIDR networks, comma-separated; default none).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Job lease length (`OMNICRM_JOB_LEASE`).
    pub job_lease: Duration,
    /// Job poll interval (`OMNICRM_JOB_POLL`).
    pub job_poll: Duration,
    /// Poll only, no LISTEN (`OMNICRM_JOB_POLL_ONLY`), for connection poolers.
    pub job_poll_only: bool,
    /// Whether `omnicrm-server` runs the job runner in-process (`OMNICRM_SERVER_RUNS_JOBS`;
    /// default: yes on the embedded database, no in a deployment with a worker).
    pub server_runs_jobs: bool,
    /// Per-queue concurrency (`OMNICRM_WORKER_CONCURRENCY=queue=n,..`); queues not listed
    /// run with the `default` entry's concurrency.
    pub worker_concurrency: Vec<(String, usize)>,
    /// Worker `/health` and `/metrics` listener (`OMNICRM_WORKER_ADMIN_BIND`).
    pub worker_admin_bind: Option<SocketAddr>,
    /// Tracing filter.
    pub log: String,
    /// `json` or `pretty`; `None` = pretty on a TTY.
    pub log_format: Option<String>,
    /// Region (CLDR code, upper case) of phone numbers written without a country code
    /// (`OMNICRM_DEFAULT_PHONE_REGION`, default `US`).
    pub default_phone_region: String,
    /// Stored files per user in MiB (`OMNICRM_STORAGE_QUOTA_MB`, default 1024).
    pub storage_quota_mb: u64,
    /// Heavy requests (uploads, exports, bulk operations) one user may run at once
    /// (`OMNICRM_HEAVY_CONCURRENCY`, default 3).
    pub heavy_concurrency: u32,
    /// Google OAuth and API settings (`OMNICRM_GOOGLE_*`, `OMNICRM_APP_URL`).
    pub google: GoogleSettings,
    /// Directory of the local sentence-embedding model (`OMNICRM_EMBED_MODEL_DIR`, default
    /// `$OMNICRM_DATA_DIR/models/all-MiniLM-L6-v2`); semantic search is unavailable when it
    /// holds no model.
    pub embed_model_dir: PathBuf,
    /// Memory of the per-tenant vector cache in MiB (`OMNICRM_VECTOR_CACHE_MB`, default 256).
    pub vector_cache_mb: u64,
    /// The AI provider and the users' AI limits (`OMNICRM_AI_*`).
    pub ai: AiSettings,
}

/// AI provider settings and per-user limits; without an API key the AI routes answer 503.
#[derive(Clone, Default)]
pub struct AiSettings {
    /// `OMNICRM_AI_BASE_URL` (default OpenRouter, `https://openrouter.ai/api/v1`).
    pub base_url: String,
    /// `OMNICRM_AI_API_KEY`.
    pub api_key: Option<String>,
    /// `OMNICRM_AI_CHAT_MODEL` (default `openai/gpt-4o-mini`).
    pub chat_model: String,
    /// `OMNICRM_AI_EMBED_MODEL` (default `openai/text-embedding-3-small`).
    pub embed_model: String,
    /// `OMNICRM_AI_TIMEOUT` (default 60s): deadline of one call to the provider.
    pub timeout: Duration,
    /// `OMNICRM_AI_MONTHLY_CREDITS` (default 1000): assistant messages per user and month.
    pub monthly_credits: i32,
    /// `OMNICRM_AI_REQUESTS_PER_MINUTE` (default 20): assistant messages per user and minute.
    pub requests_per_minute: u32,
    /// `OMNICRM_AI_DAILY_COST_CAP_USD` (default 1.00): provider cost per user and UTC day,
    /// in millionths of a dollar.
    pub daily_cost_cap_usd_micros: i64,
    /// `OMNICRM_EMBED_BACKEND` (`local`, the default, or `provider`): whether items and
    /// search queries are embedded by the in-process model or by the provider's
    /// `OMNICRM_AI_EMBED_MODEL` (ADR 0036).
    pub embed_with_provider: bool,
    /// `OMNICRM_AI_EMBED_DIMENSIONS` (default 1536): length of the provider model's vectors.
    pub embed_dimensions: usize,
}

impl std::fmt::Debug for AiSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AiSettings")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.is_some())
            .field("chat_model", &self.chat_model)
            .field("embed_model", &self.embed_model)
            .field("monthly_credits", &self.monthly_credits)
            .finish_non_exhaustive()
    }
}

impl AiSettings {
    fn read(r: &mut Reader<'_>) -> Self {
        use omnicrm_integrations::ai;
        let text = |r: &Reader<'_>, key: &str, default: &str| {
            r.text(key)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .unwrap_or(default)
                .to_owned()
        };
        let base_url = r
            .url("OMNICRM_AI_BASE_URL", "an http(s) URL")
            .unwrap_or_else(|| ai::DEFAULT_BASE_URL.to_owned());
        let api_key = r
            .text("OMNICRM_AI_API_KEY")
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        let chat_model = text(r, "OMNICRM_AI_CHAT_MODEL", ai::DEFAULT_CHAT_MODEL);
        let embed_model = text(r, "OMNICRM_AI_EMBED_MODEL", ai::DEFAULT_EMBED_MODEL);
        let timeout = r.duration("OMNICRM_AI_TIMEOUT", Duration::from_secs(60));
        let monthly_credits = r.number(
            "OMNICRM_AI_MONTHLY_CREDITS",
            1000,
            0..=1_000_000,
            "credits per user and month 0..=1000000",
        );
        let requests_per_minute = r.per_minute("OMNICRM_AI_REQUESTS_PER_MINUTE", 20);
        let cap_usd = r.number(
            "OMNICRM_AI_DAILY_COST_CAP_USD",
            1.0_f64,
            0.0..=100_000.0,
            "US dollars per user and day, 0..=100000",
        );
        let backend = text(r, "OMNICRM_EMBED_BACKEND", "local").to_ascii_lowercase();
        r.check(
            "OMNICRM_EMBED_BACKEND",
            backend == "local" || backend == "provider",
            || format!("expected local or provider, got {backend:?}"),
        );
        let embed_dimensions = r.number(
            "OMNICRM_AI_EMBED_DIMENSIONS",
            1536_usize,
            1..=8192,
            "dimensions 1..=8192",
        );
        Self {
            base_url,
            api_key,
            chat_model,
            embed_model,
            timeout,
            monthly_credits,
            requests_per_minute,
            daily_cost_cap_usd_micros: (cap_usd * 1_000_000.0).round() as i64,
            embed_with_provider: backend == "provider",
            embed_dimensions,
        }
    }

    /// The provider's client (unconfigured without an API key).
    pub fn client(&self) -> omnicrm_integrations::ai::AiClient {
        omnicrm_integrations::ai::AiClient::new(omnicrm_integrations::ai::AiConfig {
            base_url: self.base_url.clone(),
            api_key: self.api_key.clone(),
            chat_model: self.chat_model.clone(),
            embed_model: self.embed_model.clone(),
            timeout: self.timeout,
            ..omnicrm_integrations::ai::AiConfig::default()
        })
    }
}

/// Google settings; without a client id every Google route answers 503.
#[derive(Debug, Clone, Default)]
pub struct GoogleSettings {
    /// `OMNICRM_GOOGLE_CLIENT_ID`.
    pub client_id: Option<String>,
    /// `OMNICRM_GOOGLE_CLIENT_SECRET` (required with a client id).
    pub client_secret: Option<String>,
    /// `OMNICRM_GOOGLE_OAUTH_BASE`: replaces Google's authorization, token and revocation
    /// endpoints by `<base>/auth`, `<base>/token`, `<base>/revoke`.
    pub oauth_base: Option<String>,
    /// `OMNICRM_GOOGLE_API_BASE`: replaces `https://www.googleapis.com`.
    pub api_base: Option<String>,
    /// `OMNICRM_APP_URL` (default `OMNICRM_PUBLIC_URL`): where the OAuth callback sends the
    /// browser afterwards.
    pub app_url: String,
    /// `OMNICRM_GOOGLE_TIMEOUT` (default 20s): deadline of every call to Google.
    pub timeout: Duration,
    /// `OMNICRM_GMAIL_BACKFILL_DAYS` (default 365): how far back Gmail's first sync reads.
    pub gmail_backfill_days: u32,
}

/// Raw key/value settings: file first, environment over it.
#[derive(Debug, Default)]
pub struct Settings {
    values: HashMap<String, String>,
}

impl Settings {
    /// Reads the optional TOML file and the process environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut values = HashMap::new();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config file {}", path.display()))?;
            let table: toml::Table = toml::from_str(&text)
                .with_context(|| format!("config file {} is not valid TOML", path.display()))?;
            for (key, value) in table {
                let env_name = if key == "database_url" {
                    "DATABASE_URL".to_owned()
                } else {
                    format!("OMNICRM_{}", key.to_ascii_uppercase())
                };
                let text = match value {
                    toml::Value::String(s) => s,
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    toml::Value::Float(f) => f.to_string(),
                    other => bail!(
                        "config key {key:?} must be a string, number or boolean, got {}",
                        other.type_str()
                    ),
                };
                values.insert(env_name, text);
            }
        }
        for (key, value) in std::env::vars() {
            if key == "DATABASE_URL" || key.starts_with("OMNICRM_") {
                values.insert(key, value);
            }
        }
        Ok(Self { values })
    }

    /// Settings from explicit pairs (tests).
    #[cfg(test)]
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
}

/// What the process will do: serving needs every secret, `migrate` and `token` only what
/// they use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `serve`.
    Serve,
    /// `migrate` or `token`.
    Admin,
}

impl Config {
    /// Validates every setting and reports all problems at once.
    pub fn from_settings(s: &Settings, purpose: Purpose) -> anyhow::Result<Self> {
        let mut r = Reader::new(s);
        let database_url = r.text("DATABASE_URL").map(str::to_owned);
        let deployed = database_url.is_some() && purpose == Purpose::Serve;
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);

        let pool_size = r.number(
            "OMNICRM_DB_POOL_SIZE",
            cores * 2 + 2,
            1..=1000,
            "a number 1..=1000",
        );
        let db_timeout = r.duration("OMNICRM_DB_TIMEOUT", Duration::from_secs(2));
        let db_statement_timeout =
            r.duration("OMNICRM_DB_STATEMENT_TIMEOUT", Duration::from_secs(15));
        let job_lease = r.duration("OMNICRM_JOB_LEASE", Duration::from_secs(30));
        let job_poll = r.duration("OMNICRM_JOB_POLL", Duration::from_secs(1));
        let jwt_max_lifetime =
            r.duration("OMNICRM_JWT_MAX_LIFETIME", Duration::from_secs(24 * 3600));

        let data_dir = PathBuf::from(r.text_or("OMNICRM_DATA_DIR", "./.omnicrm"));
        let bind = r
            .socket_addr("OMNICRM_BIND", "host:port such as 127.0.0.1:8080")
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let public_url = r
            .url("OMNICRM_PUBLIC_URL", "must start with http:// or https://")
            .map_or_else(
                || format!("http://{bind}"),
                |u| u.trim_end_matches('/').to_owned(),
            );

        let jwt_secret = r.text("OMNICRM_JWT_SECRET").map(|v| v.as_bytes().to_vec());
        let jwt_jwks_url = r.url(
            "OMNICRM_JWT_JWKS_URL",
            "must start with https:// (or http:// on a private network)",
        );
        if let Some(secret) = &jwt_secret {
            r.check("OMNICRM_JWT_SECRET", secret.len() >= 32, || {
                "must be at least 32 bytes".to_owned()
            });
        } else if deployed && jwt_jwks_url.is_none() {
            r.problem(
                "OMNICRM_JWT_SECRET",
                "required when DATABASE_URL is set, unless OMNICRM_JWT_JWKS_URL is (the Supabase JWT secret)",
            );
        }
        let jwt_role = r
            .text_or("OMNICRM_JWT_ROLE", "authenticated")
            .trim()
            .to_owned();
        let jwt_audience = r
            .text_or("OMNICRM_JWT_AUDIENCE", "authenticated")
            .to_owned();

        let encryption_keys = r
            .parsed("OMNICRM_ENCRYPTION_KEYS", parse_keys)
            .unwrap_or_default();
        if deployed && r.text("OMNICRM_ENCRYPTION_KEYS").is_none() {
            r.problem(
                "OMNICRM_ENCRYPTION_KEYS",
                "required when DATABASE_URL is set (`id:base64(32 bytes)`, comma-separated)",
            );
        }

        let cron_secret = r.text("OMNICRM_CRON_SECRET").map(|v| v.trim().to_owned());
        r.check(
            "OMNICRM_CRON_SECRET",
            cron_secret.as_ref().is_none_or(|v| v.len() >= 16),
            || "must be at least 16 characters".to_owned(),
        );

        let rate_limit_public = r.per_minute("OMNICRM_RATE_LIMIT_PUBLIC", 5);
        let rate_limit_download = r.per_minute("OMNICRM_RATE_LIMIT_DOWNLOAD", 300);
        let rate_limit_user = UserRateLimitsPerMinute::read(&mut r);
        let allowed_origins = r
            .parsed("OMNICRM_ALLOWED_ORIGINS", parse_origins)
            .unwrap_or_default();
        let storage_quota_mb = r.number(
            "OMNICRM_STORAGE_QUOTA_MB",
            1024,
            1..=u64::from(u32::MAX),
            "MiB per user, at least 1",
        );
        let heavy_concurrency = r.number(
            "OMNICRM_HEAVY_CONCURRENCY",
            3,
            1..=1000,
            "heavy requests per user 1..=1000",
        );
        let trusted_proxies = r
            .parsed("OMNICRM_TRUSTED_PROXIES", parse_networks)
            .unwrap_or_default();
        let job_poll_only = r.bool("OMNICRM_JOB_POLL_ONLY", false);
        let access_audit_sync_commit = r.bool("OMNICRM_ACCESS_AUDIT_SYNC_COMMIT", false);
        let require_if_match = r.bool("OMNICRM_REQUIRE_IF_MATCH", false);
        let server_runs_jobs = r.bool("OMNICRM_SERVER_RUNS_JOBS", database_url.is_none());
        let worker_concurrency = r
            .parsed("OMNICRM_WORKER_CONCURRENCY", parse_concurrency)
            .unwrap_or_else(|| vec![("default".to_owned(), 8)]);
        let worker_admin_bind = r.socket_addr("OMNICRM_WORKER_ADMIN_BIND", "host:port");

        let log = r.text_or("OMNICRM_LOG", "info").to_owned();
        r.check(
            "OMNICRM_LOG",
            tracing_subscriber::EnvFilter::try_new(&log).is_ok(),
            || format!("not a valid tracing filter (e.g. `info,omnicrm_api=debug`): {log:?}"),
        );
        let log_format = r.text("OMNICRM_LOG_FORMAT").map(str::to_owned);
        if let Some(f) = &log_format {
            r.check("OMNICRM_LOG_FORMAT", f == "json" || f == "pretty", || {
                format!("expected json or pretty, got {f:?}")
            });
        }

        let default_phone_region = r
            .text_or("OMNICRM_DEFAULT_PHONE_REGION", "US")
            .trim()
            .to_ascii_uppercase();
        r.check(
            "OMNICRM_DEFAULT_PHONE_REGION",
            default_phone_region.len() == 2
                && default_phone_region.bytes().all(|b| b.is_ascii_alphabetic()),
            || format!("expected a two-letter region code such as US or GB, got {default_phone_region:?}"),
        );

        let migration_database_url = r.text("OMNICRM_MIGRATION_DATABASE_URL").map(str::to_owned);
        let google = GoogleSettings::read(&mut r, &public_url);
        let embed_model_dir = r.text("OMNICRM_EMBED_MODEL_DIR").map_or_else(
            || data_dir.join("models").join("all-MiniLM-L6-v2"),
            PathBuf::from,
        );
        let vector_cache_mb = r.number(
            "OMNICRM_VECTOR_CACHE_MB",
            256,
            0..=1_048_576,
            "MiB 0..=1048576 (0: no cache)",
        );
        let ai = AiSettings::read(&mut r);
        r.finish(Self {
            database_url,
            migration_database_url,
            pool_size,
            db_timeout,
            db_statement_timeout,
            data_dir,
            bind,
            public_url,
            jwt_secret,
            jwt_audience,
            jwt_jwks_url,
            jwt_role,
            jwt_max_lifetime,
            encryption_keys,
            cron_secret,
            access_audit_sync_commit,
            require_if_match,
            rate_limit_public,
            rate_limit_download,
            rate_limit_user,
            allowed_origins,
            trusted_proxies,
            job_lease,
            job_poll,
            job_poll_only,
            server_runs_jobs,
            worker_concurrency,
            worker_admin_bind,
            log,
            log_format,
            default_phone_region,
            storage_quota_mb,
            heavy_concurrency,
            google,
            embed_model_dir,
            vector_cache_mb,
            ai,
        })
    }
}

impl GoogleSettings {
    fn read(r: &mut Reader<'_>, public_url: &str) -> Self {
        let nonempty = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let client_id = nonempty(r.text("OMNICRM_GOOGLE_CLIENT_ID"));
        let client_secret = nonempty(r.text("OMNICRM_GOOGLE_CLIENT_SECRET"));
        r.check(
            "OMNICRM_GOOGLE_CLIENT_SECRET",
            client_id.is_none() || client_secret.is_some(),
            || "required when OMNICRM_GOOGLE_CLIENT_ID is set".to_owned(),
        );
        let oauth_base = r.url("OMNICRM_GOOGLE_OAUTH_BASE", "an http(s) URL");
        let api_base = r.url("OMNICRM_GOOGLE_API_BASE", "an http(s) URL");
        let app_url = r
            .url("OMNICRM_APP_URL", "an http(s) URL")
            .unwrap_or_else(|| public_url.to_owned());
        let timeout = r.duration("OMNICRM_GOOGLE_TIMEOUT", Duration::from_secs(20));
        let gmail_backfill_days = r.number(
            "OMNICRM_GMAIL_BACKFILL_DAYS",
            365,
            1..=3650,
            "days 1..=3650",
        );
        Self {
            client_id,
            client_secret,
            oauth_base,
            api_base,
            app_url,
            timeout,
            gmail_backfill_days,
        }
    }
}

/// Comma-separated IP addresses (`10.0.0.7`) and CIDR networks (`10.0.0.0/8`).
pub fn parse_networks(v: &str) -> Result<Vec<ipnet::IpNet>, String> {
    v.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{entry:?} is neither an IP address nor a CIDR network"))
        })
        .collect()
}

/// `queue=n[,queue=n..]` with 1 ≤ n ≤ 1000.
pub fn parse_concurrency(v: &str) -> Result<Vec<(String, usize)>, String> {
    v.split(',')
        .map(|entry| {
            let (queue, n) = entry
                .trim()
                .split_once('=')
                .ok_or_else(|| format!("entry {entry:?} is not `queue=n`"))?;
            let n = n
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| format!("concurrency of {queue:?} must be 1..=1000"))?;
            Ok((queue.trim().to_owned(), n))
        })
        .collect()
}

/// `id:base64(32 bytes)[,id:...]`.
pub fn parse_keys(v: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    v.split(',')
        .map(|entry| {
            let (id, b64) = entry
                .trim()
                .split_once(':')
                .ok_or_else(|| format!("entry {entry:?} is not `id:base64`"))?;
            let key = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|_| format!("key {id:?} is not valid base64"))?;
            if key.len() != 32 {
                return Err(format!(
                    "key {id:?} must decode to 32 bytes, got {}",
                    key.len()
                ));
            }
            Ok((id.to_owned(), key))
        })
        .collect()
}

/// Per-user limits of authenticated routes by class, requests per minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserRateLimitsPerMinute {
    /// `OMNICRM_RATE_LIMIT_USER_READ`.
    pub read: u32,
    /// `OMNICRM_RATE_LIMIT_USER_WRITE`.
    pub write: u32,
    /// `OMNICRM_RATE_LIMIT_USER_HEAVY`.
    pub heavy: u32,
}

impl UserRateLimitsPerMinute {
    /// `OMNICRM_RATE_LIMIT_USER` (600) is the default of each class; heavy defaults to a
    /// tenth of it.
    fn read(r: &mut Reader<'_>) -> Self {
        let user = r.per_minute("OMNICRM_RATE_LIMIT_USER", 600);
        Self {
            read: r.per_minute("OMNICRM_RATE_LIMIT_USER_READ", user),
            write: r.per_minute("OMNICRM_RATE_LIMIT_USER_WRITE", user),
            heavy: r.per_minute("OMNICRM_RATE_LIMIT_USER_HEAVY", (user / 10).max(1)),
        }
    }
}

/// `OMNICRM_ALLOWED_ORIGINS`: each entry an origin as browsers send it (`https://app.example`,
/// `http://localhost:5173`): a scheme, a host, an optional port, nothing else. `*` is refused:
/// credentials are allowed for listed origins only.
fn parse_origins(list: &str) -> Result<Vec<String>, String> {
    let mut origins = Vec::new();
    let mut bad = Vec::new();
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let entry = entry.trim_end_matches('/');
        let host = entry
            .strip_prefix("https://")
            .or_else(|| entry.strip_prefix("http://"));
        let valid = host.is_some_and(|host| {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        });
        if valid {
            origins.push(entry.to_ascii_lowercase());
        } else {
            bad.push(format!(
                "{entry:?} is not an origin like https://app.example or http://localhost:5173"
            ));
        }
    }
    if bad.is_empty() {
        Ok(origins)
    } else {
        Err(bad.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_phone_region_defaults_to_us_and_must_be_two_letters() {
        let region = |value: Option<&str>| {
            let pairs: Vec<(&str, &str)> = value
                .map(|v| vec![("OMNICRM_DEFAULT_PHONE_REGION", v)])
                .unwrap_or_default();
            Config::from_settings(&Settings::from_pairs(pairs), Purpose::Serve)
                .map(|c| c.default_phone_region)
                .map_err(|e| e.to_string())
        };
        assert_eq!(region(None).ok().as_deref(), Some("US"));
        assert_eq!(region(Some(" gb ")).ok().as_deref(), Some("GB"));
        assert!(
            region(Some("USA"))
                .err()
                .is_some_and(|e| e.contains("OMNICRM_DEFAULT_PHONE_REGION"))
        );
    }

    #[test]
    fn the_embedding_model_lives_in_the_data_dir_unless_named() {
        let cfg = |pairs: Vec<(&str, &str)>| {
            Config::from_settings(&Settings::from_pairs(pairs), Purpose::Serve)
                .map(|c| (c.embed_model_dir, c.vector_cache_mb))
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            cfg(vec![("OMNICRM_DATA_DIR", "/srv/crm")]).ok(),
            Some((PathBuf::from("/srv/crm/models/all-MiniLM-L6-v2"), 256))
        );
        assert_eq!(
            cfg(vec![
                ("OMNICRM_EMBED_MODEL_DIR", "/opt/minilm"),
                ("OMNICRM_VECTOR_CACHE_MB", "64")
            ])
            .ok(),
            Some((PathBuf::from("/opt/minilm"), 64))
        );
        assert!(
            cfg(vec![("OMNICRM_VECTOR_CACHE_MB", "lots")])
                .err()
                .is_some_and(|e| e.contains("OMNICRM_VECTOR_CACHE_MB"))
        );
    }

    #[test]
    fn defaults_select_the_embedded_database() {
        let cfg = Config::from_settings(&Settings::default(), Purpose::Serve).ok();
        let cfg = cfg.as_ref();
        assert_eq!(cfg.map(|c| c.database_url.is_none()), Some(true));
        assert_eq!(
            cfg.map(|c| c.public_url.as_str()),
            Some("http://127.0.0.1:8080")
        );
    }

    #[test]
    fn a_deployment_reports_every_problem_at_once() {
        let err = Config::from_settings(
            &Settings::from_pairs([
                ("DATABASE_URL", "postgres://app@db/omnicrm"),
                ("OMNICRM_BIND", "nowhere"),
                ("OMNICRM_DB_TIMEOUT", "soon"),
            ]),
            Purpose::Serve,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        for needle in [
            "OMNICRM_BIND",
            "OMNICRM_DB_TIMEOUT",
            "OMNICRM_JWT_SECRET",
            "OMNICRM_ENCRYPTION_KEYS",
        ] {
            assert!(err.contains(needle), "{needle} missing from {err}");
        }
    }

    #[test]
    fn every_kind_of_bad_value_is_reported_in_one_error_with_its_variable() {
        let err = Config::from_settings(
            &Settings::from_pairs([
                ("OMNICRM_DB_POOL_SIZE", "0"),
                ("OMNICRM_JOB_POLL", "0s"),
                ("OMNICRM_JOB_POLL_ONLY", "maybe"),
                ("OMNICRM_PUBLIC_URL", "example.com"),
                ("OMNICRM_WORKER_ADMIN_BIND", "9090"),
                ("OMNICRM_WORKER_CONCURRENCY", "default"),
                ("OMNICRM_ENCRYPTION_KEYS", "k1:AAAA"),
                ("OMNICRM_CRON_SECRET", "short"),
                ("OMNICRM_LOG_FORMAT", "xml"),
            ]),
            Purpose::Admin,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        let expected = [
            r#"OMNICRM_DB_POOL_SIZE: expected a number 1..=1000, got "0""#,
            r#"OMNICRM_JOB_POLL: expected a duration such as `2s` or `500ms`, got "0s""#,
            r#"OMNICRM_JOB_POLL_ONLY: expected true or false, got "maybe""#,
            r#"OMNICRM_PUBLIC_URL: must start with http:// or https://, got "example.com""#,
            r#"OMNICRM_WORKER_ADMIN_BIND: expected host:port, got "9090""#,
            r#"OMNICRM_WORKER_CONCURRENCY: entry "default" is not `queue=n`"#,
            r#"OMNICRM_ENCRYPTION_KEYS: key "k1" must decode to 32 bytes, got 3"#,
            "OMNICRM_CRON_SECRET: must be at least 16 characters",
            r#"OMNICRM_LOG_FORMAT: expected json or pretty, got "xml""#,
        ];
        assert!(err.starts_with("invalid configuration:\n  - "), "{err}");
        for line in expected {
            assert!(
                err.contains(&format!("\n  - {line}")),
                "{line:?} missing from {err}"
            );
        }
        assert_eq!(err.lines().count(), expected.len() + 1, "{err}");
    }

    #[test]
    fn require_if_match_is_off_by_default_and_a_checked_flag() {
        let read = |pairs: &[(&str, &str)]| {
            Config::from_settings(&Settings::from_pairs(pairs.iter().copied()), Purpose::Serve)
                .map(|c| c.require_if_match)
                .map_err(|e| e.to_string())
        };
        assert_eq!(read(&[]), Ok(false));
        assert_eq!(read(&[("OMNICRM_REQUIRE_IF_MATCH", "true")]), Ok(true));
        let err = read(&[("OMNICRM_REQUIRE_IF_MATCH", "sometimes")]).unwrap_err();
        assert!(err.contains("OMNICRM_REQUIRE_IF_MATCH"), "{err}");
    }

    #[test]
    fn public_rate_limit_and_trusted_proxies() {
        let cfg = Config::from_settings(&Settings::default(), Purpose::Serve).ok();
        assert_eq!(cfg.as_ref().map(|c| c.rate_limit_public), Some(5));
        assert_eq!(cfg.map(|c| c.trusted_proxies.len()), Some(0));
        let cfg = Config::from_settings(
            &Settings::from_pairs([
                ("OMNICRM_RATE_LIMIT_PUBLIC", "60"),
                ("OMNICRM_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"),
            ]),
            Purpose::Serve,
        )
        .ok();
        assert_eq!(cfg.as_ref().map(|c| c.rate_limit_public), Some(60));
        assert_eq!(cfg.map(|c| c.trusted_proxies.len()), Some(2));
        let err = Config::from_settings(
            &Settings::from_pairs([
                ("OMNICRM_RATE_LIMIT_PUBLIC", "0"),
                ("OMNICRM_TRUSTED_PROXIES", "proxy.local"),
            ]),
            Purpose::Serve,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("OMNICRM_RATE_LIMIT_PUBLIC"), "{err}");
        assert!(err.contains("OMNICRM_TRUSTED_PROXIES"), "{err}");
    }

    #[test]
    fn encryption_keys_need_32_bytes() {
        assert!(parse_keys("k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").is_ok());
        assert!(parse_keys("k1:AAAA").is_err());
        assert!(parse_keys("nocolon").is_err());
    }
}

#[cfg(test)]
mod jwt_tests {
    use super::*;

    #[test]
    fn a_jwks_url_replaces_the_secret_and_the_policy_has_defaults() {
        let deployed = |pairs: &[(&'static str, &'static str)]| {
            let mut all = vec![
                ("DATABASE_URL", "postgres://app@db/omnicrm"),
                (
                    "OMNICRM_ENCRYPTION_KEYS",
                    "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                ),
            ];
            all.extend_from_slice(pairs);
            Config::from_settings(&Settings::from_pairs(all), Purpose::Serve)
                .map_err(|e| e.to_string())
        };
        let cfg = deployed(&[(
            "OMNICRM_JWT_JWKS_URL",
            "https://p.supabase.co/auth/v1/.well-known/jwks.json",
        )]);
        let cfg = cfg.as_ref().ok();
        assert_eq!(cfg.map(|c| c.jwt_role.as_str()), Some("authenticated"));
        assert_eq!(
            cfg.map(|c| c.jwt_max_lifetime),
            Some(Duration::from_secs(86_400))
        );
        assert!(cfg.is_some_and(|c| c.jwt_secret.is_none()));
        let err = deployed(&[
            ("OMNICRM_JWT_JWKS_URL", "ftp://keys"),
            ("OMNICRM_JWT_MAX_LIFETIME", "forever"),
        ])
        .err()
        .unwrap_or_default();
        assert!(err.contains("OMNICRM_JWT_JWKS_URL"), "{err}");
        assert!(err.contains("OMNICRM_JWT_MAX_LIFETIME"), "{err}");
        let cfg = deployed(&[
            ("OMNICRM_JWT_JWKS_URL", "http://auth.internal/jwks"),
            ("OMNICRM_JWT_ROLE", "member"),
            ("OMNICRM_JWT_MAX_LIFETIME", "1h"),
        ]);
        assert_eq!(cfg.as_ref().map(|c| c.jwt_role.as_str()), Ok("member"));
        assert_eq!(
            cfg.map(|c| c.jwt_max_lifetime),
            Ok(Duration::from_secs(3600))
        );
    }
}

#[cfg(test)]
mod purpose_tests {
    use super::*;

    #[test]
    fn migrate_needs_no_secrets() {
        let settings = Settings::from_pairs([("DATABASE_URL", "postgres://owner@db/omnicrm")]);
        assert!(Config::from_settings(&settings, Purpose::Admin).is_ok());
        assert!(Config::from_settings(&settings, Purpose::Serve).is_err());
    }

    #[test]
    fn user_rate_limits_default_to_the_user_limit_with_per_class_overrides() {
        let limits = |pairs: Vec<(&str, &str)>| {
            Config::from_settings(&Settings::from_pairs(pairs), Purpose::Serve)
                .map(|c| c.rate_limit_user)
                .map_err(|e| e.to_string())
        };
        let defaults = UserRateLimitsPerMinute {
            read: 600,
            write: 600,
            heavy: 60,
        };
        assert_eq!(limits(vec![]), Ok(defaults));
        assert_eq!(
            limits(vec![
                ("OMNICRM_RATE_LIMIT_USER", "100"),
                ("OMNICRM_RATE_LIMIT_USER_WRITE", "30"),
            ]),
            Ok(UserRateLimitsPerMinute {
                read: 100,
                write: 30,
                heavy: 10,
            })
        );
        let err = limits(vec![("OMNICRM_RATE_LIMIT_USER_HEAVY", "0")]).unwrap_err();
        assert!(err.contains("OMNICRM_RATE_LIMIT_USER_HEAVY"), "{err}");
    }

    #[test]
    fn allowed_origins_are_origins_and_nothing_else() {
        let origins = |value: &str| {
            Config::from_settings(
                &Settings::from_pairs([("OMNICRM_ALLOWED_ORIGINS", value)]),
                Purpose::Serve,
            )
            .map(|c| c.allowed_origins)
            .map_err(|e| e.to_string())
        };
        assert_eq!(
            Config::from_settings(&Settings::default(), Purpose::Serve)
                .map(|c| c.allowed_origins)
                .ok(),
            Some(Vec::new())
        );
        assert_eq!(
            origins("https://App.example/, http://localhost:5173"),
            Ok(vec![
                "https://app.example".to_owned(),
                "http://localhost:5173".to_owned()
            ])
        );
        for bad in ["*", "app.example", "https://app.example/path", "ftp://x"] {
            let err = origins(bad).unwrap_err();
            assert!(err.contains("OMNICRM_ALLOWED_ORIGINS"), "{bad}: {err}");
        }
    }
}
