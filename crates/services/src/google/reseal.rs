//! Re-sealing stored Google tokens after a key rotation (docs/adr/0037).
//!
//! `OMNICRM_ENCRYPTION_KEYS` lists the current key first; a token sealed under an older id
//! keeps opening while that id stays listed. The `google.token_reseal` job
//! ([`crate::job_kinds::GoogleTokenReseal`]) walks every Google integration whose tokens are
//! not sealed under the current id and seals them again, one row per tenant transaction,
//! so the old key can then be removed. A token no configured key opens is never deleted
//! here: it is counted in the job's result, logged (user id and service, never the value)
//! and shown in the service's status as `lastError: "token_unreadable"`.

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_integrations::TokenVault;
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::integrations::{
    IntegrationsRepository, ResealCandidate, google_tokens_to_reseal,
};
use serde_json::json;

use super::{PROVIDER, sealed_for};

/// Integrations listed per page (each is then re-sealed in its own transaction).
pub const RESEAL_BATCH: i32 = 100;
/// The status code of an integration whose tokens no configured key opens.
pub const TOKEN_UNREADABLE: &str = "token_unreadable";

/// What one re-seal run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResealReport {
    /// The current key id the tokens are sealed under now.
    pub key_id: String,
    /// Integrations whose tokens were sealed again.
    pub resealed: u32,
    /// Integrations already current when their row was locked (a refresh or another run
    /// got there first).
    pub already_current: u32,
    /// Integrations whose tokens no configured key opens (left as they are; reconnect).
    pub unreadable: u32,
    /// Integrations deleted between listing and locking.
    pub gone: u32,
}

enum Outcome {
    Resealed,
    Current,
    Unreadable,
    Gone,
}

/// Whether any Google token is not sealed under `vault`'s current key (the start-up check
/// that enqueues the job). `false` without a key.
pub async fn reseal_needed(db: &Db, vault: &TokenVault) -> Result<bool, AppError> {
    let Some(current) = vault.current_key_id().map(str::to_owned) else {
        return Ok(false);
    };
    let found = db
        .unscoped(move |conn| {
            async move { google_tokens_to_reseal(conn, &current, None, 1).await }.boxed()
        })
        .await?;
    Ok(!found.is_empty())
}

/// Re-seals, under `vault`'s current key, every Google token sealed under another key id
/// (or in the original system's `v1:` form), `batch` integrations per page. Idempotent
/// (a current row is left alone) and resumable (a stopped run leaves the rest stale, and
/// the next run lists them again).
pub async fn reseal_tokens(
    db: &Db,
    vault: &TokenVault,
    batch: i32,
) -> Result<ResealReport, AppError> {
    let current = vault
        .current_key_id()
        .ok_or_else(|| AppError::internal("no encryption key is configured"))?
        .to_owned();
    let mut report = ResealReport {
        key_id: current.clone(),
        ..ResealReport::default()
    };
    let batch = batch.max(1);
    let mut after: Option<ResealCandidate> = None;
    loop {
        let key = current.clone();
        let from = after.take();
        let page = db
            .unscoped(move |conn| {
                async move { google_tokens_to_reseal(conn, &key, from.as_ref(), batch).await }
                    .boxed()
            })
            .await?;
        for candidate in &page {
            match reseal_one(db, vault, candidate).await? {
                Outcome::Resealed => report.resealed += 1,
                Outcome::Current => report.already_current += 1,
                Outcome::Unreadable => {
                    tracing::warn!(user = %candidate.user_id, service = %candidate.service,
                        "stored Google tokens open under no configured key; the user must reconnect");
                    report.unreadable += 1;
                }
                Outcome::Gone => report.gone += 1,
            }
        }
        if page.len() < usize::try_from(batch).unwrap_or(usize::MAX) {
            break;
        }
        after = page.last().cloned();
    }
    tracing::info!(
        key_id = %report.key_id,
        resealed = report.resealed,
        already_current = report.already_current,
        unreadable = report.unreadable,
        "Google tokens re-sealed under the current key"
    );
    Ok(report)
}

async fn reseal_one(
    db: &Db,
    vault: &TokenVault,
    candidate: &ResealCandidate,
) -> Result<Outcome, AppError> {
    let user = UserId::from(candidate.user_id);
    let service = candidate.service.clone();
    let vault = vault.clone();
    db.tenant(user, move |conn| {
        async move {
            // Locked: a refresh of the same row waits, then writes over the re-sealed
            // tokens with fresh ones sealed under the current key too.
            let Some(row) =
                IntegrationsRepository::find_for_update(conn, user, PROVIDER, &service).await?
            else {
                return Ok(Outcome::Gone);
            };
            let access = vault.open(
                sealed_for(user, &service, "access_token"),
                &row.access_token,
            );
            let refresh = row
                .refresh_token
                .as_deref()
                .map(|r| vault.open(sealed_for(user, &service, "refresh_token"), r))
                .transpose();
            let (Ok(access), Ok(refresh)) = (access, refresh) else {
                let recorded = row.config.get("lastError").and_then(|e| e.as_str());
                if recorded != Some(TOKEN_UNREADABLE) {
                    IntegrationsRepository::merge_config(
                        conn,
                        user,
                        PROVIDER,
                        &service,
                        json!({ "lastError": TOKEN_UNREADABLE }),
                    )
                    .await?;
                }
                return Ok(Outcome::Unreadable);
            };
            if !access.stale && refresh.as_ref().is_none_or(|r| !r.stale) {
                return Ok(Outcome::Current);
            }
            let sealed_access = vault
                .seal(sealed_for(user, &service, "access_token"), &access.secret)
                .map_err(AppError::internal)?;
            let sealed_refresh = refresh
                .map(|r| vault.seal(sealed_for(user, &service, "refresh_token"), &r.secret))
                .transpose()
                .map_err(AppError::internal)?;
            IntegrationsRepository::update_tokens(
                conn,
                user,
                PROVIDER,
                &service,
                &sealed_access,
                sealed_refresh.as_deref(),
                row.expiry_date,
            )
            .await?;
            Ok(Outcome::Resealed)
        }
        .boxed()
    })
    .await
}
