//! The rich editor document (TipTap / ProseMirror JSON): plain-text extraction and PII
//! redaction.
//!
//! A document is a tree of nodes `{"type", "attrs"?, "content"?: [..], "text"?, "marks"?}`.
//! Text lives in text nodes; one word can be split over several sibling text nodes when
//! part of it is bold or a link, so redaction looks at each run of sibling text nodes as
//! one string and maps every match back onto the nodes it spans. Every other string in
//! the document (link `href`s such as `mailto:ann@example.com`, titles, alt texts) is
//! redacted on its own, except node and mark `type` names and `data:` URIs.
//!
//! Callers bound the depth first ([`super::MAX_RICH_DEPTH`]); the recursion here relies
//! on it.

use serde_json::{Map, Value};

use crate::redaction::{find_pii, redact};

/// Node types that sit inside a line of text rather than starting a new block.
const INLINE_TYPES: &[&str] = &["text", "hardBreak", "mention", "emoji", "hashtag"];

/// The document's text: text nodes in order, blocks separated by a line break, hard
/// breaks as line breaks. Surrounding whitespace is trimmed.
pub fn plain_text_of(doc: &Map<String, Value>) -> String {
    let mut out = String::new();
    collect_text(doc, &mut out);
    out.trim().to_owned()
}

fn collect_text(node: &Map<String, Value>, out: &mut String) {
    if let Some(text) = node.get("text").and_then(Value::as_str) {
        out.push_str(text);
        return;
    }
    if node_type(node) == Some("hardBreak") {
        out.push('\n');
        return;
    }
    let Some(children) = node.get("content").and_then(Value::as_array) else {
        return;
    };
    let mut first_block = true;
    for child in children.iter().filter_map(Value::as_object) {
        if !is_inline(child) {
            if !first_block {
                out.push('\n');
            }
            first_block = false;
        }
        collect_text(child, out);
    }
}

fn node_type(node: &Map<String, Value>) -> Option<&str> {
    node.get("type").and_then(Value::as_str)
}

fn is_inline(node: &Map<String, Value>) -> bool {
    node.get("text").is_some_and(Value::is_string)
        || node_type(node).is_some_and(|t| INLINE_TYPES.contains(&t))
}

/// Redacts the document in place (see the module documentation).
pub fn redact_rich(doc: &mut Map<String, Value>) {
    for value in doc.values_mut() {
        redact_text_runs(value);
    }
    for (key, value) in doc.iter_mut() {
        redact_other_strings(key, value);
    }
}

/// Pass 1: every run of sibling text nodes, as one string.
fn redact_text_runs(value: &mut Value) {
    match value {
        Value::Array(items) => {
            redact_runs_in(items);
            items.iter_mut().for_each(redact_text_runs);
        }
        Value::Object(map) => map.values_mut().for_each(redact_text_runs),
        _ => {}
    }
}

fn is_text_node(value: &Value) -> bool {
    value.get("text").is_some_and(Value::is_string)
}

fn redact_runs_in(items: &mut Vec<Value>) {
    let mut i = 0;
    let mut emptied = false;
    while i < items.len() {
        if !is_text_node(&items[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < items.len() && is_text_node(&items[i]) {
            i += 1;
        }
        emptied |= redact_run(&mut items[start..i]);
    }
    if emptied {
        // ProseMirror refuses empty text nodes: a node whose whole text belonged to a
        // match that started in an earlier node goes away.
        items.retain(|item| item.get("text").is_none_or(|t| t.as_str() != Some("")));
    }
}

/// Redacts one run of text nodes; returns whether a node became empty.
fn redact_run(nodes: &mut [Value]) -> bool {
    let texts: Vec<&str> = nodes
        .iter()
        .map(|n| n.get("text").and_then(Value::as_str).unwrap_or(""))
        .collect();
    let joined = texts.concat();
    let matches = find_pii(&joined);
    if matches.is_empty() {
        return false;
    }
    let mut new_texts = Vec::with_capacity(texts.len());
    let mut node_start = 0;
    // Matches are sorted and disjoint: each node looks only at those not yet behind it,
    // so a run of many nodes and many matches costs their sum, not their product.
    let mut first = 0;
    for text in &texts {
        let node_end = node_start + text.len();
        let mut out = String::with_capacity(text.len());
        let mut cursor = node_start;
        while matches
            .get(first)
            .is_some_and(|m| m.range.end <= node_start)
        {
            first += 1;
        }
        for m in matches
            .get(first..)
            .unwrap_or_default()
            .iter()
            .take_while(|m| m.range.start < node_end)
        {
            if m.range.start >= node_start {
                out.push_str(&joined[cursor..m.range.start]);
                out.push_str(m.kind.marker());
            }
            cursor = cursor.max(m.range.end.min(node_end));
        }
        out.push_str(&joined[cursor..node_end]);
        new_texts.push(out);
        node_start = node_end;
    }
    let mut emptied = false;
    for (node, text) in nodes.iter_mut().zip(new_texts) {
        emptied |= text.is_empty();
        if let Some(slot) = node.get_mut("text") {
            *slot = Value::String(text);
        }
    }
    emptied
}

/// Pass 2: every remaining string (attributes, stray text fields) on its own.
fn redact_other_strings(key: &str, value: &mut Value) {
    match value {
        Value::String(s) if key != "type" && !s.starts_with("data:") => {
            let redacted = redact(s);
            if !redacted.entities.is_empty() {
                *s = redacted.text;
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| redact_other_strings("", item)),
        Value::Object(map) => map.iter_mut().for_each(|(k, v)| redact_other_strings(k, v)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::cpu_timing;

    #[test]
    fn many_text_nodes_full_of_pii_cost_linear_time() {
        let doc_of = |nodes: usize| {
            let content: Vec<Value> = (0..nodes)
                .map(|_| json!({"type": "text", "text": "a@b.co 001 "}))
                .collect();
            doc(json!({"type": "doc", "content": [{"type": "paragraph", "content": content}]}))
        };
        let (small, large) = (doc_of(400), doc_of(4_000));
        let ratio = cpu_timing::growth(&small, &large, 15.0, |d| {
            redact_rich(&mut d.clone());
        });
        assert!(ratio <= 15.0, "x{ratio:.1}");
    }

    fn doc(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn plain_text_joins_blocks_with_line_breaks() {
        let d = doc(json!({"type": "doc", "content": [
            {"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "Intake"}]},
            {"type": "paragraph", "content": [
                {"type": "text", "text": "Sleeps "},
                {"type": "text", "marks": [{"type": "bold"}], "text": "badly"},
                {"type": "hardBreak"},
                {"type": "text", "text": "since May."}
            ]},
            {"type": "bulletList", "content": [
                {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "stress"}]}]},
                {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "diet"}]}]}
            ]}
        ]}));
        assert_eq!(
            plain_text_of(&d),
            "Intake\nSleeps badly\nsince May.\nstress\ndiet"
        );
        assert_eq!(plain_text_of(&doc(json!({"type": "doc"}))), "");
    }

    #[test]
    fn text_nodes_links_and_pii_split_over_marks_are_redacted() {
        let mut d = doc(json!({"type": "doc", "content": [
            {"type": "paragraph", "content": [
                {"type": "text", "text": "Mail "},
                {"type": "text", "marks": [{"type": "link", "attrs": {"href": "mailto:ann@example.com", "target": "_blank"}}], "text": "ann@example.com"},
                {"type": "text", "text": " or call 555-"},
                {"type": "text", "marks": [{"type": "bold"}], "text": "123-4567"},
                {"type": "text", "text": " today"}
            ]},
            {"type": "image", "attrs": {"src": "data:image/png;base64,4111111111111111", "alt": "card 4111 1111 1111 1111"}}
        ]}));
        redact_rich(&mut d);
        let out = Value::Object(d.clone());
        let text = out.to_string();
        for leaked in ["ann@example.com", "555-", "123-4567", "4111 1111"] {
            assert!(!text.contains(leaked), "{leaked} in {text}");
        }
        let para = &out["content"][0]["content"];
        assert_eq!(para[1]["text"], "[EMAIL]");
        assert_eq!(para[1]["marks"][0]["attrs"]["href"], "mailto:[EMAIL]");
        assert_eq!(para[1]["marks"][0]["attrs"]["target"], "_blank");
        // The phone started in the third node: the marker lands there, and the fourth
        // node (all of it part of the phone) is gone.
        assert_eq!(para[2]["text"], " or call [PHONE]");
        assert_eq!(para[3]["text"], " today");
        assert_eq!(para.as_array().map(Vec::len), Some(4));
        assert_eq!(out["content"][1]["attrs"]["alt"], "card [CREDIT_CARD]");
        // data: URIs and type names are left alone.
        assert_eq!(
            out["content"][1]["attrs"]["src"],
            "data:image/png;base64,4111111111111111"
        );
        assert_eq!(plain_text_of(&d), "Mail [EMAIL] or call [PHONE] today");
    }

    #[test]
    fn a_document_without_pii_is_unchanged() {
        let original = doc(json!({"type": "doc", "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "Felt better on 2024-01-15 at 10:30."}]}
        ]}));
        let mut d = original.clone();
        redact_rich(&mut d);
        assert_eq!(d, original);
    }
}
