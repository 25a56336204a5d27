//! PostgreSQL connection strings as libpq reads them, TLS included: `sslmode`
//! (`disable`, `prefer` — the default —, `require`, `verify-ca`, `verify-full`) and
//! `sslrootcert` (a PEM file of CA certificates, or `system`), over rustls on ring.
//!
//! Every connection the services open goes through here: the pool (`omnicrm-repo`), the
//! migrations of both schemas and the job runner's `LISTEN` connection.

mod connector;
mod options;
mod verifiers;

use diesel::ConnectionError;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use tokio_postgres::config::Host;

pub use connector::{RustlsConnect, RustlsHandshake, RustlsStream};
pub use options::{OptionsError, RootCert, SslMode, TlsOptions};

/// A connection string that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// Bad TLS options.
    #[error(transparent)]
    Options(#[from] OptionsError),
    /// `sslrootcert` cannot be read or holds no usable CA certificate.
    #[error("{0}")]
    RootCert(String),
    /// tokio-postgres rejected the rest of the string.
    #[error("invalid connection string: {0}")]
    Config(#[from] tokio_postgres::Error),
}

/// A parsed connection string and the TLS connector for its `sslmode`; cheap to clone.
#[derive(Debug, Clone)]
pub struct PgTarget {
    config: tokio_postgres::Config,
    tls: RustlsConnect,
}

impl PgTarget {
    /// Parses `conn` (URL or key=value form) and reads `sslrootcert`: blocking file I/O,
    /// so call it at startup or on a blocking thread ([`PgTarget::load`] otherwise).
    pub fn from_conn_str(conn: &str) -> Result<Self, TargetError> {
        let options = TlsOptions::parse(conn)?;
        let mut config: tokio_postgres::Config = options.rest.parse()?;
        let only_unix_sockets = config
            .get_hosts()
            .iter()
            .all(|h| !matches!(h, Host::Tcp(_)));
        config.ssl_mode(match options.mode {
            // libpq ignores sslmode on Unix sockets, which never carry TLS.
            _ if only_unix_sockets && !config.get_hosts().is_empty() => {
                tokio_postgres::config::SslMode::Disable
            }
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                tokio_postgres::config::SslMode::Require
            }
        });
        let tls = RustlsConnect::new(&options)?;
        Ok(Self { config, tls })
    }

    /// [`PgTarget::from_conn_str`] off the async runtime.
    pub async fn load(conn: &str) -> Result<Self, TargetError> {
        let conn = conn.to_owned();
        tokio::task::spawn_blocking(move || Self::from_conn_str(&conn))
            .await
            .map_err(|e| TargetError::RootCert(e.to_string()))?
    }

    /// The tokio-postgres configuration (its `ssl_mode` already set).
    pub fn config(&self) -> &tokio_postgres::Config {
        &self.config
    }

    /// The TLS connector to pass to `Config::connect`.
    pub fn tls(&self) -> RustlsConnect {
        self.tls.clone()
    }

    /// One diesel connection, with no timeouts beyond the connection string's own.
    pub async fn establish(&self) -> Result<AsyncPgConnection, ConnectionError> {
        let (client, connection) = self
            .config
            .connect(self.tls())
            .await
            .map_err(|e| ConnectionError::BadConnection(error_chain(&e)))?;
        AsyncPgConnection::try_from_client_and_connection(client, connection).await
    }
}

/// Opens one diesel connection to `conn`.
pub async fn establish(conn: &str) -> Result<AsyncPgConnection, ConnectionError> {
    PgTarget::load(conn)
        .await
        .map_err(|e| ConnectionError::BadConnection(e.to_string()))?
        .establish()
        .await
}

/// Opens one synchronous diesel connection (for diesel's migration harness) from a
/// blocking thread of a Tokio runtime (`spawn_blocking`), whose runtime then drives it.
pub fn establish_blocking(
    conn: &str,
) -> Result<AsyncConnectionWrapper<AsyncPgConnection>, ConnectionError> {
    let target =
        PgTarget::from_conn_str(conn).map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
    let runtime = tokio::runtime::Handle::try_current()
        .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
    let connection = runtime.block_on(target.establish())?;
    Ok(AsyncConnectionWrapper::from(connection))
}

/// tokio-postgres's error with its sources ("error performing TLS handshake: invalid peer
/// certificate: UnknownIssuer"): the outer message alone does not say what went wrong.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
