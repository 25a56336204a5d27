//! Google's client as the server and the worker build it from the configuration.

use omnicrm_integrations::TokenVault;
use omnicrm_integrations::google::{Google, GoogleConfig};

use crate::config::Config;

/// Google's client from `OMNICRM_GOOGLE_*`, with a token vault over `keys` (every
/// `OMNICRM_ENCRYPTION_KEYS` entry, current first, so values sealed under an older key
/// still open until the re-seal).
pub fn client(config: &Config, keys: &[(String, Vec<u8>)]) -> Google {
    let g = &config.google;
    Google::new(
        TokenVault::new(keys),
        GoogleConfig {
            client_id: g.client_id.clone(),
            client_secret: g.client_secret.clone(),
            oauth_base: g.oauth_base.clone(),
            api_base: g.api_base.clone(),
            redirect_uri: format!(
                "{}/api/v1/google/callback",
                config.public_url.trim_end_matches('/')
            ),
            app_url: g.app_url.clone(),
            timeout: g.timeout,
            sync: omnicrm_integrations::google::SyncSettings {
                gmail_backfill_days: g.gmail_backfill_days,
                ..Default::default()
            },
        },
    )
}
