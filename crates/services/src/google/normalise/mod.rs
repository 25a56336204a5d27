//! Normalisation: a sync run's pending `raw_events` (Gmail messages, Calendar events, as the
//! APIs returned them) become `interactions` linked to contacts, and the run's ledger row
//! (`google_sync_runs`, id = the raw events' `batch_id`) counts what was imported, skipped
//! and failed. See docs/adr/0030-google-normalisation.md and docs/crm/timeline.md.
//!
//! The sync jobs call [`enqueue_normalise`] in the transaction that stored a page of raw
//! events; the `google.normalise` job ([`crate::job_kinds::GoogleNormalise`]) runs
//! [`normalise_batch`]. Every raw event is claimed, written and marked in one transaction,
//! so each counts in the ledger exactly once and a re-run finds nothing pending.

pub mod calendar;
pub mod gmail;
pub mod text;

use std::collections::{BTreeMap, HashMap};

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_jobs::{EnqueueOptions, enqueue_or_join};
use omnicrm_problem::AppError;
use omnicrm_repo::timeline::normalise::{self as repo, InteractionUpsert, RawEventMark};
use omnicrm_repo::{AsyncPgConnection, Db};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::job_kinds::GoogleNormalise;

/// Interaction bodies are cut to this many bytes.
pub const BODY_MAX_BYTES: usize = 64 * 1024;
/// Snippets are cut to this many bytes.
pub const SNIPPET_MAX_BYTES: usize = 1024;
/// Larger payloads (stored size) are not read: they fail with `payload_too_large`.
pub const MAX_PAYLOAD_BYTES: i32 = 4 * 1024 * 1024;
/// Raw events per transaction.
const CHUNK: i64 = 200;

/// The practitioner's own addresses (lower-cased).
#[derive(Debug, Clone, Default)]
pub struct OwnAddresses(Vec<String>);

impl OwnAddresses {
    /// Wraps lower-cased addresses.
    pub fn new(addresses: Vec<String>) -> Self {
        Self(addresses)
    }

    /// Whether `email` (lower-cased) is one of them.
    pub fn contains(&self, email: &str) -> bool {
        self.0.iter().any(|a| a == email)
    }
}

/// A normalised interaction, before it is written.
#[derive(Debug, Clone)]
pub struct NewInteraction {
    /// `email` or `calendar_event`.
    pub kind: &'static str,
    /// Subject or title.
    pub subject: Option<String>,
    /// Text body or description.
    pub body_text: Option<String>,
    /// When it happened (an event's start).
    pub occurred_at: OffsetDateTime,
    /// Provider details.
    pub source_meta: Value,
    /// The other people's emails (lower-cased), most relevant first: who the interaction
    /// links to.
    pub participants: Vec<String>,
}

/// What one raw event becomes.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// An interaction.
    Interaction(NewInteraction),
    /// Nothing, for a reason (`spam`, `trash`, `draft`, `cancelled`): an interaction it
    /// made before is removed.
    Skipped(&'static str),
    /// Unreadable (a stable code).
    Failed(&'static str),
}

/// Normalises one payload of `provider` (pure: no I/O).
pub fn normalise_payload(
    provider: &str,
    payload: &Value,
    fallback_at: OffsetDateTime,
    own: &OwnAddresses,
) -> Outcome {
    match provider {
        "gmail" => gmail::normalise(payload, fallback_at, own),
        "calendar" => calendar::normalise(payload, own),
        _ => Outcome::Skipped("unsupported_provider"),
    }
}

/// Enqueues normalisation of `user`'s raw events of `batch` (the sync run's ledger id) on
/// the caller's connection, so it commits with the raw events it will read. Enqueue it
/// after each stored page: at most one normaliser per run waits at a time, and one that
/// has already started is followed by a new one.
pub async fn enqueue_normalise(
    conn: &mut AsyncPgConnection,
    user: UserId,
    batch: Uuid,
) -> Result<(), AppError> {
    // The run is the jobs' batch: a page stored while a normaliser still waits joins it
    // (which then cannot start before this page commits) instead of queueing another.
    let options = EnqueueOptions {
        user_id: Some(user.into_uuid()),
        batch_id: Some(batch),
        ..EnqueueOptions::default()
    };
    enqueue_or_join(conn, &GoogleNormalise { batch_id: batch }, &options)
        .await
        .map_err(AppError::from)?;
    Ok(())
}

/// Counts of one normalisation run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NormaliseReport {
    /// Raw events that became (or updated) an interaction.
    pub imported: i32,
    /// Raw events skipped, by reason.
    pub skipped: BTreeMap<&'static str, i32>,
    /// Raw events that could not be read.
    pub failed: i32,
}

/// Normalises every pending raw event of `user`'s `batch`, chunk by chunk.
pub async fn normalise_batch(
    db: &Db,
    user: UserId,
    batch: Uuid,
) -> Result<NormaliseReport, AppError> {
    let mut total = NormaliseReport::default();
    loop {
        // A first sync outgrows the planner's statistics within seconds (ADR 0040); stale
        // ones make every chunk read the whole mailbox. Only an optimisation: a failure is
        // logged, not fatal.
        let refreshed = db
            .unscoped(|conn| async move { repo::refresh_statistics(conn).await }.boxed())
            .await;
        match refreshed {
            Ok(tables) if !tables.is_empty() => {
                tracing::debug!(?tables, "planner statistics refreshed");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "could not refresh planner statistics"),
        }
        let chunk = db
            .tenant(user, move |conn| {
                async move { normalise_chunk(conn, user, batch).await }.boxed()
            })
            .await?;
        let Some(chunk) = chunk else { break };
        total.imported += chunk.imported;
        total.failed += chunk.failed;
        for (reason, n) in chunk.skipped {
            *total.skipped.entry(reason).or_default() += n;
        }
    }
    tracing::info!(
        %batch,
        imported = total.imported,
        failed = total.failed,
        skipped = total.skipped.values().sum::<i32>(),
        "google raw events normalised"
    );
    Ok(total)
}

/// One chunk in one transaction; `None` when nothing was pending.
async fn normalise_chunk(
    conn: &mut AsyncPgConnection,
    user: UserId,
    batch: Uuid,
) -> Result<Option<NormaliseReport>, AppError> {
    let pending = repo::claim_pending(conn, user, batch, CHUNK, MAX_PAYLOAD_BYTES).await?;
    if pending.is_empty() {
        return Ok(None);
    }
    let own = OwnAddresses::new(repo::own_addresses(conn, user).await?);
    let mut report = NormaliseReport::default();
    let mut marks = Vec::with_capacity(pending.len());
    // One statement per kind of write for the whole chunk (ADR 0037): the upserts with
    // their contact links (ADR 0040), the deletions of what is skipped now, the identities.
    let mut upserts: Vec<InteractionUpsert> = Vec::new();
    // Per upsert: its mark, provider and participants.
    let mut upserted: Vec<(usize, String, Vec<String>)> = Vec::new();
    let mut removed: Vec<(String, String)> = Vec::new();
    for event in pending {
        let outcome = match event.payload.as_deref() {
            None => Outcome::Failed("payload_too_large"),
            Some(text) => match serde_json::from_str::<Value>(text) {
                Ok(payload) => {
                    normalise_payload(&event.provider, &payload, event.occurred_at, &own)
                }
                // Deeper than serde_json's recursion limit, or not JSON.
                Err(_) => Outcome::Failed("malformed_payload"),
            },
        };
        match outcome {
            Outcome::Interaction(new) => {
                report.imported += 1;
                upserts.push(InteractionUpsert {
                    kind: new.kind,
                    subject: new.subject,
                    body_text: new.body_text,
                    occurred_at: new.occurred_at,
                    source: event.provider.clone(),
                    source_id: event.source_id,
                    source_meta: new.source_meta,
                    contact_id: None,
                });
                upserted.push((marks.len(), event.provider, new.participants));
                marks.push(RawEventMark {
                    id: event.id,
                    status: "completed",
                    error: None,
                    extraction: None,
                });
            }
            Outcome::Skipped(reason) => {
                removed.push((event.provider, event.source_id));
                *report.skipped.entry(reason).or_default() += 1;
                marks.push(RawEventMark {
                    id: event.id,
                    status: "skipped",
                    error: Some(reason),
                    extraction: None,
                });
            }
            Outcome::Failed(code) => {
                report.failed += 1;
                marks.push(RawEventMark {
                    id: event.id,
                    status: "failed",
                    error: Some(code),
                    extraction: None,
                });
            }
        }
    }
    let identities = link_contacts(conn, user, &mut upserts, &upserted, &mut marks).await?;
    repo::upsert_interactions(conn, user, batch, upserts).await?;
    repo::delete_interactions(conn, user, removed).await?;
    repo::record_identities(conn, user, identities).await?;
    repo::mark_raw_events(conn, user, &marks).await?;
    let skipped: serde_json::Map<String, Value> = report
        .skipped
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    repo::add_to_ledger(
        conn,
        user,
        batch,
        report.imported,
        report.failed,
        Value::Object(skipped),
    )
    .await?;
    Ok(Some(report))
}

/// Links each interaction about to be written to the contact of its first participant
/// that has one (the upsert keeps a link set by hand), sets the raw event's contact
/// extraction status, and answers the email identities to record: every participant known
/// by a primary email only gains one. One statement for the whole chunk.
async fn link_contacts(
    conn: &mut AsyncPgConnection,
    user: UserId,
    upserts: &mut [InteractionUpsert],
    upserted: &[(usize, String, Vec<String>)],
    marks: &mut [RawEventMark],
) -> Result<Vec<(String, Uuid, String)>, AppError> {
    let mut emails: Vec<String> = upserted
        .iter()
        .flat_map(|(_, _, participants)| participants.iter().cloned())
        .collect();
    emails.sort_unstable();
    emails.dedup();
    let matches: HashMap<String, (Uuid, bool)> = repo::contacts_of_emails(conn, user, emails)
        .await?
        .into_iter()
        .map(|m| (m.email, (m.contact_id, m.has_identity)))
        .collect();
    let mut identities: Vec<(String, Uuid, String)> = Vec::new();
    for (upsert, (mark, provider, participants)) in upserts.iter_mut().zip(upserted) {
        let found = participants.iter().find_map(|e| matches.get(e));
        if let Some(m) = marks.get_mut(*mark) {
            m.extraction = Some(match (found, participants.is_empty()) {
                (Some(_), _) => "yes",
                (None, false) => "identifiers_found",
                (None, true) => "no_identifiers",
            });
        }
        upsert.contact_id = found.map(|(contact, _)| *contact);
        for e in participants {
            if let Some((contact, false)) = matches.get(e) {
                identities.push((provider.clone(), *contact, e.clone()));
            }
        }
    }
    Ok(identities)
}
