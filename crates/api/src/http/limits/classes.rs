//! The route classes and how an operation declares them.

/// Operation extension naming the rate-limit class (`read`, `write`, `heavy`, `public`,
/// `download`, `exempt`).
pub const RATE_CLASS_EXTENSION: &str = "x-rate-limit-class";
/// Operation extension giving the largest request body, in bytes.
pub const BODY_LIMIT_EXTENSION: &str = "x-body-limit";

/// Body limits of the route classes, in bytes.
pub mod body_limit {
    /// A JSON body (create, update, bulk changes).
    pub const JSON: usize = crate::JSON_LIMIT_BYTES;
    /// A public form's JSON body (onboarding): anyone may send it, so it is kept small.
    pub const PUBLIC_FORM: usize = 64 * 1024;
    /// An action's body (`{}` or nothing), and the body of a route that reads none.
    pub const ACTION: usize = 1024;
    /// Room for the multipart framing and small text fields around an uploaded file.
    pub const UPLOAD_ENVELOPE: usize = 64 * 1024;

    /// A multipart upload whose file may have `file_bytes`.
    pub const fn upload(file_bytes: usize) -> usize {
        file_bytes + UPLOAD_ENVELOPE
    }
}

/// Which rate limit a route counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateClass {
    /// Authenticated reads, per user.
    Read,
    /// Authenticated changes, per user.
    Write,
    /// Authenticated uploads, exports, bulk changes and drains, per user.
    Heavy,
    /// Unauthenticated routes, per client address and route.
    Public,
    /// Signed file downloads, per client address, under their larger budget.
    Download,
    /// Not limited, no headers: health probes, the OpenAPI document, problem pages
    /// (they touch no user data, and a probe must never be refused), and the cron drain
    /// (infrastructure behind a high-entropy secret that is checked before anything else,
    /// which a scheduler may call as often as its latency needs).
    Exempt,
}

impl RateClass {
    /// Every class, for tables and tests.
    pub const ALL: [Self; 6] = [
        Self::Read,
        Self::Write,
        Self::Heavy,
        Self::Public,
        Self::Download,
        Self::Exempt,
    ];

    /// The name used in [`RATE_CLASS_EXTENSION`].
    pub const fn name(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Heavy => "heavy",
            Self::Public => "public",
            Self::Download => "download",
            Self::Exempt => "exempt",
        }
    }

    /// The class called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|class| class.name() == name)
    }
}
