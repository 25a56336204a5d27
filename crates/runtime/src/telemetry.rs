//! Tracing: `OMNICRM_LOG` filter, JSON off a TTY, pretty on one.
//!
//! Whatever the filter says, the PostgreSQL driver's debug and trace output stays off:
//! `tokio_postgres` logs every statement's parameter values at debug level (emails,
//! phones, names, token hashes), and logs must never carry them.

use std::io::IsTerminal;

use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, filter};

use crate::config::Config;

/// Installs the global subscriber (logs go to stderr).
pub fn init(config: &Config) {
    let json = match config.log_format.as_deref() {
        Some("json") => true,
        Some(_) => false,
        None => !std::io::stderr().is_terminal(),
    };
    init_with_writer(&config.log, json, std::io::stderr);
}

/// Installs the global subscriber with `directives` (an `OMNICRM_LOG` value), writing to
/// `writer` (tests capture it). Returns false when a subscriber was installed already.
pub fn init_with_writer<W>(directives: &str, json: bool, writer: W) -> bool
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let env = EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new("info"));
    let quiet_driver = filter::filter_fn(|meta| !is_driver_debug(meta));
    let layer = tracing_subscriber::fmt::layer().with_writer(writer);
    let layer = if json {
        layer.json().flatten_event(true).boxed()
    } else {
        layer.boxed()
    };
    tracing_subscriber::registry()
        .with(layer.with_filter(env).with_filter(quiet_driver))
        .try_init()
        .is_ok()
}

/// Debug or trace output of the PostgreSQL driver (statement parameters among it).
fn is_driver_debug(meta: &Metadata<'_>) -> bool {
    meta.target().starts_with("tokio_postgres") && *meta.level() > Level::INFO
}
