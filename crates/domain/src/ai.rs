//! The AI layer's API shapes: the assistant's threads, messages, tool invocations and
//! pending actions, and the user's usage and limits.

use garde::Validate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::{ChatMessageId, ThreadId, ToolInvocationId};

/// Longest message a user may send to the assistant (characters).
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Longest thread title (characters).
pub const MAX_TITLE_CHARS: usize = 200;

/// Body of `POST /chat/threads`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateThread {
    /// Title (up to 200 characters); absent: untitled.
    #[garde(length(chars, max = 200))]
    #[serde(default)]
    pub title: Option<String>,
}

/// Body of `PATCH /chat/threads/{id}`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RenameThread {
    /// New title, 1..=200 characters.
    #[garde(length(chars, min = 1, max = 200))]
    pub title: String,
}

/// Body of `POST /chat/threads/{id}/messages`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PostMessage {
    /// What the user asks, 1..=4000 characters.
    #[garde(length(chars, min = 1, max = 4000))]
    pub content: String,
}

/// A chat thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatThread {
    /// Id.
    pub id: ThreadId,
    /// Title (`null`: untitled).
    pub title: Option<String>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Last activity.
    #[serde(with = "crate::timestamp")]
    pub updated_at: OffsetDateTime,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChatRole {
    /// The practitioner.
    User,
    /// The assistant.
    Assistant,
    /// Instructions.
    System,
    /// A tool's outcome (a confirmed action).
    Tool,
}

impl ChatRole {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Assistant => "assistant",
            Self::System => "system",
            Self::Tool => "tool",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(Self::User),
            "assistant" => Some(Self::Assistant),
            "system" => Some(Self::System),
            "tool" => Some(Self::Tool),
            _ => None,
        }
    }
}

/// One message of a thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    /// Id.
    pub id: ChatMessageId,
    /// Who wrote it.
    pub role: ChatRole,
    /// The text.
    pub text: String,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

/// A thread with its messages (oldest first) and its tool invocations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadDetail {
    /// The thread.
    #[serde(flatten)]
    pub thread: ChatThread,
    /// Its messages, oldest first (the newest 200).
    pub messages: Vec<ChatMessage>,
    /// The tools the assistant called in it, oldest first.
    pub tool_invocations: Vec<ChatToolCall>,
}

/// Where a tool call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ToolStatus {
    /// It ran and answered.
    Done,
    /// It failed (the assistant was told why).
    Failed,
    /// A write waiting for the user to confirm it.
    AwaitingConfirmation,
    /// A confirmed write being run.
    Running,
}

/// One tool call of the assistant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatToolCall {
    /// Id (a pending action is confirmed with it).
    pub id: ToolInvocationId,
    /// The assistant message that called it.
    pub message_id: ChatMessageId,
    /// Tool name (`search`, `get_contact`, `create_task`, ...).
    pub tool: String,
    /// Arguments, as the assistant gave them.
    pub arguments: Value,
    /// Where it stands.
    pub status: ToolStatus,
    /// What it answered (`null` while pending or when it failed).
    pub result: Option<Value>,
    /// Run time (`null` while pending).
    pub latency_ms: Option<i32>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

/// Answer of `POST /chat/threads/{id}/messages` (the last `done` event of the stream).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatReply {
    /// The user's message as stored.
    pub user_message: ChatMessage,
    /// The assistant's answer.
    pub message: ChatMessage,
    /// The tools it called for this answer, in order.
    pub tool_invocations: Vec<ChatToolCall>,
    /// Writes it proposes: nothing happens until the user confirms one with
    /// `POST /chat/threads/{id}/actions/{actionId}/confirm`.
    pub pending_actions: Vec<ChatToolCall>,
}

/// Answer of `POST /chat/threads/{id}/actions/{actionId}/confirm`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmedAction {
    /// The action, now `done` (or `failed`, with the reason in `error`).
    pub action: ChatToolCall,
    /// Why it failed (a problem `detail`), when it did.
    pub error: Option<String>,
}

/// Answer of `GET /ai/usage`: this month's usage and the limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AiUsageSummary {
    /// Whether a provider is configured (otherwise the AI routes answer 503).
    pub configured: bool,
    /// First day of the current quota month (UTC).
    #[serde(with = "crate::entities::ymd")]
    #[schema(value_type = String, format = Date)]
    pub period_start: time::Date,
    /// When the monthly credits are renewed (UTC midnight of the next month's first day).
    #[serde(with = "crate::timestamp")]
    pub period_resets_at: OffsetDateTime,
    /// Credits per month (one per assistant message).
    pub monthly_credits: i32,
    /// Credits left this month.
    pub credits_left: i32,
    /// Assistant messages per minute.
    pub requests_per_minute: u32,
    /// Cost cap per UTC day, millionths of a US dollar.
    pub daily_cost_cap_usd_micros: i64,
    /// Cost so far today (UTC), millionths of a US dollar.
    pub today_cost_usd_micros: i64,
    /// Model calls this month.
    pub month_requests: i64,
    /// Prompt tokens this month.
    pub month_input_tokens: i64,
    /// Completion tokens this month.
    pub month_output_tokens: i64,
    /// Cost this month, millionths of a US dollar.
    pub month_cost_usd_micros: i64,
}
