//! The one wire format of timestamps: RFC 3339 (`2026-12-06T05:29:12.5Z`), written
//! `#[serde(with = "omnicrm_domain::timestamp")]` on an `OffsetDateTime` and
//! `#[serde(with = "omnicrm_domain::timestamp::option")]` on an `Option<OffsetDateTime>`.
//!
//! The OpenAPI side needs no attribute: utoipa (with its `time` feature) documents
//! `OffsetDateTime` as `type: string, format: date-time`, nullable when optional.

pub use time::serde::rfc3339::{deserialize, serialize};

/// The same format for an optional timestamp (`null` when absent).
pub mod option {
    pub use time::serde::rfc3339::option::{deserialize, serialize};
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use time::OffsetDateTime;
    use time::macros::datetime;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Stamped {
        #[serde(with = "crate::timestamp")]
        at: OffsetDateTime,
        #[serde(with = "crate::timestamp::option")]
        maybe: Option<OffsetDateTime>,
    }

    #[test]
    fn timestamps_are_rfc3339_both_ways() {
        let stamped = Stamped {
            at: datetime!(2026-12-06 05:29:12.5 UTC),
            maybe: None,
        };
        let json = serde_json::to_string(&stamped).unwrap_or_default();
        assert_eq!(json, r#"{"at":"2026-12-06T05:29:12.5Z","maybe":null}"#);
        assert_eq!(serde_json::from_str::<Stamped>(&json).ok(), Some(stamped));
    }
}
