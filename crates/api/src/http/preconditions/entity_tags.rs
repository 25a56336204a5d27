//! Entity tags and the conditional headers that carry them (RFC 9110 §8.8.3, §13.1).

use actix_web::http::header::{HeaderMap, HeaderName};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use omnicrm_services::row_versions::{RowKey, Version, VersionedRow};

/// The strong `ETag` of `row` at `version`: opaque, and the same on every server.
///
/// A hash rather than the raw version: the version is a PostgreSQL transaction id, which
/// would tell a client how busy the database is. Table and key go in so that two
/// resources never share a tag.
pub fn etag_of(row: &VersionedRow, version: &Version) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(row.table.as_bytes());
    ctx.update(b"\0");
    match &row.key {
        RowKey::Owner => ctx.update(b"owner"),
        RowKey::Id { id, .. } => ctx.update(id.as_bytes()),
    }
    ctx.update(b"\0");
    ctx.update(version.as_deref().unwrap_or("absent").as_bytes());
    let digest = ctx.finish();
    let short = digest.as_ref().get(..16).unwrap_or_default();
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(short))
}

/// One entity tag of a conditional header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityTag {
    weak: bool,
    /// With its quotes, as `ETag` sends it.
    opaque: String,
}

/// An `If-Match` or `If-None-Match` value: `*` or a list of entity tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `*`: any current representation.
    Any,
    /// The listed tags.
    Tags(Vec<EntityTag>),
}

impl Condition {
    /// Reads every `name` field line of `headers` as one list; `Ok(None)` when absent,
    /// `Err` when a value is not `*` or a list of entity tags.
    pub fn parse(headers: &HeaderMap, name: &HeaderName) -> Result<Option<Self>, ()> {
        let mut tags = Vec::new();
        let mut any = false;
        let mut present = false;
        for value in headers.get_all(name) {
            present = true;
            let value = value.to_str().map_err(|_| ())?;
            if value.trim() == "*" {
                any = true;
                continue;
            }
            parse_list(value, &mut tags)?;
        }
        match (present, any) {
            (false, _) => Ok(None),
            // `*` is only valid alone.
            (true, true) if tags.is_empty() => Ok(Some(Self::Any)),
            (true, true) => Err(()),
            (true, false) if tags.is_empty() => Err(()),
            (true, false) => Ok(Some(Self::Tags(tags))),
        }
    }

    /// `If-Match` (strong comparison): whether `current` (a tag, or `None` when there is no
    /// current representation) satisfies the condition.
    pub fn matches_strong(&self, current: Option<&str>) -> bool {
        match (self, current) {
            (_, None) => false,
            (Self::Any, Some(_)) => true,
            (Self::Tags(tags), Some(current)) => {
                tags.iter().any(|t| !t.weak && t.opaque == current)
            }
        }
    }

    /// `If-None-Match` (weak comparison): whether some listed tag names `current`.
    pub fn matches_weak(&self, current: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Tags(tags) => tags.iter().any(|t| t.opaque == current),
        }
    }
}

/// `#entity-tag`: comma-separated, optional whitespace, empty elements allowed.
fn parse_list(value: &str, out: &mut Vec<EntityTag>) -> Result<(), ()> {
    let mut rest = value.trim_start_matches([' ', '\t', ',']);
    while !rest.is_empty() {
        let (weak, tail) = match rest.strip_prefix("W/") {
            Some(tail) => (true, tail),
            None => (false, rest),
        };
        let inner = tail.strip_prefix('"').ok_or(())?;
        let end = inner.find('"').ok_or(())?;
        let opaque = inner.get(..end).ok_or(())?;
        // etagc = %x21 / %x23-7E / obs-text
        if !opaque
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80)
        {
            return Err(());
        }
        out.push(EntityTag {
            weak,
            opaque: format!("\"{opaque}\""),
        });
        rest = inner
            .get(end + 1..)
            .ok_or(())?
            .trim_start_matches([' ', '\t']);
        if rest.is_empty() {
            break;
        }
        rest = rest
            .strip_prefix(',')
            .ok_or(())?
            .trim_start_matches([' ', '\t', ',']);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderValue, IF_MATCH};

    use super::*;

    fn parse(values: &[&str]) -> Result<Option<Condition>, ()> {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(IF_MATCH, HeaderValue::from_str(v).unwrap());
        }
        Condition::parse(&headers, &IF_MATCH)
    }

    #[test]
    fn lists_star_and_weak_tags_follow_rfc_9110() {
        let c = parse(&[r#""a", W/"b""#, r#""c""#]).unwrap().unwrap();
        assert!(c.matches_strong(Some(r#""a""#)));
        assert!(c.matches_strong(Some(r#""c""#)));
        assert!(
            !c.matches_strong(Some(r#""b""#)),
            "weak tags never match strongly"
        );
        assert!(c.matches_weak(r#""b""#));
        assert!(!c.matches_strong(None));
        assert_eq!(parse(&["*"]).unwrap(), Some(Condition::Any));
        assert!(Condition::Any.matches_strong(Some("\"x\"")));
        assert!(!Condition::Any.matches_strong(None));
        assert_eq!(parse(&[]).unwrap(), None);
        assert!(parse(&["abc"]).is_err(), "unquoted");
        assert!(parse(&["\"a"]).is_err(), "unterminated");
        assert!(parse(&["*, \"a\""]).is_err(), "star is only valid alone");
        assert!(parse(&["\"a\" \"b\""]).is_err(), "missing comma");
        assert!(parse(&[" , "]).is_err(), "no tag at all");
        assert!(parse(&[r#" "a" ,, "b" , "#]).unwrap().is_some());
    }

    #[test]
    fn etags_are_quoted_and_differ_by_version_and_row() {
        let row = VersionedRow {
            table: "contacts",
            key: RowKey::Id {
                id: uuid::Uuid::nil(),
                parent: None,
            },
        };
        let a = etag_of(&row, &Some("1".into()));
        assert!(a.starts_with('"') && a.ends_with('"') && a.len() == 24);
        assert_ne!(a, etag_of(&row, &Some("2".into())));
        let other = VersionedRow {
            table: "notes",
            ..row
        };
        assert_ne!(a, etag_of(&other, &Some("1".into())));
    }

    /// The document's `If-Match`/`If-None-Match` pattern says what the parser accepts.
    #[test]
    fn the_documented_pattern_agrees_with_the_parser() {
        let pattern =
            regex::Regex::new(crate::http::preconditions::openapi::ENTITY_TAGS_PATTERN).unwrap();
        for value in [
            "*",
            " * ",
            "\"a\"",
            "W/\"a\"",
            "\"a\", W/\"b\"",
            ",\"a\",, \"b\" ,",
            "\"\"",
            "\"!#~\"",
            "",
            " ",
            ",",
            "*, \"a\"",
            "a",
            "\"a",
            "\"a\" \"b\"",
            "w/\"a\"",
            "\"a b\"",
            "\"a\"x",
            "W/",
            "**",
            "\"a\"\t,\t\"b\"",
        ] {
            assert_eq!(
                pattern.is_match(value),
                parse(&[value]).is_ok(),
                "{value:?}"
            );
        }
    }
}
