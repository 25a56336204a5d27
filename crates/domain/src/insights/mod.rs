//! AI insights: observations about a contact (or the whole practice) that the insight
//! jobs write and the practitioner reads, marks viewed, dismisses or applies.
//!
//! Two families: the model's (`summary`, `next_step`, `risk`, `persona`; only with a
//! provider) and the heuristics of [`heuristics`] (`lead_score`, `next_best_action`,
//! `consent_gap`, `thread_summary`, `duplicate_contact_suspected`, `weekly_digest`;
//! always).

pub mod heuristics;

use garde::Validate;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::entities::{InsightKind, InsightSubjectType};
use crate::{AiInsightId, ContactId};

string_enum! {
    /// Where the practitioner is with an insight.
    InsightStatus {
        /// Not seen yet.
        New => "new",
        /// Seen.
        Viewed => "viewed",
        /// Not useful; hidden by clients.
        Dismissed => "dismissed",
        /// Acted upon.
        Applied => "applied",
    }
}

/// A status the practitioner may set (an insight never goes back to `new`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SettableInsightStatus {
    /// Seen.
    Viewed,
    /// Not useful.
    Dismissed,
    /// Acted upon.
    Applied,
}

impl From<SettableInsightStatus> for InsightStatus {
    fn from(value: SettableInsightStatus) -> Self {
        match value {
            SettableInsightStatus::Viewed => Self::Viewed,
            SettableInsightStatus::Dismissed => Self::Dismissed,
            SettableInsightStatus::Applied => Self::Applied,
        }
    }
}

/// Kinds the model writes (skipped without a provider).
pub const MODEL_KINDS: [InsightKind; 4] = [
    InsightKind::Summary,
    InsightKind::NextStep,
    InsightKind::Risk,
    InsightKind::Persona,
];

/// Kinds computed from the CRM's own rows about one contact (always available).
pub const CONTACT_HEURISTIC_KINDS: [InsightKind; 5] = [
    InsightKind::LeadScore,
    InsightKind::NextBestAction,
    InsightKind::ConsentGap,
    InsightKind::ThreadSummary,
    InsightKind::DuplicateContactSuspected,
];

/// An insight as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Insight {
    /// Id.
    pub id: AiInsightId,
    /// `contact`, or `segment` with no `subjectId` for the whole practice (the weekly
    /// digest).
    pub subject_type: InsightSubjectType,
    /// The contact's id, for `contact` insights.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub subject_id: Option<uuid::Uuid>,
    /// What it says.
    pub kind: InsightKind,
    /// Where the practitioner is with it.
    pub status: InsightStatus,
    /// `{title, summary, confidence (0..1), priority (low|medium|high|urgent), props,
    /// actions}`; `props` carries the figures a heuristic used.
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
    /// The model that wrote it, or `heuristic`.
    pub model: Option<String>,
    /// Version of the prompt or formula that produced it.
    pub prompt_version: Option<String>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Last change of its status.
    #[serde(with = "crate::timestamp")]
    pub updated_at: OffsetDateTime,
}

/// A page of insights, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InsightPage {
    /// The insights.
    pub items: Vec<Insight>,
    /// Pass as `?cursor=` for the next page; absent at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Query of `GET /data-intelligence/ai-insights`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InsightListQuery {
    /// Any of these kinds (`?kind=summary&kind=risk`).
    #[garde(length(max = 10))]
    #[serde(default)]
    pub kind: Vec<InsightKind>,
    /// Any of these statuses (`?status=new&status=viewed`).
    #[garde(length(max = 4))]
    #[serde(default)]
    pub status: Vec<InsightStatus>,
    /// Only insights about this contact.
    #[garde(skip)]
    #[serde(default)]
    #[param(value_type = Option<String>, format = Uuid)]
    pub subject_id: Option<ContactId>,
    /// Page size (1..=200, default 50).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_limit")]
    pub limit: u32,
    /// `nextCursor` of the previous page.
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub cursor: Option<String>,
}

/// Query of `GET /contacts/{id}/insights`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactInsightsQuery {
    /// Any of these kinds.
    #[garde(length(max = 10))]
    #[serde(default)]
    pub kind: Vec<InsightKind>,
    /// Any of these statuses.
    #[garde(length(max = 4))]
    #[serde(default)]
    pub status: Vec<InsightStatus>,
    /// Page size (1..=200, default 50).
    #[garde(range(min = 1, max = 200))]
    #[serde(default = "default_limit")]
    pub limit: u32,
    /// `nextCursor` of the previous page.
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default)]
    pub cursor: Option<String>,
}

impl From<(ContactId, ContactInsightsQuery)> for InsightListQuery {
    fn from((contact, q): (ContactId, ContactInsightsQuery)) -> Self {
        Self {
            kind: q.kind,
            status: q.status,
            subject_id: Some(contact),
            limit: q.limit,
            cursor: q.cursor,
        }
    }
}

fn default_limit() -> u32 {
    50
}

/// Body of `PATCH /data-intelligence/ai-insights/{id}`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateInsight {
    /// `viewed`, `dismissed` or `applied`.
    #[garde(skip)]
    pub status: SettableInsightStatus,
}

/// Body of `POST /data-intelligence/ai-insights`: what to (re)generate.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestInsights {
    /// The contact; absent: the heuristics of every contact and the weekly digest.
    #[garde(skip)]
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub subject_id: Option<ContactId>,
    /// Kinds to generate (default: all). About a contact: the model's kinds (skipped
    /// without a provider) and the contact heuristics; without `subjectId`: the contact
    /// heuristics of every contact and `weekly_digest`. Other kinds are reported skipped.
    #[garde(length(max = 10))]
    #[serde(default)]
    pub kinds: Vec<InsightKind>,
}
