//! `omnicrm-server token --user <uuid> [--ttl 1h]`: prints exactly the token and a newline.

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, bail};
use omnicrm_api::auth::{Claims, mint_token};
use time::OffsetDateTime;

use omnicrm_runtime::config::Config;
use omnicrm_runtime::embedded::Secrets;

/// Mints and prints a token; reads the secret from the configuration or the data dir.
pub fn print_token(config: &Config, user: uuid::Uuid, ttl: Duration) -> anyhow::Result<()> {
    let secret = match &config.jwt_secret {
        Some(s) => s.clone(),
        None => match Secrets::read_jwt_secret(&config.data_dir) {
            Some(s) => s.into_bytes(),
            None => bail!(
                "no JWT secret: set OMNICRM_JWT_SECRET, or start the server once so it generates one in {}",
                config.data_dir.join("secrets").display()
            ),
        },
    };
    let ttl_secs = i64::try_from(ttl.as_secs()).context("ttl too long")?;
    if ttl_secs == 0 {
        bail!("--ttl must be at least one second");
    }
    if ttl > config.jwt_max_lifetime {
        bail!(
            "--ttl {} is longer than OMNICRM_JWT_MAX_LIFETIME ({}): the server would refuse the token",
            humantime::format_duration(ttl),
            humantime::format_duration(config.jwt_max_lifetime)
        );
    }
    let mut claims = Claims::for_user(
        user,
        &config.jwt_audience,
        OffsetDateTime::now_utc(),
        ttl_secs,
    );
    claims.role = Some(config.jwt_role.clone());
    let token = mint_token(&secret, &claims);
    let mut out = std::io::stdout().lock();
    writeln!(out, "{token}")?;
    eprintln!(
        "token for user {user}, valid {}; send it as `Authorization: Bearer <token>`",
        humantime::format_duration(ttl)
    );
    Ok(())
}
