//! AI chat: threads, messages and tool invocations.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::UserId;

string_enum! {
    /// Author of a chat message.
    MessageRole {
        /// The practitioner.
        User => "user",
        /// The assistant.
        Assistant => "assistant",
        /// System instructions.
        System => "system",
        /// A tool's output.
        Tool => "tool",
    }
}

/// A chat conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Thread {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// Title.
    pub title: Option<String>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "crate::timestamp")]
    pub updated_at: OffsetDateTime,
}

/// A message in a thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// The thread.
    pub thread_id: Uuid,
    /// Author.
    pub role: MessageRole,
    /// Content.
    pub content: serde_json::Value,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

/// A tool call made while answering a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolInvocation {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// The message.
    pub message_id: Uuid,
    /// Tool name.
    pub tool: String,
    /// Arguments.
    pub args: serde_json::Value,
    /// Result (null = the tool failed).
    pub result: Option<serde_json::Value>,
    /// Duration in milliseconds.
    pub latency_ms: Option<i32>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        assert_enums_round_trip!(MessageRole);
    }
}
