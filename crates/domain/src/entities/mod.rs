//! API-facing entities of the tables whose resource has no module of its own yet. Contacts,
//! notes, the user profile, tags, files and onboarding tokens keep theirs beside their
//! resource (`<resource>/entity.rs`); the tags, files and onboarding entities are re-exported
//! here for the import paths that predate the move.
//!
//! Enumerations mirror the `CHECK` value lists of the migrations exactly; structs are what
//! the API returns (camelCase JSON). Secrets (onboarding token hashes, OAuth tokens) are
//! never part of these types.

/// Defines a text-backed enumeration: the derives, `ALL`, `as_str` and `parse`.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $value:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        #[serde(rename_all = "snake_case")]
        // Serialised by serde and described by utoipa as the snake_case variant name (utoipa
        // cannot read a `rename` passed through this macro): name each variant after its
        // value.
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every variant, in the order of the migration's `CHECK` list.
            pub const ALL: [Self; [$($value),+].len()] = [$(Self::$variant),+];

            /// The stored and serialised spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $value, )+
                }
            }

            /// Parses the stored spelling.
            pub fn parse(value: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.as_str() == value)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Asserts that every variant of each enum round-trips through `as_str`/`parse` and serde.
#[cfg(test)]
macro_rules! assert_enums_round_trip {
    ($($t:ty),+ $(,)?) => {$(
        for v in <$t>::ALL {
            assert_eq!(<$t>::parse(v.as_str()), Some(v));
            assert_eq!(v.to_string(), v.as_str());
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(json, format!("\"{}\"", v.as_str()));
            assert_eq!(serde_json::from_str::<$t>(&json).unwrap(), v);
        }
        assert_eq!(<$t>::parse("not-a-value"), None);
        let unique: std::collections::HashSet<_> = <$t>::ALL.into_iter().collect();
        assert_eq!(unique.len(), <$t>::ALL.len());
    )+};
}

pub mod chat;
pub mod consents;
pub mod identities;
pub mod integrations;
pub mod intelligence;
pub mod productivity;

pub use crate::files::{ClientFile, FileType, PhotoAccessAudit};
pub use crate::goals::Goal;
pub use crate::habits::{Habit, HabitCompletion};
pub use crate::onboarding::OnboardingToken;
pub use crate::tags::{Tag, TagCategory, TagTemplate, TaggableEntity};
pub use chat::{Message, MessageRole, Thread, ToolInvocation};
pub use consents::{ClientConsent, ConsentType};
pub use identities::{ContactIdentity, IdentifierKind, IgnoredIdentifier};
pub use integrations::{
    AiQuota, AiUsage, IntegrationProvider, IntegrationService, UserIntegration,
};
pub use intelligence::{
    AiInsight, ContactExtractionStatus, Document, Embedding, EmbeddingOwnerType, InsightKind,
    InsightSubjectType, Interaction, InteractionSource, InteractionType, ProcessingStatus,
    RawEvent, RawEventProvider,
};
pub use productivity::{
    DailyPulseLog, GoalStatus, GoalType, HabitFrequency, HabitType, InboxItem, InboxItemStatus,
    Project, ProjectStatus, Task, TaskPriority, TaskStatus, Zone,
};

time::serde::format_description!(pub(crate) ymd, Date, "[year]-[month]-[day]");
