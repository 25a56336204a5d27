//! Pool construction with bounded waits: an unreachable database must answer 503 within
//! seconds, never hang a request.

use std::sync::Arc;
use std::time::Duration;

use deadpool::managed::{Hook, HookError, Metrics, QueueMode};
use diesel::ConnectionError;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use omnicrm_pgconn::PgTarget;

/// The pool type every service shares.
pub type PgPool = Pool<AsyncPgConnection>;

/// Pool and timeout settings (`OMNICRM_DB_POOL_SIZE`, `OMNICRM_DB_TIMEOUT`).
#[derive(Debug, Clone)]
pub struct DbSettings {
    /// Postgres URL (app role when serving).
    pub url: String,
    /// Maximum connections.
    pub pool_size: usize,
    /// Longest wait for a pooled connection, and the TCP connect timeout.
    pub connect_timeout: Duration,
    /// Server-side `statement_timeout`; also bounds a whole database operation client-side,
    /// so a silently dropped connection cannot hang a request.
    pub statement_timeout: Duration,
}

impl DbSettings {
    /// Settings with the documented defaults for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self {
            url: url.into(),
            pool_size: cores * 2 + 2,
            connect_timeout: Duration::from_secs(2),
            statement_timeout: Duration::from_secs(15),
        }
    }
}

/// Opens one connection to `url` with connect timeout, TCP keepalives and a statement
/// timeout, over TLS as its `sslmode` says (see `omnicrm-pgconn`).
pub fn connect(
    url: &str,
    connect_timeout: Duration,
    statement_timeout: Duration,
) -> BoxFuture<'static, Result<AsyncPgConnection, ConnectionError>> {
    let url = url.to_owned();
    async move {
        let target = PgTarget::load(&url)
            .await
            .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
        connect_to(&target, connect_timeout, statement_timeout).await
    }
    .boxed()
}

/// [`connect`] to an already parsed target (the pool parses its URL and reads
/// `sslrootcert` once, when it is built).
pub async fn connect_to(
    target: &PgTarget,
    connect_timeout: Duration,
    statement_timeout: Duration,
) -> Result<AsyncPgConnection, ConnectionError> {
    let mut config = target.config().clone();
    config
        .connect_timeout(connect_timeout)
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(5))
        .keepalives_interval(Duration::from_secs(1))
        .keepalives_retries(3)
        .tcp_user_timeout(connect_timeout + statement_timeout)
        .options(format!(
            "-c statement_timeout={}",
            statement_timeout.as_millis()
        ));
    if config.get_application_name().is_none() {
        config.application_name("omnicrm");
    }
    let connecting = config.connect(target.tls());
    let (client, connection) = tokio::time::timeout(connect_timeout, connecting)
        .await
        .map_err(|_| ConnectionError::BadConnection("connect timed out".to_owned()))?
        .map_err(|e| ConnectionError::BadConnection(omnicrm_pgconn::error_chain(&e)))?;
    AsyncPgConnection::try_from_client_and_connection(client, connection).await
}

/// A pooled connection last handed out longer ago than this (deadpool's `last_used`, which
/// counts from the checkout) is probed with a round trip before it is handed out again. One
/// handed out more recently gets the free check alone (its driver task has not seen the
/// socket close and no transaction was left open): a busy server does not pay a round trip
/// per checkout, and a connection that sat idle through a database restart or a network cut
/// is still caught before a request uses it. HikariCP's `aliveBypassWindowMs` makes the
/// same trade.
pub const PROBE_IDLE_AFTER: Duration = Duration::from_secs(1);

/// Builds the pool. Nothing connects until the first checkout, but the URL is parsed and
/// `sslrootcert` read now (startup), so a bad TLS setting fails here.
pub fn build_pool(settings: &DbSettings) -> anyhow_free::Result<PgPool> {
    let target = Arc::new(
        PgTarget::from_conn_str(&settings.url).map_err(|e| anyhow_free::Error(e.to_string()))?,
    );
    let connect_timeout = settings.connect_timeout;
    let statement_timeout = settings.statement_timeout;
    let mut manager_config = ManagerConfig::default();
    manager_config.recycling_method = RecyclingMethod::Fast;
    manager_config.custom_setup = Box::new(move |_url: &str| {
        let target = Arc::clone(&target);
        async move { connect_to(&target, connect_timeout, statement_timeout).await }.boxed()
    });
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
        settings.url.clone(),
        manager_config,
    );
    Pool::builder(manager)
        .max_size(settings.pool_size)
        .wait_timeout(Some(settings.connect_timeout))
        .create_timeout(Some(settings.connect_timeout))
        .recycle_timeout(Some(settings.connect_timeout))
        .runtime(deadpool::Runtime::Tokio1)
        // Most recently returned first: a light load keeps reusing a few warm connections
        // (which skip the idle probe) instead of cycling through all of them.
        .queue_mode(QueueMode::Lifo)
        .post_recycle(Hook::async_fn(move |conn, metrics| {
            Box::pin(probe_if_idle(conn, metrics, connect_timeout))
        }))
        .build()
        .map_err(|e| anyhow_free::Error(e.to_string()))
}

/// The probe of [`PROBE_IDLE_AFTER`]; an error makes the pool drop the connection and take
/// (or open) another.
async fn probe_if_idle<E>(
    conn: &mut AsyncPgConnection,
    metrics: &Metrics,
    timeout: Duration,
) -> Result<(), HookError<E>> {
    if metrics.last_used() < PROBE_IDLE_AFTER {
        return Ok(());
    }
    match tokio::time::timeout(timeout, conn.batch_execute("SELECT 1")).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(HookError::message("the connection failed its probe")),
        Err(_) => Err(HookError::message("the connection's probe timed out")),
    }
}

/// A minimal error for pool construction (keeps anyhow out of library signatures).
pub mod anyhow_free {
    /// Pool construction failed (bad configuration).
    #[derive(Debug, thiserror::Error)]
    #[error("cannot build the database pool: {0}")]
    pub struct Error(pub String);
    /// Result alias.
    pub type Result<T> = std::result::Result<T, Error>;
}
