//! A Gmail API `Message` (format `full`) to an email interaction.
//!
//! The MIME tree is walked with an explicit stack, bounded in depth and part count; header
//! values are cut before decoding; only the first text part's data is decoded. Gmail has
//! already undone each part's `Content-Transfer-Encoding`: `body.data` is the part's content
//! in base64url, in the part's charset.

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::text::{
    Address, decode_charset, decode_rfc2047, html_to_text, parse_address_list, truncate,
};
use super::{BODY_MAX_BYTES, NewInteraction, Outcome, OwnAddresses, SNIPPET_MAX_BYTES};

/// Deepest MIME nesting walked (real mail nests 3 or 4 levels).
pub const MAX_DEPTH: usize = 32;
/// Most MIME parts looked at.
pub const MAX_PARTS: usize = 500;
/// Headers looked at per part.
const MAX_HEADERS: usize = 500;
/// A header value is cut to this many bytes before it is decoded.
const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Encoded body data decoded at most (the text is cut to [`BODY_MAX_BYTES`] anyway).
const MAX_BODY_DATA: usize = 2 * 1024 * 1024;
/// Subjects are cut to this many bytes.
const SUBJECT_MAX_BYTES: usize = 2000;

const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn header<'a>(headers: &'a [Value], name: &str) -> Option<&'a str> {
    headers.iter().take(MAX_HEADERS).find_map(|h| {
        let n = h.get("name")?.as_str()?;
        n.eq_ignore_ascii_case(name)
            .then(|| h.get("value")?.as_str())
            .flatten()
    })
}

fn cut(value: &str) -> &str {
    let mut end = value.len().min(MAX_HEADER_BYTES);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}

fn headers_of(part: &Value) -> &[Value] {
    part.get("headers")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `charset` parameter of a `Content-Type` value.
fn charset(content_type: &str) -> &str {
    content_type
        .split(';')
        .skip(1)
        .find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("charset")
                .then(|| v.trim().trim_matches('"'))
        })
        .unwrap_or("utf-8")
}

fn is_attachment(part: &Value) -> bool {
    let named = part
        .get("filename")
        .and_then(Value::as_str)
        .is_some_and(|f| !f.is_empty());
    let disposition = header(headers_of(part), "Content-Disposition").is_some_and(|d| {
        d.trim_start()
            .to_ascii_lowercase()
            .starts_with("attachment")
    });
    named || disposition
}

/// The first `text/plain` part, else the first `text/html` one, depth-first, bounded.
fn text_parts(payload: &Value) -> (Option<&Value>, Option<&Value>) {
    let mut plain = None;
    let mut html = None;
    let mut stack: Vec<(&Value, usize)> = vec![(payload, 0)];
    let mut seen = 0;
    while let Some((part, depth)) = stack.pop() {
        seen += 1;
        if seen > MAX_PARTS {
            break;
        }
        let mime = part
            .get("mimeType")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        if mime == "text/plain" && plain.is_none() && !is_attachment(part) {
            plain = Some(part);
            break;
        }
        if mime == "text/html" && html.is_none() && !is_attachment(part) {
            html = Some(part);
        }
        if depth < MAX_DEPTH
            && let Some(children) = part.get("parts").and_then(Value::as_array)
        {
            // Reversed so the first child is walked first.
            for child in children.iter().take(MAX_PARTS).rev() {
                stack.push((child, depth + 1));
            }
        }
    }
    (plain, html)
}

fn part_text(part: &Value) -> Option<String> {
    let data = part.get("body")?.get("data")?.as_str()?;
    // Cut on a 4-character boundary so the cut data still decodes.
    // (`get` refuses a cut inside a character: such data is not base64 anyway.)
    let data = data.get(..data.len().min(MAX_BODY_DATA))?;
    let bytes = BASE64URL.decode(data.trim_end_matches('=')).ok()?;
    let content_type = header(headers_of(part), "Content-Type").unwrap_or("");
    Some(decode_charset(&bytes, charset(cut(content_type))))
}

fn address_json(a: &Address) -> Value {
    json!({ "email": a.email, "name": a.name })
}

fn addresses(headers: &[Value], name: &str) -> Vec<Address> {
    header(headers, name).map_or_else(Vec::new, |v| parse_address_list(cut(v)))
}

/// Normalises one Gmail message.
pub fn normalise(message: &Value, fallback_at: OffsetDateTime, own: &OwnAddresses) -> Outcome {
    let Some(message) = message.as_object() else {
        return Outcome::Failed("malformed_payload");
    };
    let labels: Vec<&str> = message
        .get("labelIds")
        .and_then(Value::as_array)
        .map(|l| l.iter().take(200).filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (label, reason) in [("SPAM", "spam"), ("TRASH", "trash"), ("DRAFT", "draft")] {
        if labels.contains(&label) {
            return Outcome::Skipped(reason);
        }
    }
    let Some(payload) = message.get("payload").filter(|p| p.is_object()) else {
        return Outcome::Failed("missing_payload");
    };
    let headers = headers_of(payload);
    let from = addresses(headers, "From").into_iter().next();
    let to = addresses(headers, "To");
    let cc = addresses(headers, "Cc");
    let bcc = addresses(headers, "Bcc");
    let subject = header(headers, "Subject")
        .map(|s| truncate(decode_rfc2047(cut(s)).trim().to_owned(), SUBJECT_MAX_BYTES))
        .filter(|s| !s.is_empty());
    let (plain, html) = text_parts(payload);
    let body = match (plain.and_then(part_text), html.and_then(part_text)) {
        (Some(p), _) => Some(truncate(p.trim().replace("\r\n", "\n"), BODY_MAX_BYTES)),
        (None, Some(h)) => Some(html_to_text(&h, BODY_MAX_BYTES)),
        (None, None) => None,
    }
    .filter(|b| !b.is_empty());
    let snippet = message
        .get("snippet")
        .and_then(Value::as_str)
        .map(|s| html_to_text(s, SNIPPET_MAX_BYTES))
        .filter(|s| !s.is_empty());
    let occurred_at = message
        .get("internalDate")
        .and_then(|d| {
            d.as_str()
                .and_then(|s| s.parse::<i64>().ok())
                .or_else(|| d.as_i64())
        })
        .and_then(|ms| OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok())
        .unwrap_or(fallback_at);
    let outbound =
        labels.contains(&"SENT") || from.as_ref().is_some_and(|f| own.contains(&f.email));
    // The people on the other side, most relevant first: the sender of what came in, the
    // recipients of what went out.
    let mut participants: Vec<String> = Vec::new();
    let ordered: Vec<&Address> = if outbound {
        to.iter()
            .chain(&cc)
            .chain(&bcc)
            .chain(from.iter())
            .collect()
    } else {
        from.iter().chain(&to).chain(&cc).collect()
    };
    for a in ordered {
        if !own.contains(&a.email) && !participants.contains(&a.email) {
            participants.push(a.email.clone());
        }
    }
    let mut meta = Map::new();
    meta.insert(
        "from".into(),
        from.as_ref().map_or(Value::Null, address_json),
    );
    meta.insert("to".into(), to.iter().map(address_json).collect());
    meta.insert("cc".into(), cc.iter().map(address_json).collect());
    meta.insert(
        "threadId".into(),
        message
            .get("threadId")
            .filter(|t| t.is_string())
            .cloned()
            .unwrap_or(Value::Null),
    );
    meta.insert("labelIds".into(), labels.iter().map(|l| json!(l)).collect());
    meta.insert("snippet".into(), json!(snippet));
    meta.insert(
        "direction".into(),
        json!(if outbound { "outbound" } else { "inbound" }),
    );
    meta.insert("participants".into(), json!(participants));
    Outcome::Interaction(NewInteraction {
        kind: "email",
        subject,
        body_text: body,
        occurred_at,
        source_meta: Value::Object(meta),
        participants,
    })
}
