//! The Gmail and Calendar syncs (job kind `google.sync`, docs/adr/0029).
//!
//! One run per user and service at a time (concurrency key `google-sync:<service>:<user>`,
//! shared by the recurring schedule and "sync now"). A run reads page after page; each
//! page's items are upserted into `raw_events` and the run's position (the next page
//! token) is checkpointed **in the same transaction**, so a retry or a new worker after a
//! `kill -9` resumes at the first page not stored, and a page done twice writes nothing
//! twice (the upsert skips identical payloads).
//!
//! * Gmail: a full run lists `after:<start − backfill days>` and fetches each page's
//!   messages through Gmail's batch endpoint (`gmail_batch_size` per request, falling back
//!   to single `messages.get`, `fetch_concurrency` at once, when a batch is refused or
//!   unreadable; ADR 0037), its cursor is the mailbox's history id taken
//!   when it started; an incremental run reads `history.list` from the cursor; a 404
//!   (history no longer kept) turns the run into a full one.
//! * Calendar: a full run lists single events over −180/+365 days from its start; an
//!   incremental one lists changes since the sync token (cancelled events included); a
//!   410 turns the run into a full one.
//! * 429 and 5xx snooze the job for Google's `Retry-After` (or the default backoff) and
//!   count against the service's circuit breaker, which opens after `breaker_threshold`
//!   consecutive failures: the job then snoozes until the cool-down ends and its next call
//!   is the probe (a success closes the breaker, a failure opens it again).
//! * `invalid_grant` marks the integration revoked and stops its schedule.
//!
//! Memory is bounded by the page size: ids of one page, and at most `UPSERT_CHUNK`
//! fetched messages at a time.

use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use omnicrm_domain::UserId;
use omnicrm_domain::google::GoogleService;
use omnicrm_integrations::google::batch::MAX_BATCH;
use omnicrm_integrations::google::{ApiError, EventsQuery, Google};
use omnicrm_jobs::JobError;
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::google_sync::{self as repo, PageCounts, RawItem, SyncCursor};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::TokenError;

/// Fetched messages stored per statement (the rest of a page waits in the stream).
const UPSERT_CHUNK: usize = 100;

/// What started a run (the ledger's `trigger`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncTrigger {
    /// The recurring schedule.
    Schedule,
    /// `POST /google/{service}/sync`.
    Manual,
    /// The OAuth callback (the first sync after connecting).
    Connect,
}

impl SyncTrigger {
    /// Stored spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Schedule => "schedule",
            Self::Manual => "manual",
            Self::Connect => "connect",
        }
    }
}

/// The concurrency key every sync of `service` for `user` shares.
pub fn concurrency_key(service: GoogleService, user: Uuid) -> String {
    format!("google-sync:{}:{user}", service.as_str())
}

/// The name of the recurring schedule of `service` for `user`.
pub fn schedule_name(service: GoogleService, user: Uuid) -> String {
    concurrency_key(service, user)
}

/// Why a run stopped early.
enum Stop {
    /// Back later (snooze without spending an attempt).
    Snooze(Duration, &'static str),
    /// Not connected, or Google revoked the grant: the run ends, nothing to retry.
    Ended(&'static str),
    /// A failure retrying cannot fix.
    Permanent(&'static str),
    /// The database (retry with backoff).
    Db(AppError),
}

impl From<AppError> for Stop {
    fn from(e: AppError) -> Self {
        Self::Db(e)
    }
}

/// A run's context.
struct Run<'a> {
    db: &'a Db,
    google: &'a Google,
    user: UserId,
    service: GoogleService,
    run_id: Uuid,
    started_at: OffsetDateTime,
}

/// Runs (or resumes) the sync of `service` for `user` as job `job_id`; the value is the
/// job's result.
pub async fn run_sync(
    db: &Db,
    google: &Google,
    user: UserId,
    service: GoogleService,
    trigger: SyncTrigger,
    job_id: Uuid,
) -> Result<Value, JobError> {
    match run_inner(db, google, user, service, trigger, job_id).await {
        Ok(v) => Ok(v),
        Err(Stop::Snooze(after, reason)) => Err(JobError::Snooze {
            after,
            reason: reason.to_owned(),
        }),
        Err(Stop::Ended(code)) => Ok(json!({ "service": service.as_str(), "ended": code })),
        Err(Stop::Permanent(code)) => Err(JobError::permanent(code)),
        Err(Stop::Db(e)) => Err(JobError::retry(e)),
    }
}

async fn run_inner(
    db: &Db,
    google: &Google,
    user: UserId,
    service: GoogleService,
    trigger: SyncTrigger,
    job_id: Uuid,
) -> Result<Value, Stop> {
    let uid = user.into_uuid();
    let svc = service.as_str();
    let state: SyncCursor = db
        .tenant(user, move |conn| {
            async move {
                omnicrm_repo::tenants::ensure(conn, user).await?;
                repo::cursor(conn, uid, svc).await
            }
            .boxed()
        })
        .await?;
    if let Some(until) = state.breaker_open_until {
        let now = OffsetDateTime::now_utc();
        if until > now {
            return Err(Stop::Snooze(to_std(until - now), "circuit breaker open"));
        }
    }
    // The token first: a revoked or missing grant ends here without opening a run.
    let token = token(db, google, user, service, state.run_id).await?;
    let (run_id, mode, start_cursor) = match (state.run_id, state.run_mode.clone()) {
        (Some(run_id), Some(mode)) => {
            db.tenant(user, move |conn| {
                async move { repo::adopt_run(conn, uid, run_id, job_id).await }.boxed()
            })
            .await?;
            tracing::info!(service = svc, %run_id, "resuming a Google sync from its checkpoint");
            (run_id, mode, state.run_start_cursor.clone())
        }
        _ => {
            let run_id = Uuid::now_v7();
            let mode = if state.cursor.is_some() {
                "incremental"
            } else {
                "full"
            };
            let start_cursor = if service == GoogleService::Gmail && mode == "full" {
                let api = google.api().clone();
                Some(
                    call(
                        db,
                        google,
                        user,
                        service,
                        |t| {
                            let api = api.clone();
                            async move { api.gmail_history_id(&t).await }
                        },
                        &token,
                    )
                    .await?
                    .to_string(),
                )
            } else {
                None
            };
            let sc = start_cursor.clone();
            db.tenant(user, move |conn| {
                async move {
                    repo::start_run(
                        conn,
                        uid,
                        svc,
                        run_id,
                        mode,
                        trigger.as_str(),
                        job_id,
                        sc.as_deref(),
                    )
                    .await
                }
                .boxed()
            })
            .await?;
            (run_id, mode.to_owned(), start_cursor)
        }
    };
    let started_at = db
        .tenant(user, move |conn| {
            async move { repo::run(conn, uid, run_id).await }.boxed()
        })
        .await?
        .map_or_else(OffsetDateTime::now_utc, |r| r.started_at);
    let run = Run {
        db,
        google,
        user,
        service,
        run_id,
        started_at,
    };
    let outcome = match service {
        GoogleService::Gmail => {
            gmail(
                &run,
                &mode,
                state.cursor.clone(),
                start_cursor,
                state.page_token.clone(),
            )
            .await
        }
        GoogleService::Calendar => {
            calendar(&run, &mode, state.cursor.clone(), state.page_token.clone()).await
        }
    };
    match outcome {
        Ok(cursor) => {
            let c = cursor.clone();
            db.tenant(user, move |conn| {
                async move { repo::finish_run(conn, uid, svc, run_id, c.as_deref()).await }.boxed()
            })
            .await?;
            let ledger = db
                .tenant(user, move |conn| {
                    async move { repo::run(conn, uid, run_id).await }.boxed()
                })
                .await?;
            tracing::info!(service = svc, %run_id, "Google sync finished");
            Ok(json!({
                "service": svc,
                "runId": run_id,
                "listed": ledger.as_ref().map_or(0, |l| l.listed),
                "fetched": ledger.as_ref().map_or(0, |l| l.fetched),
            }))
        }
        Err(Stop::Ended(code)) | Err(Stop::Permanent(code)) => {
            db.tenant(user, move |conn| {
                async move { repo::abandon_run(conn, uid, svc, run_id, "failed", code).await }
                    .boxed()
            })
            .await?;
            tracing::warn!(service = svc, %run_id, code, "Google sync ended without finishing");
            Err(Stop::Ended(code))
        }
        Err(other) => Err(other),
    }
}

/// An access token from our token source; a revoked grant stops the schedule.
async fn token(
    db: &Db,
    google: &Google,
    user: UserId,
    service: GoogleService,
    run_id: Option<Uuid>,
) -> Result<String, Stop> {
    let uid = user.into_uuid();
    let svc = service.as_str();
    match super::access_token(db, google, user, service).await {
        Ok(t) => Ok(t),
        Err(TokenError::Revoked | TokenError::NotConnected) => {
            db.tenant(user, move |conn| {
                async move {
                    omnicrm_jobs::delete_schedule(conn, &schedule_name(service, uid))
                        .await
                        .map_err(AppError::from)?;
                    repo::record_error(conn, uid, svc, "revoked").await?;
                    if let Some(run_id) = run_id {
                        repo::abandon_run(conn, uid, svc, run_id, "failed", "revoked").await?;
                    }
                    Ok(())
                }
                .boxed()
            })
            .await?;
            tracing::warn!(
                service = svc,
                "Google grant revoked or gone; sync schedule stopped"
            );
            Err(Stop::Ended("revoked"))
        }
        Err(TokenError::Vault(_)) => Err(Stop::Ended("token_unreadable")),
        Err(TokenError::OAuth(e)) => {
            let code = e.code();
            failure(db, google, user, service, "google_token_endpoint", None).await?;
            tracing::warn!(
                service = svc,
                error = code,
                "refreshing the Google token failed"
            );
            Err(Stop::Snooze(
                google.config.sync.default_backoff,
                "token refresh failed",
            ))
        }
        Err(TokenError::Db(e)) => Err(Stop::Db(e)),
    }
}

/// Counts a failed call against the breaker; the snooze to take.
async fn failure(
    db: &Db,
    google: &Google,
    user: UserId,
    service: GoogleService,
    code: &'static str,
    retry_after: Option<Duration>,
) -> Result<Duration, Stop> {
    let uid = user.into_uuid();
    let svc = service.as_str();
    let settings = google.config.sync.clone();
    let threshold = i32::try_from(settings.breaker_threshold).unwrap_or(i32::MAX);
    let cooldown = settings.breaker_cooldown;
    let open_until = db
        .tenant(user, move |conn| {
            async move { repo::record_failure(conn, uid, svc, code, threshold, cooldown).await }
                .boxed()
        })
        .await?;
    let wait = retry_after.unwrap_or(settings.default_backoff);
    Ok(match open_until {
        Some(until) if until > OffsetDateTime::now_utc() => {
            tracing::warn!(service = svc, code, "Google circuit breaker open");
            wait.max(to_std(until - OffsetDateTime::now_utc()))
        }
        _ => wait,
    })
}

/// One API call with the run's failure policy: a refused token is refreshed once (a
/// revoked grant ends the run), transient failures snooze and feed the breaker.
async fn call<T, F, Fut>(
    db: &Db,
    google: &Google,
    user: UserId,
    service: GoogleService,
    f: F,
    token: &str,
) -> Result<T, Stop>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let mut token = token.to_owned();
    let mut refreshed = false;
    loop {
        match f(token.clone()).await {
            Ok(v) => return Ok(v),
            Err(ApiError::Unauthorized) if !refreshed => {
                refreshed = true;
                let uid = user.into_uuid();
                let svc = service.as_str();
                db.tenant(user, move |conn| {
                    async move { repo::expire_access_token(conn, uid, svc).await }.boxed()
                })
                .await?;
                token = self::token(db, google, user, service, None).await?;
            }
            Err(e) if e.is_transient() => {
                let wait = failure(db, google, user, service, e.code(), e.retry_after()).await?;
                return Err(Stop::Snooze(wait, e.code()));
            }
            Err(e @ (ApiError::NotFound | ApiError::Gone)) => return Err(expired(&e)),
            Err(e) => {
                let uid = user.into_uuid();
                let svc = service.as_str();
                let code = e.code();
                db.tenant(user, move |conn| {
                    async move { repo::record_error(conn, uid, svc, code).await }.boxed()
                })
                .await?;
                return Err(Stop::Permanent(code));
            }
        }
    }
}

/// 404/410 reach the caller as this marker (the cursor expired; the caller resyncs).
fn expired(e: &ApiError) -> Stop {
    Stop::Permanent(e.code())
}

fn is_expired(stop: &Stop) -> bool {
    matches!(stop, Stop::Permanent(c) if *c == ApiError::NotFound.code() || *c == ApiError::Gone.code())
}

/// Stores one chunk of items and, when `checkpoint` is given, the run's next position
/// with the page's counts, in one transaction.
async fn store(
    run: &Run<'_>,
    provider: &'static str,
    items: Vec<RawItem>,
    checkpoint: Option<(Option<String>, PageCounts)>,
) -> Result<repo::UpsertOutcome, Stop> {
    let user = run.user;
    let uid = user.into_uuid();
    let svc = run.service.as_str();
    let run_id = run.run_id;
    Ok(run
        .db
        .tenant(run.user, move |conn| {
            async move {
                let outcome = repo::upsert_raw_events(conn, uid, provider, run_id, &items).await?;
                // Normalisation reads what this transaction wrote, so it is enqueued with it:
                // a crash between the two cannot leave stored events that nobody normalises.
                if outcome.inserted + outcome.updated > 0 {
                    crate::google::normalise::enqueue_normalise(conn, user, run_id).await?;
                }
                if let Some((next, mut counts)) = checkpoint {
                    counts
                        .skipped
                        .push(("unchanged".to_owned(), outcome.unchanged));
                    repo::save_page(conn, uid, svc, run_id, next.as_deref(), &counts).await?;
                }
                Ok(outcome)
            }
            .boxed()
        })
        .await?)
}

/// Fetches `ids`: one request to Gmail's batch endpoint when there are two or more, else
/// a single `messages.get`. When the batch endpoint fails for a reason retrying will not
/// fix (a refused or unreadable batch answer), or leaves an id unanswered, those messages
/// are fetched singly (`concurrency` at once); a transient failure or a refused token
/// answers every id with it (the page is read again later).
async fn fetch_messages(
    api: &omnicrm_integrations::google::GoogleApi,
    token: &str,
    ids: &[String],
    concurrency: usize,
) -> Vec<Result<Value, ApiError>> {
    let mut results: Vec<Result<Value, ApiError>> = if ids.len() >= 2 {
        match api.gmail_messages_batch(token, ids).await {
            Ok(results) => results,
            Err(e @ ApiError::Unauthorized) => return ids.iter().map(|_| Err(e.clone())).collect(),
            Err(e) if e.is_transient() => return ids.iter().map(|_| Err(e.clone())).collect(),
            Err(e) => {
                tracing::info!(error = e.code(), "Gmail batch refused; fetching singly");
                ids.iter().map(|_| Err(ApiError::Decode)).collect()
            }
        }
    } else {
        ids.iter().map(|_| Err(ApiError::Decode)).collect()
    };
    let missing: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r, Err(ApiError::Decode)))
        .map(|(i, _)| i)
        .collect();
    let singles: Vec<(usize, Result<Value, ApiError>)> =
        futures_util::stream::iter(missing.into_iter().map(|i| {
            let id = ids[i].clone();
            async move { (i, api.gmail_message(token, &id).await) }
        }))
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    for (i, result) in singles {
        results[i] = result;
    }
    results
}

/// Fetches `ids` concurrently and stores them in chunks; the last chunk carries the
/// checkpoint. Returns nothing: the counts are in the ledger.
async fn fetch_and_store(
    run: &Run<'_>,
    token: &str,
    ids: Vec<String>,
    next: Option<String>,
) -> Result<(), Stop> {
    let mut ids = ids;
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    let listed = i32::try_from(ids.len()).unwrap_or(i32::MAX);
    let api = run.google.api().clone();
    let concurrency = run.google.config.sync.fetch_concurrency.max(1);
    let mut counts = PageCounts {
        listed,
        ..PageCounts::default()
    };
    let mut gone = 0;
    let batch_size = run.google.config.sync.gmail_batch_size.min(MAX_BATCH);
    let chunks: Vec<Vec<String>> = if batch_size >= 2 {
        ids.chunks(batch_size).map(<[String]>::to_vec).collect()
    } else {
        ids.into_iter().map(|id| vec![id]).collect()
    };
    // Batches of 50 stand for 50 fetches each: fewer of them at once keeps as many
    // messages in flight as single fetches did.
    let at_once = if batch_size >= 2 {
        concurrency.div_ceil(8).max(1)
    } else {
        concurrency
    };
    let mut stream = futures_util::stream::iter(chunks.into_iter().map(|chunk| {
        let api = api.clone();
        let token = token.to_owned();
        async move { fetch_messages(&api, &token, &chunk, concurrency).await }
    }))
    .buffer_unordered(at_once)
    .flat_map(futures_util::stream::iter);
    let mut chunk: Vec<RawItem> = Vec::with_capacity(UPSERT_CHUNK);
    let mut transient: Option<ApiError> = None;
    let mut unauthorized = false;
    while let Some(result) = stream.next().await {
        match result {
            Ok(message) => {
                let Some(item) = gmail_item(message) else {
                    counts.failed += 1;
                    continue;
                };
                counts.fetched += 1;
                chunk.push(item);
                if chunk.len() >= UPSERT_CHUNK {
                    let items = std::mem::take(&mut chunk);
                    // Stored at once (bounded memory); counted with the page's checkpoint.
                    let o = store(run, "gmail", items, None).await?;
                    counts.skipped.push(("unchanged".to_owned(), o.unchanged));
                }
            }
            Err(ApiError::NotFound) => gone += 1,
            Err(ApiError::Unauthorized) => unauthorized = true,
            Err(e) if e.is_transient() => {
                transient.get_or_insert(e);
            }
            Err(_) => counts.failed += 1,
        }
    }
    if unauthorized {
        // The token was refused mid-page: the next run refreshes it and redoes the page.
        let (uid, svc) = (run.user.into_uuid(), run.service.as_str());
        run.db
            .tenant(run.user, move |conn| {
                async move { repo::expire_access_token(conn, uid, svc).await }.boxed()
            })
            .await?;
        return Err(Stop::Snooze(
            Duration::from_millis(100),
            "access token refused",
        ));
    }
    if let Some(e) = transient {
        // The page is not checkpointed: it is read again (what was stored is skipped).
        let wait = failure(
            run.db,
            run.google,
            run.user,
            run.service,
            e.code(),
            e.retry_after(),
        )
        .await?;
        return Err(Stop::Snooze(wait, e.code()));
    }
    counts.skipped.push(("gone".to_owned(), gone));
    store(run, "gmail", chunk, Some((next, counts))).await?;
    Ok(())
}

async fn gmail(
    run: &Run<'_>,
    mode: &str,
    cursor: Option<String>,
    start_cursor: Option<String>,
    mut page: Option<String>,
) -> Result<Option<String>, Stop> {
    let (db, google, user, service) = (run.db, run.google, run.user, run.service);
    let settings = google.config.sync.clone();
    let mut full = mode == "full";
    let mut start_cursor = start_cursor;
    let after = run.started_at - time::Duration::days(i64::from(settings.gmail_backfill_days));
    let q = format!("after:{}", after.unix_timestamp());
    loop {
        let token = token(db, google, user, service, Some(run.run_id)).await?;
        if full {
            let api = google.api().clone();
            let p = page.clone();
            let q = q.clone();
            let list = call(
                db,
                google,
                user,
                service,
                |t| {
                    let (api, p, q) = (api.clone(), p.clone(), q.clone());
                    async move {
                        api.gmail_list(&t, &q, p.as_deref(), settings.page_size)
                            .await
                    }
                },
                &token,
            )
            .await?;
            let next = list.next_page_token.clone();
            fetch_and_store(run, &token, list.ids, next.clone()).await?;
            match next {
                Some(n) => page = Some(n),
                None => return Ok(start_cursor),
            }
        } else {
            let since: u64 = cursor
                .as_deref()
                .and_then(|c| c.parse().ok())
                .unwrap_or_default();
            let api = google.api().clone();
            let p = page.clone();
            let result = call(
                db,
                google,
                user,
                service,
                |t| {
                    let (api, p) = (api.clone(), p.clone());
                    async move {
                        api.gmail_history(&t, since, p.as_deref(), settings.page_size)
                            .await
                    }
                },
                &token,
            )
            .await;
            let history = match result {
                Ok(h) => h,
                Err(stop) if is_expired(&stop) => {
                    tracing::info!(service = "gmail", "history expired at Google; full resync");
                    let api = google.api().clone();
                    let hid = call(
                        db,
                        google,
                        user,
                        service,
                        |t| {
                            let api = api.clone();
                            async move { api.gmail_history_id(&t).await }
                        },
                        &token,
                    )
                    .await?
                    .to_string();
                    let (uid, run_id, h) = (user.into_uuid(), run.run_id, hid.clone());
                    db.tenant(user, move |conn| {
                        async move {
                            repo::restart_full(conn, uid, "gmail", run_id, Some(&h)).await
                        }
                        .boxed()
                    })
                    .await?;
                    full = true;
                    page = None;
                    start_cursor = Some(hid);
                    continue;
                }
                Err(stop) => return Err(stop),
            };
            let next = history.next_page_token.clone();
            fetch_and_store(run, &token, history.ids, next.clone()).await?;
            match next {
                Some(n) => page = Some(n),
                None => {
                    return Ok(history.history_id.map(|h| h.to_string()).or(cursor));
                }
            }
        }
    }
}

async fn calendar(
    run: &Run<'_>,
    mode: &str,
    cursor: Option<String>,
    mut page: Option<String>,
) -> Result<Option<String>, Stop> {
    let (db, google, user, service) = (run.db, run.google, run.user, run.service);
    let settings = google.config.sync.clone();
    let page_size = i32::try_from(settings.page_size).unwrap_or(250);
    let mut query = match (mode, cursor) {
        ("incremental", Some(token)) => EventsQuery::Since(token),
        _ => window(run, &settings),
    };
    loop {
        let token = token(db, google, user, service, Some(run.run_id)).await?;
        let api = google.api().clone();
        let (p, q) = (page.clone(), query.clone());
        let result = call(
            db,
            google,
            user,
            service,
            |t| {
                let (api, p, q) = (api.clone(), p.clone(), q.clone());
                async move { api.calendar_events(&t, &q, p.as_deref(), page_size).await }
            },
            &token,
        )
        .await;
        let events = match result {
            Ok(e) => e,
            Err(stop) if is_expired(&stop) && matches!(query, EventsQuery::Since(_)) => {
                tracing::info!(
                    service = "calendar",
                    "sync token expired at Google; full resync"
                );
                let (uid, run_id) = (user.into_uuid(), run.run_id);
                db.tenant(user, move |conn| {
                    async move { repo::restart_full(conn, uid, "calendar", run_id, None).await }
                        .boxed()
                })
                .await?;
                query = window(run, &settings);
                page = None;
                continue;
            }
            Err(stop) => return Err(stop),
        };
        let listed = i32::try_from(events.items.len()).unwrap_or(i32::MAX);
        let mut items: Vec<RawItem> = Vec::with_capacity(events.items.len());
        let mut failed = 0;
        for event in events.items {
            match calendar_item(event) {
                Some(item) => items.push(item),
                None => failed += 1,
            }
        }
        // An event listed twice on one page (it cannot be upserted twice in one statement)
        // keeps its last version.
        let mut seen = std::collections::HashSet::new();
        items.reverse();
        items.retain(|i| seen.insert(i.source_id.clone()));
        items.reverse();
        let counts = PageCounts {
            listed,
            fetched: i32::try_from(items.len()).unwrap_or(i32::MAX),
            failed,
            skipped: Vec::new(),
        };
        let next = events.next_page_token.clone();
        store(run, "calendar", items, Some((next.clone(), counts))).await?;
        match next {
            Some(n) => page = Some(n),
            None => return Ok(events.next_sync_token),
        }
    }
}

fn window(run: &Run<'_>, settings: &omnicrm_integrations::google::SyncSettings) -> EventsQuery {
    EventsQuery::Window {
        time_min: run.started_at - time::Duration::days(i64::from(settings.calendar_past_days)),
        time_max: run.started_at + time::Duration::days(i64::from(settings.calendar_future_days)),
    }
}

/// A Gmail `Message` as a raw event: source id = message id, time = `internalDate`.
fn gmail_item(message: Value) -> Option<RawItem> {
    let id = message.get("id")?.as_str()?.to_owned();
    let occurred_at = message
        .get("internalDate")
        .and_then(|d| {
            d.as_str()
                .map(str::to_owned)
                .or_else(|| d.as_i64().map(|n| n.to_string()))
        })
        .and_then(|d| d.parse::<i128>().ok())
        .and_then(|ms| OffsetDateTime::from_unix_timestamp_nanos(ms * 1_000_000).ok());
    Some(RawItem {
        source_id: id,
        occurred_at,
        payload: message,
    })
}

/// A Calendar `Event` as a raw event: source id = event id, time = its start (an all-day
/// event's date at 00:00 UTC; a cancelled instance's original start; else kept as stored).
fn calendar_item(event: Value) -> Option<RawItem> {
    let id = event.get("id")?.as_str()?.to_owned();
    let occurred_at = event
        .get("start")
        .and_then(event_time)
        .or_else(|| event.get("originalStartTime").and_then(event_time));
    Some(RawItem {
        source_id: id,
        occurred_at,
        payload: event,
    })
}

fn event_time(v: &Value) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Some(dt) = v.get("dateTime").and_then(Value::as_str) {
        return OffsetDateTime::parse(dt, &Rfc3339).ok();
    }
    let date = v.get("date").and_then(Value::as_str)?;
    OffsetDateTime::parse(&format!("{date}T00:00:00Z"), &Rfc3339).ok()
}

fn to_std(d: time::Duration) -> Duration {
    Duration::try_from(d).unwrap_or(Duration::ZERO)
}

/// On connect: the service's recurring sync (every 15 minutes by default) and a first sync
/// now, in the caller's transaction.
pub async fn start_syncing(
    conn: &mut omnicrm_repo::AsyncPgConnection,
    settings: &omnicrm_integrations::google::SyncSettings,
    user: Uuid,
    service: GoogleService,
) -> Result<(), AppError> {
    use omnicrm_jobs::{EnqueueOptions, Job as _, Schedule, enqueue, upsert_schedule};

    use crate::job_kinds::GoogleSync;

    let schedule = Schedule {
        name: schedule_name(service, user),
        cron: settings.schedule_cron.clone(),
        timezone: "UTC".to_owned(),
        kind: GoogleSync::KIND.to_owned(),
        queue: GoogleSync::QUEUE.to_owned(),
        payload: json!({ "userId": user, "service": service, "trigger": "schedule" }),
        skip_if_running: true,
        user_id: Some(user),
        concurrency_key: Some(concurrency_key(service, user)),
    };
    upsert_schedule(conn, &schedule, OffsetDateTime::now_utc())
        .await
        .map_err(AppError::from)?;
    let job = GoogleSync {
        user_id: user,
        service,
        trigger: SyncTrigger::Connect,
    };
    let options = EnqueueOptions {
        user_id: Some(user),
        ..EnqueueOptions::default()
    };
    enqueue(conn, &job, &options)
        .await
        .map_err(AppError::from)?;
    Ok(())
}

/// On disconnect: the recurring sync stops (jobs already queued find no grant and end).
pub async fn stop_syncing(
    conn: &mut omnicrm_repo::AsyncPgConnection,
    user: Uuid,
    service: GoogleService,
) -> Result<(), AppError> {
    omnicrm_jobs::delete_schedule(conn, &schedule_name(service, user))
        .await
        .map_err(AppError::from)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_all_day_event_happens_at_midnight_utc_and_a_timed_one_at_its_start() {
        let all_day = calendar_item(json!({"id": "a", "start": {"date": "2026-12-10"}})).unwrap();
        assert_eq!(
            all_day.occurred_at.unwrap(),
            time::macros::datetime!(2026-12-10 00:00 UTC)
        );
        let timed =
            calendar_item(json!({"id": "b", "start": {"dateTime": "2026-12-10T09:30:00+01:00"}}))
                .unwrap();
        assert_eq!(
            timed.occurred_at.unwrap(),
            time::macros::datetime!(2026-12-10 08:30 UTC)
        );
        let cancelled = calendar_item(json!({"id": "c", "status": "cancelled"})).unwrap();
        assert_eq!(cancelled.occurred_at, None);
    }

    #[test]
    fn a_message_happens_at_its_internal_date() {
        let m = gmail_item(json!({"id": "m1", "internalDate": "1765000000000"})).unwrap();
        assert_eq!(m.occurred_at.unwrap().unix_timestamp(), 1_765_000_000);
        assert!(gmail_item(json!({"internalDate": "1"})).is_none());
    }
}
