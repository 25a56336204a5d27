//! What the model is asked for each of its kinds, and how its answer becomes an
//! insight's content. The client redacts every string it sends (ADR 0032); the text here
//! is bounded by the repository's limits (20 notes and 20 interactions of at most 1,000
//! characters each).

use omnicrm_domain::entities::InsightKind;
use omnicrm_repo::insights::ContactContext;
use serde_json::{Value, json};

/// Version of the prompts below, stamped on every model insight (`promptVersion`) and
/// part of its fingerprint: changing a prompt regenerates.
pub const PROMPT_VERSION: &str = "insights-prompt-1";

/// Notes and interactions (each) the model is shown.
pub const CONTEXT_ITEMS: i64 = 20;
/// Longest note, subject or body shown (characters).
pub const CONTEXT_CHARS: i32 = 1000;

/// Longest title and summary kept from the model's answer (characters).
const MAX_TITLE: usize = 200;
const MAX_SUMMARY: usize = 4000;

/// The instruction of a model kind (`None`: not a model kind).
pub fn instruction(kind: InsightKind) -> Option<&'static str> {
    Some(match kind {
        InsightKind::Summary => {
            "Summarise where this client is: what they came for, what has happened, and \
             where things stand now."
        }
        InsightKind::NextStep => {
            "Suggest the single most useful next step the practitioner could take with this \
             client, and why."
        }
        InsightKind::Risk => {
            "Assess the risk that this client disengages or that something needs attention \
             (missed sessions, worsening symptoms, unanswered messages). Say low, medium or \
             high and why."
        }
        InsightKind::Persona => {
            "Describe this client's communication style and preferences in two or three \
             sentences, so the practitioner can tailor their approach."
        }
        _ => return None,
    })
}

const SYSTEM: &str = "You assist a wellness practitioner with their client records. Answer \
    with one JSON object and nothing else: {\"title\": short headline, \"summary\": a few \
    sentences, \"confidence\": number from 0 to 1, \"priority\": \"low\" | \"medium\" | \
    \"high\" | \"urgent\"}. Use only the record below; do not invent facts.";

/// The client's record as the model reads it: profile, then notes and interactions,
/// newest first.
pub fn record(ctx: &ContactContext) -> String {
    let mut out = format!(
        "Client: {}\nStatus: {}\nLifecycle stage: {}\n",
        ctx.display_name,
        ctx.client_status,
        ctx.lifecycle_stage.as_deref().unwrap_or("unknown"),
    );
    out.push_str("\nNotes (newest first):\n");
    if ctx.notes.is_empty() {
        out.push_str("(none)\n");
    }
    for (at, text) in &ctx.notes {
        out.push_str(&format!("- {}: {}\n", at.date(), text.trim()));
    }
    out.push_str("\nInteractions (newest first):\n");
    if ctx.interactions.is_empty() {
        out.push_str("(none)\n");
    }
    for (at, kind, subject, body) in &ctx.interactions {
        out.push_str(&format!(
            "- {} {}: {}{}\n",
            at.date(),
            kind,
            subject.as_deref().unwrap_or("(no subject)").trim(),
            body.as_deref()
                .map(|b| format!(" — {}", b.trim()))
                .unwrap_or_default(),
        ));
    }
    out
}

/// The conversation sent for `kind` about `record`.
pub fn messages(kind: InsightKind, record: &str) -> Vec<omnicrm_integrations::ai::ChatMessage> {
    use omnicrm_integrations::ai::ChatMessage;
    vec![
        ChatMessage::text("system", SYSTEM),
        ChatMessage::text(
            "user",
            format!("{}\n\n{record}", instruction(kind).unwrap_or_default()),
        ),
    ]
}

fn cut(text: &str, max: usize) -> String {
    text.trim().chars().take(max).collect()
}

/// The insight's content from the model's answer: the JSON object asked for (inside a
/// code fence or not), or, when the answer is not one, its text as the summary.
pub fn content(kind: InsightKind, answer: &str) -> Value {
    let trimmed = answer
        .trim()
        .trim_start_matches("```json")
        .trim_start_matches("```")
        .trim_end_matches("```")
        .trim();
    let parsed: Option<Value> = serde_json::from_str::<Value>(trimmed)
        .ok()
        .filter(Value::is_object);
    let default_title = match kind {
        InsightKind::Summary => "Summary",
        InsightKind::NextStep => "Next step",
        InsightKind::Risk => "Risk",
        _ => "Persona",
    };
    let (title, summary, confidence, priority) = match &parsed {
        Some(v) => (
            v.get("title")
                .and_then(Value::as_str)
                .unwrap_or(default_title),
            v.get("summary").and_then(Value::as_str).unwrap_or_default(),
            v.get("confidence")
                .and_then(Value::as_f64)
                .filter(|c| c.is_finite())
                .map_or(0.5, |c| c.clamp(0.0, 1.0)),
            v.get("priority")
                .and_then(Value::as_str)
                .filter(|p| ["low", "medium", "high", "urgent"].contains(p))
                .unwrap_or("medium"),
        ),
        None => (default_title, trimmed, 0.5, "medium"),
    };
    json!({
        "title": cut(title, MAX_TITLE),
        "summary": cut(summary, MAX_SUMMARY),
        "confidence": confidence,
        "priority": priority,
        "props": {},
        "actions": [],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_becomes_bounded_content_whatever_the_model_sends() {
        let ok = content(
            InsightKind::Risk,
            "```json\n{\"title\": \"Low risk\", \"summary\": \"Engaged.\", \"confidence\": 3, \"priority\": \"weird\"}\n```",
        );
        assert_eq!(ok["title"], "Low risk");
        assert_eq!(ok["summary"], "Engaged.");
        assert_eq!(ok["confidence"], 1.0);
        assert_eq!(ok["priority"], "medium");
        let text = content(InsightKind::Summary, "Just prose.");
        assert_eq!(text["title"], "Summary");
        assert_eq!(text["summary"], "Just prose.");
        let long = content(InsightKind::Persona, &"x".repeat(10_000));
        assert_eq!(long["summary"].as_str().unwrap().len(), MAX_SUMMARY);
    }
}
