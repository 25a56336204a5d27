//! Priority and life-zone hints from words.

use super::words::words;
use crate::entities::productivity::TaskPriority;

/// A life zone (the names of the `zones` reference table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ZoneHint {
    /// "Personal Wellness".
    PersonalWellness,
    /// "Self Care".
    SelfCare,
    /// "Admin & Finances".
    AdminFinances,
    /// "Business Development".
    BusinessDevelopment,
    /// "Social Media & Marketing".
    SocialMediaMarketing,
    /// "Client Care".
    ClientCare,
}

impl ZoneHint {
    /// The zone's name in the `zones` table.
    pub const fn name(self) -> &'static str {
        match self {
            Self::PersonalWellness => "Personal Wellness",
            Self::SelfCare => "Self Care",
            Self::AdminFinances => "Admin & Finances",
            Self::BusinessDevelopment => "Business Development",
            Self::SocialMediaMarketing => "Social Media & Marketing",
            Self::ClientCare => "Client Care",
        }
    }
}

/// `high` for "urgent", "asap", "critical", "important", "immediately", "emergency",
/// "high priority" or "!!"; `low` for "someday", "eventually", "whenever", "maybe",
/// "low priority" or "no rush"; otherwise `None` (the task keeps its default). High wins
/// when both appear.
pub fn priority_hint(text: &str) -> Option<TaskPriority> {
    if text.contains("!!") {
        return Some(TaskPriority::High);
    }
    let words = words(text);
    let mut low = false;
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).map(|n| n.text.as_str());
        match (w.text.as_str(), next) {
            (
                "urgent" | "urgently" | "asap" | "critical" | "important" | "immediately"
                | "emergency",
                _,
            )
            | ("high", Some("priority")) => return Some(TaskPriority::High),
            ("someday" | "eventually" | "whenever" | "maybe", _)
            | ("low", Some("priority"))
            | ("no", Some("rush")) => low = true,
            _ => {}
        }
    }
    low.then_some(TaskPriority::Low)
}

/// Keywords of each zone; the zone with the most keyword hits wins (the earlier zone in
/// this table on a tie). Plural "s" is ignored.
const ZONE_WORDS: &[(ZoneHint, &[&str])] = &[
    (
        ZoneHint::ClientCare,
        &[
            "client",
            "session",
            "appointment",
            "follow-up",
            "followup",
            "intake",
            "patient",
            "booking",
            "consult",
            "consultation",
            "check-in",
        ],
    ),
    (
        ZoneHint::AdminFinances,
        &[
            "invoice",
            "tax",
            "bill",
            "payment",
            "receipt",
            "bank",
            "accounting",
            "expense",
            "insurance",
            "paperwork",
            "admin",
            "budget",
            "payroll",
            "rent",
        ],
    ),
    (
        ZoneHint::SocialMediaMarketing,
        &[
            "post",
            "instagram",
            "facebook",
            "tiktok",
            "linkedin",
            "newsletter",
            "blog",
            "marketing",
            "social",
            "reel",
            "story",
            "content",
            "campaign",
        ],
    ),
    (
        ZoneHint::BusinessDevelopment,
        &[
            "workshop",
            "course",
            "partnership",
            "pricing",
            "website",
            "launch",
            "network",
            "networking",
            "proposal",
            "strategy",
            "retreat",
            "offer",
        ],
    ),
    (
        ZoneHint::SelfCare,
        &[
            "massage",
            "bath",
            "rest",
            "nap",
            "journal",
            "journaling",
            "read",
            "relax",
            "break",
            "holiday",
            "vacation",
        ],
    ),
    (
        ZoneHint::PersonalWellness,
        &[
            "yoga",
            "run",
            "gym",
            "workout",
            "exercise",
            "meditate",
            "meditation",
            "sleep",
            "walk",
            "doctor",
            "dentist",
            "therapy",
            "stretch",
            "hike",
        ],
    ),
];

/// The life zone the words of `text` point to, if any.
pub fn zone_hint(text: &str) -> Option<ZoneHint> {
    let mut hits = [0u32; 6];
    for w in words(text) {
        let singular = w.text.strip_suffix('s').unwrap_or(&w.text);
        for (index, (_, keywords)) in ZONE_WORDS.iter().enumerate() {
            if keywords.contains(&w.text.as_str()) || keywords.contains(&singular) {
                hits[index] += 1;
            }
        }
    }
    let (best, count) =
        hits.iter().enumerate().fold(
            (0, 0),
            |(bi, bc), (i, c)| if *c > bc { (i, *c) } else { (bi, bc) },
        );
    (count > 0).then(|| ZONE_WORDS[best].0)
}
