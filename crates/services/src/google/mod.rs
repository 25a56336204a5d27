//! Google connections: the OAuth connect and callback, status, disconnection, and the
//! token source every Gmail or Calendar call gets its access token from.
//!
//! Tokens exist in plaintext only in memory: they are sealed by the token vault before any
//! statement sees them (`omnicrm_integrations::vault`), and no log line carries one.

mod erasure_step;
pub mod normalise;
pub mod reseal;
mod state;
pub mod sync;

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_domain::google::{GoogleService, GoogleServiceStatus};
use omnicrm_integrations::google::oauth::Pkce;
use omnicrm_integrations::google::{Google, OAuthError, TokenGrant};
use omnicrm_integrations::{SealedFor, VaultError};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::integrations::{
    IntegrationRow, IntegrationTokens, IntegrationsRepository, OAuthStateRow, OAuthStatesRepository,
};
use serde_json::{Value, json};
use time::OffsetDateTime;

pub use erasure_step::GoogleGrantsStep;
pub use state::{STATE_TTL, StateError, StateSigner};

/// The `provider` column of Google rows.
pub const PROVIDER: &str = "google";
/// Access tokens this close to expiry are refreshed before use.
const REFRESH_MARGIN: time::Duration = time::Duration::seconds(120);

/// Where the browser goes after the callback: `?connected=<service>` or `?error=<code>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackOutcome {
    /// The absolute app URL with the outcome in its query.
    pub redirect_to: String,
}

/// Why no access token could be produced.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The service is not connected.
    #[error("not connected")]
    NotConnected,
    /// Google refused the refresh token; the integration is marked revoked.
    #[error("the grant was revoked")]
    Revoked,
    /// Google could not refresh now (transient: retry later).
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    /// A stored token does not open (key missing or value tampered).
    #[error("stored token does not open: {0}")]
    Vault(#[from] VaultError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] AppError),
}

fn sealed_for<'a>(user: UserId, service: &'a str, column: &'static str) -> SealedFor<'a> {
    SealedFor {
        user: user.into_uuid(),
        provider: PROVIDER,
        service,
        column,
    }
}

/// Google connections of users.
#[derive(Debug, Clone)]
pub struct GoogleIntegrationService {
    db: Db,
    google: Google,
    states: StateSigner,
}

impl GoogleIntegrationService {
    /// Wraps the database and the Google client; `states` signs OAuth `state` values.
    pub fn new(db: Db, google: Google, states: StateSigner) -> Self {
        Self { db, google, states }
    }

    /// The Google client.
    pub fn google(&self) -> &Google {
        &self.google
    }

    /// 503 `integration_not_configured` unless a client id is configured.
    pub fn ensure_configured(&self) -> Result<(), AppError> {
        if self.google.is_configured() {
            Ok(())
        } else {
            Err(
                AppError::new(omnicrm_problem::ErrorCode::IntegrationNotConfigured).with_detail(
                    "Google is not configured on this server (OMNICRM_GOOGLE_CLIENT_ID)",
                ),
            )
        }
    }

    /// Starts a connection: records a pending state with a fresh PKCE verifier and returns
    /// Google's consent URL.
    pub async fn connect(&self, user: UserId, service: GoogleService) -> Result<String, AppError> {
        self.ensure_configured()?;
        let pkce = Pkce::generate().map_err(AppError::internal)?;
        let id = uuid::Uuid::new_v4();
        let expires_at = OffsetDateTime::now_utc() + STATE_TTL;
        let state = self
            .states
            .sign(user, id, service, expires_at)
            .map_err(AppError::internal)?;
        let sealed_verifier = self
            .google
            .vault
            .seal(
                sealed_for(user, service.as_str(), "code_verifier"),
                &pkce.verifier,
            )
            .map_err(AppError::internal)?;
        let row = OAuthStateRow {
            user_id: user.into_uuid(),
            id,
            service: service.as_str().to_owned(),
            code_verifier: sealed_verifier,
            expires_at,
        };
        self.db
            .tenant(user, move |conn| {
                async move {
                    omnicrm_repo::tenants::ensure(conn, user).await?;
                    OAuthStatesRepository::insert(conn, &row).await
                }
                .boxed()
            })
            .await?;
        self.google
            .authorize_url(service.scopes(), &state, &pkce.challenge)
            .map_err(AppError::internal)
    }

    /// Finishes a connection from Google's redirect. Never fails: every outcome is a
    /// redirect to the app, and a forged, expired or replayed state connects nothing.
    pub async fn callback(
        &self,
        state: Option<&str>,
        code: Option<&str>,
        google_error: Option<&str>,
    ) -> CallbackOutcome {
        match self.finish(state, code, google_error).await {
            Ok(service) => self.outcome("connected", service.as_str()),
            Err(code) => {
                tracing::info!(outcome = code, "Google OAuth callback refused");
                self.outcome("error", code)
            }
        }
    }

    fn outcome(&self, key: &str, value: &str) -> CallbackOutcome {
        let base = self.google.config.app_url.trim_end_matches('/');
        let joiner = if base.contains('?') { '&' } else { '?' };
        CallbackOutcome {
            redirect_to: format!("{base}{joiner}{key}={value}"),
        }
    }

    async fn finish(
        &self,
        state: Option<&str>,
        code: Option<&str>,
        google_error: Option<&str>,
    ) -> Result<GoogleService, &'static str> {
        if !self.google.is_configured() {
            return Err("integration_not_configured");
        }
        let claims = self
            .states
            .verify(state.ok_or("invalid_state")?)
            .map_err(|e| match e {
                StateError::Expired => "state_expired",
                StateError::Invalid => "invalid_state",
            })?;
        let user = claims.user;
        let id = claims.id;
        // Taken (deleted) before anything else, so a state is spent even when the
        // exchange below fails: the browser starts over rather than replaying it.
        let row = self
            .db
            .tenant(user, move |conn| {
                async move { OAuthStatesRepository::take(conn, user, id).await }.boxed()
            })
            .await
            .map_err(|_| "temporarily_unavailable")?
            .ok_or("invalid_state")?;
        if row.service != claims.service.as_str() {
            return Err("invalid_state");
        }
        if row.expires_at <= OffsetDateTime::now_utc() {
            return Err("state_expired");
        }
        if google_error.is_some() {
            return Err("access_denied");
        }
        let code = code.filter(|c| !c.is_empty()).ok_or("missing_code")?;
        let service = claims.service;
        let verifier = self
            .google
            .vault
            .open(
                sealed_for(user, service.as_str(), "code_verifier"),
                &row.code_verifier,
            )
            .map_err(|_| "invalid_state")?
            .secret;
        let grant = self
            .google
            .exchange_code(code, &verifier)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "Google code exchange failed");
                "token_exchange_failed"
            })?;
        let info = self
            .google
            .userinfo(&grant.access_token)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "Google userinfo failed");
                "userinfo_failed"
            })?;
        self.save_grant(user, service, &grant, info.email.as_deref())
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "storing Google tokens failed");
                "storage_failed"
            })?;
        Ok(service)
    }

    /// Seals and stores a grant (a reconnect replaces the tokens and clears `revoked`).
    pub async fn save_grant(
        &self,
        user: UserId,
        service: GoogleService,
        grant: &TokenGrant,
        email: Option<&str>,
    ) -> Result<(), AppError> {
        let vault = &self.google.vault;
        let access = vault
            .seal(
                sealed_for(user, service.as_str(), "access_token"),
                &grant.access_token,
            )
            .map_err(AppError::internal)?;
        let refresh = grant
            .refresh_token
            .as_deref()
            .map(|r| vault.seal(sealed_for(user, service.as_str(), "refresh_token"), r))
            .transpose()
            .map_err(AppError::internal)?;
        let tokens = IntegrationTokens {
            user_id: user.into_uuid(),
            provider: PROVIDER.to_owned(),
            service: service.as_str().to_owned(),
            access_token: access,
            refresh_token: refresh,
            expiry_date: grant.expires_at,
            config: json!({ "email": email, "scopes": grant.scopes }),
        };
        let settings = self.google.config.sync.clone();
        self.db
            .tenant(user, move |conn| {
                async move {
                    omnicrm_repo::tenants::ensure(conn, user).await?;
                    IntegrationsRepository::upsert(conn, &tokens).await?;
                    sync::start_syncing(conn, &settings, user.into_uuid(), service).await
                }
                .boxed()
            })
            .await
    }

    /// Per service: connected or not, account, scopes, expiry, revocation, last error.
    pub async fn status(&self, user: UserId) -> Result<Vec<GoogleServiceStatus>, AppError> {
        self.ensure_configured()?;
        let (rows, cursors) = self
            .db
            .tenant(user, move |conn| {
                async move {
                    let rows = IntegrationsRepository::list(conn, user).await?;
                    let cursors =
                        omnicrm_repo::google_sync::cursors(conn, user.into_uuid()).await?;
                    Ok((rows, cursors))
                }
                .boxed()
            })
            .await?;
        let now = OffsetDateTime::now_utc();
        Ok(GoogleService::ALL
            .into_iter()
            .map(|service| {
                let row = rows
                    .iter()
                    .find(|r| r.provider == PROVIDER && r.service == service.as_str());
                let mut status = status_of(service, row);
                if let Some(c) = cursors.iter().find(|c| c.service == service.as_str()) {
                    status.last_successful_sync_at = c.cursor.last_success_at;
                    status.lag_seconds =
                        c.cursor.last_success_at.map(|t| (now - t).whole_seconds());
                    if status.last_error.is_none() {
                        status.last_error = c.cursor.last_error_code.clone();
                    }
                }
                status
            })
            .collect())
    }

    /// "Sync now": enqueues a sync of `service` (or finds the one already queued or
    /// running) and returns its job id. 404 when the service is not connected.
    pub async fn sync_now(
        &self,
        user: UserId,
        service: GoogleService,
    ) -> Result<uuid::Uuid, AppError> {
        use omnicrm_jobs::{EnqueueOptions, Job as _, enqueue};

        self.ensure_configured()?;
        self.db
            .tenant(user, move |conn| {
                async move {
                    let row = IntegrationsRepository::find(conn, user, PROVIDER, service.as_str())
                        .await?;
                    if row.as_ref().is_none_or(|r| is_revoked(&r.config)) {
                        return Err(AppError::not_found());
                    }
                    let job = crate::job_kinds::GoogleSync {
                        user_id: user.into_uuid(),
                        service,
                        trigger: sync::SyncTrigger::Manual,
                    };
                    let options = EnqueueOptions {
                        user_id: Some(user.into_uuid()),
                        ..EnqueueOptions::default()
                    };
                    if let Some(id) = enqueue(conn, &job, &options).await? {
                        return Ok(id);
                    }
                    let key = job.unique().map(|(k, _)| k).unwrap_or_default();
                    omnicrm_repo::google_sync::job_by_unique_key(conn, user.into_uuid(), &key)
                        .await?
                        .ok_or_else(|| AppError::contention("the queued sync just finished"))
                }
                .boxed()
            })
            .await
    }

    /// The Omni Connect dashboard: per service, the last success, lag, breaker, sync jobs
    /// by state and the recent runs with their ledgers.
    pub async fn dashboard(
        &self,
        user: UserId,
    ) -> Result<omnicrm_domain::google::ConnectDashboard, AppError> {
        use omnicrm_domain::google::{
            BreakerState, BreakerView, ConnectDashboard, ServiceDashboard, SyncJobCounts,
            SyncRunView,
        };
        use omnicrm_repo::google_sync as repo;

        let uid = user.into_uuid();
        let threshold =
            i32::try_from(self.google.config.sync.breaker_threshold).unwrap_or(i32::MAX);
        let statuses = self.status_rows(user).await?;
        let (cursors, per_service) = self
            .db
            .tenant(user, move |conn| {
                async move {
                    let cursors = repo::cursors(conn, uid).await?;
                    let mut per_service = Vec::new();
                    for service in GoogleService::ALL {
                        let runs = repo::recent_runs(conn, uid, service.as_str(), 10).await?;
                        let jobs =
                            repo::job_counts(conn, uid, &sync::concurrency_key(service, uid))
                                .await?;
                        per_service.push((service, runs, jobs));
                    }
                    Ok((cursors, per_service))
                }
                .boxed()
            })
            .await?;
        let now = OffsetDateTime::now_utc();
        let services = per_service
            .into_iter()
            .map(|(service, runs, (queued, running, failed))| {
                let cursor = cursors
                    .iter()
                    .find(|c| c.service == service.as_str())
                    .map(|c| c.cursor.clone());
                let row = statuses
                    .iter()
                    .find(|r| r.provider == PROVIDER && r.service == service.as_str());
                let status = status_of(service, row);
                let (failures, open_until) = cursor
                    .as_ref()
                    .map_or((0, None), |c| (c.breaker_failures, c.breaker_open_until));
                let state = match open_until {
                    Some(t) if t > now => BreakerState::Open,
                    _ if failures >= threshold => BreakerState::HalfOpen,
                    _ => BreakerState::Closed,
                };
                let last_success_at = cursor.as_ref().and_then(|c| c.last_success_at);
                ServiceDashboard {
                    service,
                    connected: status.connected,
                    revoked: status.revoked,
                    last_success_at,
                    lag_seconds: last_success_at.map(|t| (now - t).whole_seconds()),
                    last_error: status
                        .last_error
                        .or_else(|| cursor.as_ref().and_then(|c| c.last_error_code.clone())),
                    breaker: BreakerView {
                        state,
                        failures,
                        open_until: open_until.filter(|t| *t > now),
                    },
                    jobs: SyncJobCounts {
                        queued,
                        running,
                        failed,
                    },
                    recent_runs: runs
                        .into_iter()
                        .map(|r| SyncRunView {
                            id: r.id,
                            mode: r.mode,
                            trigger: r.trigger,
                            status: r.status,
                            started_at: r.started_at,
                            finished_at: r.finished_at,
                            listed: r.listed,
                            fetched: r.fetched,
                            imported: r.imported,
                            skipped: r.skipped,
                            failed: r.failed,
                            error_code: r.error_code,
                        })
                        .collect(),
                }
            })
            .collect();
        Ok(ConnectDashboard { services })
    }

    async fn status_rows(&self, user: UserId) -> Result<Vec<IntegrationRow>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { IntegrationsRepository::list(conn, user).await }.boxed()
            })
            .await
    }

    /// Revokes the grant at Google (best effort: the tokens are deleted either way) and
    /// deletes the stored tokens. 404 when the service is not connected.
    pub async fn disconnect(&self, user: UserId, service: GoogleService) -> Result<(), AppError> {
        self.ensure_configured()?;
        let row = self
            .db
            .tenant(user, move |conn| {
                async move {
                    IntegrationsRepository::find(conn, user, PROVIDER, service.as_str()).await
                }
                .boxed()
            })
            .await?
            .ok_or_else(AppError::not_found)?;
        self.revoke_row(user, &row).await;
        self.db
            .tenant(user, move |conn| {
                async move {
                    sync::stop_syncing(conn, user.into_uuid(), service).await?;
                    IntegrationsRepository::delete(conn, user, PROVIDER, service.as_str())
                        .await
                        .map(|_| ())
                }
                .boxed()
            })
            .await
    }

    /// The erasure seam: revokes every Google grant of `user` at Google (best effort) and
    /// deletes their sealed tokens and pending connections. Returns how many integrations
    /// were removed. Safe to call again (nothing left: 0).
    pub async fn forget_user(&self, user: UserId) -> Result<usize, AppError> {
        forget_google_grants(&self.db, &self.google, user).await
    }

    async fn revoke_row(&self, user: UserId, row: &IntegrationRow) {
        revoke_row(&self.google, user, row).await;
    }

    /// A valid access token for `service`, refreshed first when it expires within two
    /// minutes (the new token is sealed and stored). Google's `invalid_grant` marks the
    /// integration revoked.
    pub async fn access_token(
        &self,
        user: UserId,
        service: GoogleService,
    ) -> Result<String, TokenError> {
        access_token(&self.db, &self.google, user, service).await
    }
}

/// Revokes every Google grant of `user` and deletes their sealed tokens and pending
/// connections (erasure calls this through [`GoogleIntegrationService::forget_user`]).
pub async fn forget_google_grants(
    db: &Db,
    google: &Google,
    user: UserId,
) -> Result<usize, AppError> {
    let rows = db
        .tenant(user, move |conn| {
            async move { IntegrationsRepository::list(conn, user).await }.boxed()
        })
        .await?;
    for row in rows.iter().filter(|r| r.provider == PROVIDER) {
        revoke_row(google, user, row).await;
    }
    db.tenant(user, move |conn| {
        async move { IntegrationsRepository::delete_provider(conn, user, PROVIDER).await }.boxed()
    })
    .await
}

async fn revoke_row(google: &Google, user: UserId, row: &IntegrationRow) {
    // Revoking the refresh token ends the whole grant; the access token is the fallback.
    let token = row
        .refresh_token
        .as_deref()
        .map(|t| (t, "refresh_token"))
        .unwrap_or((row.access_token.as_str(), "access_token"));
    let Ok(opened) = google
        .vault
        .open(sealed_for(user, &row.service, token.1), token.0)
    else {
        tracing::warn!(service = %row.service, "stored Google token does not open; deleting without revoking");
        return;
    };
    if let Err(err) = google.revoke(&opened.secret).await {
        tracing::warn!(service = %row.service, error = %err, "revoking at Google failed; deleting the tokens anyway");
    }
}

/// See [`GoogleIntegrationService::access_token`].
pub async fn access_token(
    db: &Db,
    google: &Google,
    user: UserId,
    service: GoogleService,
) -> Result<String, TokenError> {
    let row = db
        .tenant(user, move |conn| {
            async move { IntegrationsRepository::find(conn, user, PROVIDER, service.as_str()).await }
                .boxed()
        })
        .await?
        .ok_or(TokenError::NotConnected)?;
    if is_revoked(&row.config) {
        return Err(TokenError::Revoked);
    }
    let svc = service.as_str();
    let fresh = row
        .expiry_date
        .is_some_and(|e| e > OffsetDateTime::now_utc() + REFRESH_MARGIN);
    if fresh {
        let opened = google
            .vault
            .open(sealed_for(user, svc, "access_token"), &row.access_token)?;
        if opened.stale {
            reseal(db, google, user, service, &row, &opened.secret).await?;
        }
        return Ok(opened.secret);
    }
    let Some(sealed_refresh) = row.refresh_token.as_deref() else {
        mark(db, user, service, true, "no_refresh_token").await?;
        return Err(TokenError::Revoked);
    };
    let refresh = google
        .vault
        .open(sealed_for(user, svc, "refresh_token"), sealed_refresh)?
        .secret;
    match google.refresh(&refresh).await {
        Ok(grant) => {
            let access = google
                .vault
                .seal(sealed_for(user, svc, "access_token"), &grant.access_token)?;
            let new_refresh = grant
                .refresh_token
                .as_deref()
                .map(|r| google.vault.seal(sealed_for(user, svc, "refresh_token"), r))
                .transpose()?;
            let expiry = grant.expires_at;
            db.tenant(user, move |conn| {
                async move {
                    IntegrationsRepository::update_tokens(
                        conn,
                        user,
                        PROVIDER,
                        service.as_str(),
                        &access,
                        new_refresh.as_deref(),
                        expiry,
                    )
                    .await
                }
                .boxed()
            })
            .await?;
            Ok(grant.access_token)
        }
        Err(OAuthError::InvalidGrant) => {
            mark(db, user, service, true, "invalid_grant").await?;
            Err(TokenError::Revoked)
        }
        Err(other) => {
            // Transient or not, the integration stays connected; status shows the failure.
            tracing::warn!(service = svc, error = %other, "refreshing a Google token failed");
            mark(db, user, service, false, other.code()).await?;
            Err(other.into())
        }
    }
}

/// Re-seals a row's tokens under the current key (a key rotation, or the original's `v1:`
/// format), the first time they are used after it.
async fn reseal(
    db: &Db,
    google: &Google,
    user: UserId,
    service: GoogleService,
    row: &IntegrationRow,
    access: &str,
) -> Result<(), TokenError> {
    let svc = service.as_str();
    let access = google
        .vault
        .seal(sealed_for(user, svc, "access_token"), access)?;
    let refresh = match row.refresh_token.as_deref() {
        Some(sealed) => {
            let opened = google
                .vault
                .open(sealed_for(user, svc, "refresh_token"), sealed)?;
            Some(
                google
                    .vault
                    .seal(sealed_for(user, svc, "refresh_token"), &opened.secret)?,
            )
        }
        None => None,
    };
    let expiry = row.expiry_date;
    db.tenant(user, move |conn| {
        async move {
            IntegrationsRepository::update_tokens(
                conn,
                user,
                PROVIDER,
                service.as_str(),
                &access,
                refresh.as_deref(),
                expiry,
            )
            .await
        }
        .boxed()
    })
    .await?;
    tracing::info!(
        service = svc,
        "re-sealed Google tokens under the current key"
    );
    Ok(())
}

/// Records `revoked` and the last error in the integration's `config`.
async fn mark(
    db: &Db,
    user: UserId,
    service: GoogleService,
    revoked: bool,
    error: impl Into<String>,
) -> Result<(), AppError> {
    let error: String = error.into();
    db.tenant(user, move |conn| {
        async move {
            let patch = json!({ "revoked": revoked, "lastError": error });
            if revoked {
                // A revoked grant syncs nothing: its schedule stops with it.
                sync::stop_syncing(conn, user.into_uuid(), service).await?;
            }
            IntegrationsRepository::merge_config(conn, user, PROVIDER, service.as_str(), patch)
                .await
                .map(|_| ())
        }
        .boxed()
    })
    .await
}

fn is_revoked(config: &Value) -> bool {
    config.get("revoked").and_then(Value::as_bool) == Some(true)
}

fn status_of(service: GoogleService, row: Option<&IntegrationRow>) -> GoogleServiceStatus {
    let Some(row) = row else {
        return GoogleServiceStatus {
            service,
            connected: false,
            revoked: false,
            email: None,
            scopes: Vec::new(),
            expires_at: None,
            connected_at: None,
            last_error: None,
            last_successful_sync_at: None,
            lag_seconds: None,
        };
    };
    let revoked = is_revoked(&row.config);
    GoogleServiceStatus {
        service,
        connected: !revoked,
        revoked,
        email: row
            .config
            .get("email")
            .and_then(Value::as_str)
            .map(str::to_owned),
        scopes: row
            .config
            .get("scopes")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        expires_at: row.expiry_date,
        connected_at: Some(row.created_at),
        last_error: row
            .config
            .get("lastError")
            .and_then(Value::as_str)
            .map(str::to_owned),
        last_successful_sync_at: None,
        lag_seconds: None,
    }
}
