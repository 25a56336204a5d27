//! Typed ids: a `ContactId` cannot be passed where a `NoteId` is expected.
//!
//! With the `diesel` feature (turned on by `omnicrm-repo` only) each id is also a diesel
//! `uuid` expression and column value, so queries take and return typed ids directly.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta] $name:ident),+ $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        #[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow))]
        #[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Uuid))]
        pub struct $name(pub Uuid);

        #[cfg(feature = "diesel")]
        impl diesel::serialize::ToSql<diesel::sql_types::Uuid, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <Uuid as diesel::serialize::ToSql<diesel::sql_types::Uuid, diesel::pg::Pg>>::to_sql(
                    &self.0, out,
                )
            }
        }

        #[cfg(feature = "diesel")]
        impl diesel::deserialize::FromSql<diesel::sql_types::Uuid, diesel::pg::Pg> for $name {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                <Uuid as diesel::deserialize::FromSql<diesel::sql_types::Uuid, diesel::pg::Pg>>::from_sql(
                    bytes,
                )
                .map(Self)
            }
        }

        impl $name {
            /// A fresh, time-ordered (v7) id.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            /// The underlying UUID.
            pub const fn into_uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }

        impl From<$name> for Uuid {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )+};
}

typed_id!(
    /// The authenticated subject (`sub` of the access token) and owner of every tenant row.
    UserId,
    /// A contact (client) of a practitioner.
    ContactId,
    /// A note about a contact.
    NoteId,
    /// A goal.
    GoalId,
    /// A tag.
    TagId,
    /// A task.
    TaskId,
    /// A project.
    ProjectId,
    /// An onboarding token.
    OnboardingTokenId,
);

typed_id!(
    /// A habit the user tracks.
    HabitId,
    /// One day's completion of a habit.
    HabitCompletionId,
    /// One day's entry of the daily pulse.
    PulseLogId,
);

typed_id!(
    /// An inbox item (a quick capture).
    InboxItemId,
    /// An assistant chat thread.
    ThreadId,
    /// A message of an assistant chat thread.
    ChatMessageId,
    /// One tool call of the assistant (also the id of a pending action).
    ToolInvocationId,
);

typed_id!(
    /// An AI insight (a generated or computed observation about a contact or the practice).
    AiInsightId,
);
