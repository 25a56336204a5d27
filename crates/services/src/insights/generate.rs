//! The insight jobs' work: the heuristics of one contact or of the whole practice (with
//! the weekly digest), and the model's kinds about one contact.
//!
//! Failures map to the job engine's outcomes: a quota refusal or the provider's 429
//! snoozes the job until the limit lifts (no attempt spent), other transient provider
//! failures retry, a refusal (4xx) is permanent. Insights already stored by the run stay,
//! and their fingerprints make the next run skip them.

use std::collections::HashMap;

use futures_util::FutureExt;
use omnicrm_domain::entities::InsightKind;
use omnicrm_domain::insights::heuristics::duplicates::{self, DuplicateOf, DuplicateReason};
use omnicrm_domain::insights::heuristics::threads::{self, LastFrom, ThreadSignals};
use omnicrm_domain::insights::heuristics::{
    self, Computed, ConsentState, ContactSignals, DigestSignals, HEURISTICS_VERSION,
};
use omnicrm_domain::insights::{CONTACT_HEURISTIC_KINDS, MODEL_KINDS};
use omnicrm_domain::{AiInsightId, ContactId, UserId};
use omnicrm_integrations::ai::{AiError, ChatRequest};
use omnicrm_jobs::JobError;
use omnicrm_problem::AppError;
use omnicrm_repo::insights::{ContactSignalsRow, InsightsRepository, NewInsight};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::prompt::{self, PROMPT_VERSION};
use crate::ai::AiService;

/// The model stamped on heuristic insights.
pub const HEURISTIC_MODEL: &str = "heuristic";
/// Contacts read per transaction by the practice refresh.
const BATCH: i64 = 500;
/// Longest answer asked of the model (tokens).
const MAX_TOKENS: u32 = 600;
/// A contact's latest emails the thread summary groups into threads.
const THREAD_MESSAGES: i64 = 200;

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerationReport {
    /// New insights stored.
    pub created: u32,
    /// Insights whose inputs were unchanged (nothing stored, no model call).
    pub unchanged: u32,
    /// Unread heuristic insights withdrawn because their rule now finds nothing (a
    /// suspected duplicate that no longer matches, a thread summary without emails, a
    /// consent gap closed, nothing left to do).
    pub withdrawn: u32,
    /// Model calls made.
    pub model_calls: u32,
    /// Kinds not generated, with why.
    pub skipped: Vec<Skipped>,
}

/// A kind the run did not generate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    /// The kind.
    pub kind: InsightKind,
    /// Why.
    pub reason: &'static str,
}

/// sha256 (hex) of the kind, subject, version and inputs.
pub fn fingerprint(
    kind: InsightKind,
    subject: Option<Uuid>,
    version: &str,
    inputs: &str,
) -> String {
    use std::fmt::Write as _;
    let subject = subject.map(|s| s.to_string()).unwrap_or_default();
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for part in [kind.as_str(), subject.as_str(), version, inputs] {
        // Length-prefixed, so no two different tuples hash the same bytes.
        ctx.update(&(part.len() as u64).to_le_bytes());
        ctx.update(part.as_bytes());
    }
    ctx.finish()
        .as_ref()
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn signals_of(row: &ContactSignalsRow) -> ContactSignals {
    let count = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
    ContactSignals {
        last_contact_at: row.last_contact_at,
        touches_90d: count(row.touches_90d),
        reachable: row.reachable,
        open_tasks: count(row.open_tasks),
        overdue_tasks: count(row.overdue_tasks),
        consent: match row.consent_granted {
            Some(true) => ConsentState::Granted,
            Some(false) => ConsentState::Refused,
            None => ConsentState::Missing,
        },
    }
}

fn heuristic_row(
    user: UserId,
    kind: InsightKind,
    subject_type: &'static str,
    subject: Option<Uuid>,
    computed: Computed,
) -> NewInsight {
    NewInsight {
        user_id: user,
        id: AiInsightId::generate(),
        subject_type,
        subject_id: subject,
        kind: kind.as_str(),
        fingerprint: Some(fingerprint(
            kind,
            subject,
            HEURISTICS_VERSION,
            &computed.inputs.to_string(),
        )),
        content: computed.content,
        model: Some(HEURISTIC_MODEL.to_owned()),
        prompt_version: Some(HEURISTICS_VERSION.to_owned()),
    }
}

/// What the thread and duplicate heuristics read about a batch of contacts, by contact.
#[derive(Debug, Default)]
struct Extras {
    threads: HashMap<Uuid, Vec<ThreadSignals>>,
    duplicates: HashMap<Uuid, Vec<DuplicateOf>>,
}

/// The heuristics' figures of `contacts` (or of the next `limit` contacts after `after`),
/// with their email threads and earlier look-alikes when `kinds` asks for them; one
/// tenant transaction, a bounded statement each.
async fn read_batch(
    db: &omnicrm_repo::Db,
    user: UserId,
    now: OffsetDateTime,
    contacts: Option<Vec<Uuid>>,
    after: Option<Uuid>,
    limit: i64,
    kinds: &[InsightKind],
) -> Result<(Vec<ContactSignalsRow>, Extras), AppError> {
    let want_threads = kinds.contains(&InsightKind::ThreadSummary);
    let want_duplicates = kinds.contains(&InsightKind::DuplicateContactSuspected);
    db.tenant(user, move |conn| {
        async move {
            let rows = InsightsRepository::contact_signals(conn, user, now, contacts, after, limit)
                .await?;
            let ids: Vec<Uuid> = rows.iter().map(|r| r.contact_id).collect();
            let mut extras = Extras::default();
            if ids.is_empty() {
                return Ok((rows, extras));
            }
            if want_threads {
                let max_threads = i64::try_from(threads::MAX_THREADS).unwrap_or(5);
                for t in InsightsRepository::email_threads(
                    conn,
                    user,
                    ids.clone(),
                    THREAD_MESSAGES,
                    max_threads,
                )
                .await?
                {
                    let count = u32::try_from(t.messages.max(0)).unwrap_or(u32::MAX);
                    extras
                        .threads
                        .entry(t.contact_id)
                        .or_default()
                        .push(ThreadSignals {
                            subject: t.subject,
                            messages: count,
                            first_at: t.first_at,
                            last_at: t.last_at,
                            last_from: LastFrom::of_direction(&t.last_direction),
                        });
                }
            }
            if want_duplicates {
                let per_contact = i32::try_from(duplicates::MAX_DUPLICATES).unwrap_or(5);
                for d in InsightsRepository::duplicate_contacts(conn, ids, per_contact).await? {
                    extras
                        .duplicates
                        .entry(d.contact_id)
                        .or_default()
                        .push(DuplicateOf {
                            contact_id: d.other_id,
                            display_name: d.other_name,
                            reasons: d
                                .reasons
                                .iter()
                                .filter_map(|r| DuplicateReason::parse(r))
                                .collect(),
                        });
                }
            }
            Ok((rows, extras))
        }
        .boxed()
    })
    .await
}

/// The contact heuristics of `kinds` for one contact's figures, and the kinds whose rule
/// now finds nothing (their unread insights are withdrawn) as `(contact, kind)`.
fn contact_heuristics(
    user: UserId,
    row: &ContactSignalsRow,
    extras: &Extras,
    kinds: &[InsightKind],
    now: OffsetDateTime,
    out: &mut Vec<NewInsight>,
    nothing: &mut Withdrawals,
) {
    let s = signals_of(row);
    let subject = Some(row.contact_id);
    for &kind in kinds {
        let computed = match kind {
            InsightKind::LeadScore => Some(heuristics::lead_score_insight(&s, now)),
            InsightKind::NextBestAction => heuristics::next_best_action(&s, row.contact_id, now),
            InsightKind::ConsentGap => heuristics::consent_gap(&s),
            InsightKind::ThreadSummary => extras
                .threads
                .get(&row.contact_id)
                .and_then(|t| threads::thread_summary(t, row.contact_id, now)),
            InsightKind::DuplicateContactSuspected => extras
                .duplicates
                .get(&row.contact_id)
                .and_then(|d| duplicates::duplicate_contact(row.contact_id, d)),
            _ => None,
        };
        match computed {
            Some(computed) => out.push(heuristic_row(user, kind, "contact", subject, computed)),
            None => {
                nothing.contacts.push(row.contact_id);
                nothing.kinds.push(kind.as_str());
            }
        }
    }
}

/// Contact heuristics whose rule found nothing: `(contacts[i], kinds[i])`.
#[derive(Debug, Default)]
struct Withdrawals {
    contacts: Vec<Uuid>,
    kinds: Vec<&'static str>,
}

/// Stores `rows` and withdraws the unread insights of `nothing`, in one transaction.
async fn store(
    db: &omnicrm_repo::Db,
    user: UserId,
    rows: Vec<NewInsight>,
    nothing: Withdrawals,
    report: &mut GenerationReport,
) -> Result<(), AppError> {
    if rows.is_empty() && nothing.contacts.is_empty() {
        return Ok(());
    }
    let (created, unchanged, withdrawn) = db
        .tenant(user, move |conn| {
            async move {
                let (mut created, mut unchanged) = (0, 0);
                for row in &rows {
                    if InsightsRepository::insert(conn, row).await? {
                        created += 1;
                    } else {
                        unchanged += 1;
                    }
                }
                let withdrawn = if nothing.contacts.is_empty() {
                    0
                } else {
                    InsightsRepository::withdraw_unread(conn, user, nothing.contacts, nothing.kinds)
                        .await?
                };
                Ok((created, unchanged, withdrawn))
            }
            .boxed()
        })
        .await?;
    report.created += created;
    report.unchanged += unchanged;
    report.withdrawn += u32::try_from(withdrawn).unwrap_or(u32::MAX);
    Ok(())
}

/// Splits requested kinds (empty: all) into model and heuristic kinds, reporting the
/// ones this subject cannot have.
fn partition(
    requested: &[InsightKind],
    model_ok: bool,
    report: &mut GenerationReport,
) -> (Vec<InsightKind>, Vec<InsightKind>) {
    let all: Vec<InsightKind> = if requested.is_empty() {
        MODEL_KINDS
            .iter()
            .chain(&CONTACT_HEURISTIC_KINDS)
            .copied()
            .collect()
    } else {
        let mut kinds = Vec::with_capacity(requested.len());
        for kind in requested {
            if !kinds.contains(kind) {
                kinds.push(*kind);
            }
        }
        kinds
    };
    let (mut model, mut heuristic) = (Vec::new(), Vec::new());
    for kind in all {
        if MODEL_KINDS.contains(&kind) {
            if model_ok {
                model.push(kind);
            } else {
                report.skipped.push(Skipped {
                    kind,
                    reason: "no AI provider is configured",
                });
            }
        } else if CONTACT_HEURISTIC_KINDS.contains(&kind) {
            heuristic.push(kind);
        } else {
            report.skipped.push(Skipped {
                kind,
                reason: "not generated for a contact",
            });
        }
    }
    (model, heuristic)
}

fn provider_failure(err: &AiError) -> JobError {
    match err.snooze() {
        Some(after) => JobError::Snooze {
            after,
            reason: err.to_string(),
        },
        None if err.is_transient() => JobError::retry(err),
        None => JobError::permanent(err),
    }
}

/// Generates `kinds` (empty: all) about one contact. Without a provider the model's kinds
/// are reported skipped, never faked.
pub async fn contact(
    ai: &AiService,
    db: &omnicrm_repo::Db,
    user: UserId,
    contact: ContactId,
    kinds: &[InsightKind],
) -> Result<GenerationReport, JobError> {
    let mut report = GenerationReport::default();
    let (model_kinds, heuristic_kinds) = partition(kinds, ai.is_configured(), &mut report);
    let now = OffsetDateTime::now_utc();
    let ids = vec![contact.into_uuid()];
    let (signals, extras) = read_batch(db, user, now, Some(ids), None, 1, &heuristic_kinds)
        .await
        .map_err(JobError::retry)?;
    let Some(row) = signals.first() else {
        // Deleted since the request: nothing to say about it.
        return Ok(report);
    };
    let (mut rows, mut nothing) = (Vec::new(), Withdrawals::default());
    contact_heuristics(
        user,
        row,
        &extras,
        &heuristic_kinds,
        now,
        &mut rows,
        &mut nothing,
    );
    store(db, user, rows, nothing, &mut report)
        .await
        .map_err(JobError::retry)?;
    if model_kinds.is_empty() {
        return Ok(report);
    }
    let context = db
        .tenant(user, move |conn| {
            async move {
                InsightsRepository::contact_context(
                    conn,
                    user,
                    contact,
                    prompt::CONTEXT_ITEMS,
                    prompt::CONTEXT_CHARS,
                )
                .await
            }
            .boxed()
        })
        .await
        .map_err(JobError::retry)?;
    let Some(context) = context else {
        return Ok(report);
    };
    let record = prompt::record(&context);
    let client = ai.client().map_err(JobError::permanent)?.clone();
    for kind in model_kinds {
        let subject = Some(contact.into_uuid());
        let fp = fingerprint(kind, subject, PROMPT_VERSION, &record);
        let check = fp.clone();
        let seen = db
            .tenant(user, move |conn| {
                async move { InsightsRepository::has_fingerprint(conn, user, &check).await }.boxed()
            })
            .await
            .map_err(JobError::retry)?;
        if seen {
            report.unchanged += 1;
            continue;
        }
        if let Err(refusal) = ai.admit(user).await.map_err(JobError::retry)? {
            return Err(JobError::Snooze {
                after: refusal.wait(),
                reason: format!("AI quota: {} until {}", refusal.limit, refusal.resets_at),
            });
        }
        let request = ChatRequest {
            messages: prompt::messages(kind, &record),
            tools: Vec::new(),
            max_tokens: Some(MAX_TOKENS),
        };
        let outcome = client
            .chat(&request)
            .await
            .map_err(|e| provider_failure(&e))?;
        report.model_calls += 1;
        ai.record(user, &outcome.model, outcome.usage)
            .await
            .map_err(JobError::retry)?;
        let answer = outcome.message.content.clone().unwrap_or_default();
        let row = NewInsight {
            user_id: user,
            id: AiInsightId::generate(),
            subject_type: "contact",
            subject_id: subject,
            kind: kind.as_str(),
            content: prompt::content(kind, &answer),
            model: Some(outcome.model.chars().take(200).collect()),
            fingerprint: Some(fp),
            prompt_version: Some(PROMPT_VERSION.to_owned()),
        };
        store(db, user, vec![row], Withdrawals::default(), &mut report)
            .await
            .map_err(JobError::retry)?;
    }
    Ok(report)
}

/// The run a write to the contact's data queued (ADR 0042): every contact heuristic,
/// and the model's kinds only those the user asked for about this contact before (an
/// insight of that kind from the model exists, in any status) and only with a provider,
/// since they spend the user's AI credits. Deleting those insights stops it.
pub async fn contact_after_write(
    ai: &AiService,
    db: &omnicrm_repo::Db,
    user: UserId,
    contact: ContactId,
) -> Result<GenerationReport, JobError> {
    let mut kinds: Vec<InsightKind> = CONTACT_HEURISTIC_KINDS.to_vec();
    if ai.is_configured() {
        let asked = db
            .tenant(user, move |conn| {
                async move {
                    InsightsRepository::model_kinds_about(
                        conn,
                        user,
                        contact,
                        HEURISTIC_MODEL,
                        MODEL_KINDS.iter().map(|k| k.as_str()).collect(),
                    )
                    .await
                }
                .boxed()
            })
            .await
            .map_err(JobError::retry)?;
        kinds.extend(
            MODEL_KINDS
                .into_iter()
                .filter(|k| asked.iter().any(|a| a == k.as_str())),
        );
    }
    self::contact(ai, db, user, contact, &kinds).await
}

/// The contact heuristics of every contact and the weekly digest (`kinds` narrows them;
/// the model's kinds are never run for every contact: reported skipped).
pub async fn practice(
    db: &omnicrm_repo::Db,
    user: UserId,
    kinds: &[InsightKind],
) -> Result<GenerationReport, AppError> {
    let mut report = GenerationReport::default();
    let wanted = |k: InsightKind| kinds.is_empty() || kinds.contains(&k);
    for &kind in kinds {
        if !CONTACT_HEURISTIC_KINDS.contains(&kind) && kind != InsightKind::WeeklyDigest {
            report.skipped.push(Skipped {
                kind,
                reason: "only generated about one contact (subjectId)",
            });
        }
    }
    let heuristic_kinds: Vec<InsightKind> = CONTACT_HEURISTIC_KINDS
        .into_iter()
        .filter(|k| wanted(*k))
        .collect();
    let now = OffsetDateTime::now_utc();
    let (mut quiet, mut gaps) = (0_u32, 0_u32);
    let mut after = None;
    loop {
        let (batch, extras) =
            read_batch(db, user, now, None, after, BATCH, &heuristic_kinds).await?;
        let Some(last) = batch.last() else { break };
        after = Some(last.contact_id);
        let (mut rows, mut nothing) = (Vec::new(), Withdrawals::default());
        for row in &batch {
            let s = signals_of(row);
            let days = heuristics::days_since(s.last_contact_at, now);
            if days.is_none_or(|d| d > heuristics::QUIET_AFTER_DAYS) {
                quiet += 1;
            }
            if s.consent != ConsentState::Granted {
                gaps += 1;
            }
            contact_heuristics(
                user,
                row,
                &extras,
                &heuristic_kinds,
                now,
                &mut rows,
                &mut nothing,
            );
        }
        store(db, user, rows, nothing, &mut report).await?;
        if i64::try_from(batch.len()).unwrap_or(0) < BATCH {
            break;
        }
    }
    if wanted(InsightKind::WeeklyDigest) {
        let week_start = heuristics::week_start(now);
        let d = db
            .tenant(user, move |conn| {
                async move { InsightsRepository::digest(conn, user, week_start, now).await }.boxed()
            })
            .await?;
        let count = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        let digest = heuristics::weekly_digest(&DigestSignals {
            week_start,
            new_contacts: count(d.new_contacts),
            interactions: count(d.interactions),
            notes: count(d.notes),
            tasks_completed: count(d.tasks_completed),
            overdue_tasks: count(d.overdue_tasks),
            quiet_contacts: quiet,
            consent_gaps: gaps,
        });
        let row = heuristic_row(user, InsightKind::WeeklyDigest, "segment", None, digest);
        store(db, user, vec![row], Withdrawals::default(), &mut report).await?;
    }
    Ok(report)
}
