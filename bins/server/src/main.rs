//! `omnicrm-server`: serves the OmniCRM API (default), migrates, or mints a token.
//!
//! Without `DATABASE_URL` it runs on an embedded PostgreSQL cluster in
//! `$OMNICRM_DATA_DIR/pg`, so `cargo run -p omnicrm-server` is a working system.

mod serve;
mod token;

/// mimalloc instead of glibc's malloc: a list response allocates and frees thousands of
/// small strings across worker threads, and glibc's arenas spent a sixth of the server's CPU
/// on it (ADR 0005).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use omnicrm_runtime::{config, telemetry};

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Command line.
#[derive(Debug, Parser)]
#[command(name = "omnicrm-server", version, about = "OmniCRM API server")]
struct Cli {
    /// TOML file with settings (keys as the variable names, lower case, without `OMNICRM_`).
    #[arg(long, global = true, env = "OMNICRM_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print an access token for a user (stdout: exactly the token).
    Token {
        /// The user id (`sub`).
        #[arg(long)]
        user: uuid::Uuid,
        /// Lifetime, e.g. `1h`, `30m`, `7d`.
        #[arg(long, default_value = "1h")]
        ttl: humantime::Duration,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match config::Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(err) => return fail(&err),
    };
    let purpose = match cli.command {
        None | Some(Command::Serve) => config::Purpose::Serve,
        Some(_) => config::Purpose::Admin,
    };
    let config = match config::Config::from_settings(&settings, purpose) {
        Ok(c) => c,
        Err(err) => return fail(&err),
    };
    if let Some(Command::Token { user, ttl }) = &cli.command {
        return match token::print_token(&config, *user, (*ttl).into()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => fail(&err),
        };
    }
    telemetry::init(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => return fail(&err.into()),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Some(Command::Migrate) => serve::migrate_only(&config).await,
            _ => serve::serve(config).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fail(&err),
    }
}

fn fail(err: &anyhow::Error) -> ExitCode {
    eprintln!("omnicrm-server: {err:#}");
    ExitCode::FAILURE
}
