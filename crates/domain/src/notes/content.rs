//! What is stored for a note's content: the redacted plain text with its PII entities and
//! the redacted rich document, after the size and depth limits.

use omnicrm_problem::AppError;
use serde_json::{Map, Value};

use super::NotePiiEntity;
use super::rich::{plain_text_of, redact_rich};
use crate::patch::Patch;
use crate::redaction::redact;

/// Longest plain text, in characters.
pub const MAX_PLAIN_CHARS: usize = 100_000;
/// Largest rich document, in bytes of compact JSON (larger: 413 `payload_too_large`).
pub const MAX_RICH_BYTES: usize = 200 * 1024;
/// Deepest rich document, counting every object and array level (deeper: 400 at
/// `/contentRich`). Real editor documents stay well below 20.
pub const MAX_RICH_DEPTH: usize = 48;

/// Content ready to store: nothing in it holds the PII the user typed.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedContent {
    /// Redacted plain text (never blank).
    pub plain: String,
    /// Redacted rich document (`{}` when none was given).
    pub rich: Map<String, Value>,
    /// What was redacted from the plain text (type and character offsets only).
    pub pii_entities: Vec<NotePiiEntity>,
}

/// Prepares a note's content from what the client sent. The plain text is `plain` when
/// given, else the rich document's text; a note without any text is refused (400 at
/// `/contentPlain`).
pub fn prepare_content(
    plain: Option<&str>,
    rich: Option<Map<String, Value>>,
) -> Result<PreparedContent, AppError> {
    prepare(plain, rich, "/contentPlain")
}

/// What a `PATCH` changes in a note's content (`None` = unchanged).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContentUpdate {
    /// New redacted plain text and its entities.
    pub plain: Option<(String, Vec<NotePiiEntity>)>,
    /// New redacted rich document (`{}` clears it).
    pub rich: Option<Map<String, Value>>,
}

/// Prepares a `PATCH` of the content. A new rich document without new plain text also
/// replaces the plain text with the document's text, so the two stay in step; a document
/// without text is then refused (400 at `/contentRich`). `contentRich: null` clears the
/// document and keeps the plain text.
pub fn prepare_update(
    plain: Patch<String>,
    rich: Patch<Map<String, Value>>,
) -> Result<ContentUpdate, AppError> {
    let plain = plain.flatten();
    match (plain, rich) {
        (Some(text), Some(Some(doc))) => {
            let p = prepare(Some(&text), Some(doc), "/contentPlain")?;
            Ok(ContentUpdate {
                plain: Some((p.plain, p.pii_entities)),
                rich: Some(p.rich),
            })
        }
        (Some(text), rich) => {
            let p = prepare(Some(&text), None, "/contentPlain")?;
            Ok(ContentUpdate {
                plain: Some((p.plain, p.pii_entities)),
                rich: rich.map(|_| Map::new()),
            })
        }
        (None, Some(Some(doc))) => {
            let p = prepare(None, Some(doc), "/contentRich")?;
            Ok(ContentUpdate {
                plain: Some((p.plain, p.pii_entities)),
                rich: Some(p.rich),
            })
        }
        (None, Some(None)) => Ok(ContentUpdate {
            plain: None,
            rich: Some(Map::new()),
        }),
        (None, None) => Ok(ContentUpdate::default()),
    }
}

fn prepare(
    plain: Option<&str>,
    rich: Option<Map<String, Value>>,
    missing_text_pointer: &str,
) -> Result<PreparedContent, AppError> {
    if let Some(doc) = &rich {
        check_rich_limits(doc)?;
    }
    let source_plain = match (plain, &rich) {
        (Some(text), _) => text.to_owned(),
        (None, Some(doc)) => plain_text_of(doc),
        (None, None) => String::new(),
    };
    if source_plain.trim().is_empty() {
        return Err(AppError::invalid_field(
            missing_text_pointer,
            "required",
            "a note needs text: send contentPlain, or a contentRich document that contains text",
        ));
    }
    if source_plain.chars().count() > MAX_PLAIN_CHARS {
        return Err(AppError::invalid_field(
            "/contentPlain",
            "length",
            &format!("the text is longer than {MAX_PLAIN_CHARS} characters"),
        ));
    }
    let redacted = redact(&source_plain);
    let mut rich = rich.unwrap_or_default();
    redact_rich(&mut rich);
    Ok(PreparedContent {
        plain: redacted.text,
        rich,
        pii_entities: redacted.entities.into_iter().map(Into::into).collect(),
    })
}

fn check_rich_limits(doc: &Map<String, Value>) -> Result<(), AppError> {
    if depth_exceeds(doc, MAX_RICH_DEPTH) {
        return Err(AppError::invalid_field(
            "/contentRich",
            "depth",
            &format!("the document is nested deeper than {MAX_RICH_DEPTH} levels"),
        ));
    }
    if compact_json_len(doc) > MAX_RICH_BYTES {
        return Err(
            AppError::payload_too_large(MAX_RICH_BYTES).with_detail(format!(
                "contentRich exceeds the limit of {MAX_RICH_BYTES} bytes of JSON"
            )),
        );
    }
    Ok(())
}

/// Whether any path through `doc` has more than `max` nested objects and arrays. Uses an
/// explicit stack, so it is safe on any input.
fn depth_exceeds(doc: &Map<String, Value>, max: usize) -> bool {
    let mut stack: Vec<(&Value, usize)> = doc.values().map(|v| (v, 2)).collect();
    while let Some((value, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        if depth > max {
            return true;
        }
        stack.extend(children.map(|child| (child, depth + 1)));
    }
    false
}

/// Length of the compact JSON serialisation, computed without building it.
fn compact_json_len(doc: &Map<String, Value>) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    match serde_json::to_writer(&mut counter, doc) {
        Ok(()) => counter.0,
        Err(_) => usize::MAX,
    }
}

#[cfg(test)]
mod tests {
    use omnicrm_problem::ErrorCode;
    use serde_json::json;

    use super::*;
    use crate::redaction::PiiType;

    fn doc(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn para(text: &str) -> Map<String, Value> {
        doc(json!({"type": "doc", "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": text}]}
        ]}))
    }

    #[test]
    fn plain_is_redacted_with_entities_and_rich_too() {
        let out = prepare_content(
            Some("Email ann@example.com"),
            Some(para("Email ann@example.com")),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(out.plain, "Email [EMAIL]");
        assert_eq!(
            out.rich["content"][0]["content"][0]["text"],
            "Email [EMAIL]"
        );
        assert_eq!(
            out.pii_entities,
            vec![NotePiiEntity {
                kind: PiiType::Email,
                start: 6,
                end: 21,
                redacted: true
            }]
        );
    }

    #[test]
    fn plain_is_derived_from_rich_when_absent() {
        let out = prepare_content(None, Some(para("Call 555-123-4567")))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(out.plain, "Call [PHONE]");
        assert_eq!(out.pii_entities.len(), 1);
    }

    #[test]
    fn a_note_needs_text() {
        for (plain, rich) in [
            (None, None),
            (Some("   "), None),
            (None, Some(doc(json!({"type": "doc", "content": []})))),
        ] {
            let err = prepare_content(plain, rich).err();
            assert_eq!(err.map(|e| e.code()), Some(ErrorCode::ValidationFailed));
        }
    }

    #[test]
    fn updates_keep_plain_and_rich_in_step() {
        let only_rich = prepare_update(None, Some(Some(para("Met at 12 Oak Street"))))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            only_rich.plain.as_ref().map(|(t, _)| t.as_str()),
            Some("Met at [ADDRESS]")
        );
        let cleared = prepare_update(Some(Some("new".into())), Some(None))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(cleared.rich, Some(Map::new()));
        let keep_rich =
            prepare_update(Some(Some("new".into())), None).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(keep_rich.rich, None);
        assert_eq!(
            prepare_update(None, None).ok(),
            Some(ContentUpdate::default())
        );
        let empty_doc = prepare_update(None, Some(Some(doc(json!({"type": "doc"}))))).err();
        assert_eq!(
            empty_doc.map(|e| e.field_errors()[0].pointer.clone()),
            Some("/contentRich".to_owned())
        );
    }

    #[test]
    fn deep_or_huge_documents_are_refused() {
        let mut deep = json!({"type": "text", "text": "x"});
        for _ in 0..MAX_RICH_DEPTH {
            deep = json!({"type": "paragraph", "content": [deep]});
        }
        let err = prepare_content(Some("x"), Some(doc(deep))).err();
        assert_eq!(
            err.as_ref().map(|e| e.field_errors()[0].pointer.as_str()),
            Some("/contentRich")
        );
        let shallow = json!({"content": [{"content": [{"text": "fine"}]}]});
        assert!(prepare_content(None, Some(doc(shallow))).is_ok());
        let huge = para(&"word ".repeat(MAX_RICH_BYTES / 5 + 10));
        let err = prepare_content(Some("x"), Some(huge)).err();
        assert_eq!(err.map(|e| e.code()), Some(ErrorCode::PayloadTooLarge));
    }
}
