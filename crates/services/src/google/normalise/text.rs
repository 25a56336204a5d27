//! Text helpers of normalisation: RFC 2047 encoded words, address lists, charsets and
//! HTML to text. Every function is linear in its input (a scan never restarts further back
//! than a constant window) and writes at most a bounded output.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;

/// Longest encoded word looked at (RFC 2047 allows 75 characters; a little slack for
/// real-world senders). Bounding the look-ahead keeps the scan linear on `=?=?=?..`.
const MAX_ENCODED_WORD: usize = 200;
/// Addresses read from one header.
pub const MAX_ADDRESSES: usize = 100;
/// Longest email address kept (RFC 5321 path limit).
const MAX_EMAIL_LEN: usize = 254;
/// Longest display name kept, in characters.
const MAX_NAME_CHARS: usize = 200;

/// Truncates `s` to at most `max` bytes at a character boundary.
pub fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

/// Decodes `bytes` in `charset` (UTF-8, US-ASCII and the Latin-1 family; anything else is
/// read as UTF-8, replacing invalid sequences).
pub fn decode_charset(bytes: &[u8], charset: &str) -> String {
    let cs = charset.trim().trim_matches('"').to_ascii_lowercase();
    match cs.as_str() {
        "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1" | "windows-1252" | "cp1252"
        | "iso-8859-15" => bytes.iter().map(|&b| char::from(b)).collect(),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes the `Q` encoding of an encoded word (`_` is a space, `=XX` a byte).
fn decode_q(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'_' => out.push(b' '),
            b'=' if i + 2 < text.len() => match (hex(text[i + 1]), hex(text[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'='),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Parses one encoded word at the start of `s` (`=?charset?B|Q?text?=`): its decoded text
/// and its length in bytes, or `None` if `s` does not start with a well-formed one.
fn encoded_word(s: &str) -> Option<(String, usize)> {
    let bytes = s.as_bytes();
    if !s.starts_with("=?") {
        return None;
    }
    let window = &bytes[..bytes.len().min(MAX_ENCODED_WORD)];
    let q1 = 2 + window[2..].iter().position(|&b| b == b'?')?;
    let enc = *window.get(q1 + 1)?;
    if window.get(q1 + 2) != Some(&b'?') {
        return None;
    }
    let start = q1 + 3;
    let end = start + window.get(start..)?.windows(2).position(|w| w == b"?=")?;
    // RFC 2231 language suffix: `charset*lang`.
    let charset = s[2..q1].split('*').next().unwrap_or("");
    let text = &bytes[start..end];
    let decoded = match enc {
        b'B' | b'b' => {
            let trimmed: Vec<u8> = text.iter().copied().filter(|&b| b != b'=').collect();
            STANDARD_NO_PAD.decode(trimmed).ok()?
        }
        b'Q' | b'q' => decode_q(text),
        _ => return None,
    };
    Some((decode_charset(&decoded, charset), end + 2))
}

/// Decodes RFC 2047 encoded words in a header value; whitespace between two adjacent
/// encoded words is dropped, malformed words stay as they are.
pub fn decode_rfc2047(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    let mut last_was_word = false;
    while !rest.is_empty() {
        if let Some((text, len)) = encoded_word(rest) {
            out.push_str(&text);
            rest = &rest[len..];
            last_was_word = true;
            continue;
        }
        let run_len = rest.len() - rest.trim_start().len();
        if run_len > 0 {
            let run = &rest[..run_len];
            rest = &rest[run_len..];
            // Whitespace between two encoded words is folding, not text.
            if !(last_was_word && encoded_word(rest).is_some()) {
                out.push_str(run);
            }
            last_was_word = false;
            continue;
        }
        let ch_len = rest.chars().next().map_or(1, char::len_utf8);
        out.push_str(&rest[..ch_len]);
        rest = &rest[ch_len..];
        last_was_word = false;
    }
    out
}

/// One address of an address header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// The decoded display name, if any.
    pub name: Option<String>,
    /// The lower-cased address.
    pub email: String,
}

/// Whether `email` looks like an address (one `@`, both sides non-empty, no spaces).
pub fn plausible_email(email: &str) -> bool {
    let mut parts = email.split('@');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(local), Some(domain), None)
            if !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
                && !domain.ends_with('.')
    ) && email.len() <= MAX_EMAIL_LEN
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Lower-cases and trims an address; `None` if it is not plausible.
pub fn normalise_email(raw: &str) -> Option<String> {
    let email = raw.trim().trim_matches(|c| c == '<' || c == '>').trim();
    let email = email.to_lowercase();
    plausible_email(&email).then_some(email)
}

fn clean_name(raw: &str) -> Option<String> {
    let trimmed = raw.trim().trim_matches('"').trim();
    if trimmed.is_empty() {
        return None;
    }
    let unescaped = trimmed.replace("\\\"", "\"");
    let decoded = decode_rfc2047(&unescaped);
    let name: String = decoded.trim().chars().take(MAX_NAME_CHARS).collect();
    (!name.is_empty()).then_some(name)
}

fn parse_mailbox(item: &str) -> Option<Address> {
    let item = item.trim();
    if item.is_empty() {
        return None;
    }
    match (item.rfind('<'), item.rfind('>')) {
        (Some(open), Some(close)) if open < close => Some(Address {
            name: clean_name(&item[..open]),
            email: normalise_email(&item[open + 1..close])?,
        }),
        _ => {
            // `addr (Comment Name)` or a bare address.
            let (addr, comment) = match item.find('(') {
                Some(p) => (&item[..p], Some(item[p + 1..].trim_end_matches(')'))),
                None => (item, None),
            };
            Some(Address {
                name: comment.and_then(clean_name),
                email: normalise_email(addr)?,
            })
        }
    }
}

/// Parses an address list header (`"Doe, Jane" <jane@x.org>, bob@y.org`): commas inside
/// quotes, angle brackets or comments do not separate. At most [`MAX_ADDRESSES`]; items
/// that are not addresses (group names, garbage) are left out.
pub fn parse_address_list(value: &str) -> Vec<Address> {
    let mut out = Vec::new();
    let mut in_quotes = false;
    let mut angle = false;
    let mut paren = 0_u32;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in value.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes => escaped = true,
            '"' if !angle => in_quotes = !in_quotes,
            '<' if !in_quotes => angle = true,
            '>' if !in_quotes => angle = false,
            '(' if !in_quotes && !angle => paren = paren.saturating_add(1),
            ')' if !in_quotes && !angle => paren = paren.saturating_sub(1),
            ',' | ';' if !in_quotes && !angle && paren == 0 => {
                if let Some(a) = parse_mailbox(strip_group(&value[start..i])) {
                    out.push(a);
                    if out.len() >= MAX_ADDRESSES {
                        return out;
                    }
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if let Some(a) = parse_mailbox(strip_group(&value[start..])) {
        out.push(a);
    }
    out
}

/// `Group: a@x, b@y;` — the group's name is not an address.
fn strip_group(item: &str) -> &str {
    match item.find(':') {
        Some(p) if !item[..p].contains('<') && !item[..p].contains('"') => &item[p + 1..],
        _ => item,
    }
}

/// Converts HTML to plain text in one pass: tags dropped (`script`, `style` and `head`
/// with their content), block elements and `<br>` become line breaks, entities decoded,
/// whitespace collapsed. Stops after `max_bytes` of output.
pub fn html_to_text(html: &str, max_bytes: usize) -> String {
    let mut out = String::with_capacity(html.len().min(max_bytes));
    let mut chars = html.char_indices().peekable();
    let mut skip_until: Option<&'static str> = None;
    let mut pending_space = false;
    let mut newlines = 0_u8;
    let push_text = |out: &mut String, s: &str, pending_space: &mut bool, newlines: &mut u8| {
        for ch in s.chars() {
            if ch.is_whitespace() {
                *pending_space = true;
                continue;
            }
            if *pending_space && *newlines == 0 && !out.is_empty() {
                out.push(' ');
            }
            *pending_space = false;
            *newlines = 0;
            out.push(ch);
        }
    };
    while let Some((i, c)) = chars.next() {
        if out.len() >= max_bytes {
            break;
        }
        match c {
            '<' => {
                let rest = &html[i..];
                if rest.starts_with("<!--") {
                    // Skip the comment.
                    let end = rest.find("-->").map_or(html.len(), |p| i + p + 3);
                    while chars.peek().is_some_and(|(j, _)| *j < end) {
                        chars.next();
                    }
                    continue;
                }
                // Read the tag up to '>' (attributes may quote a '>': good enough, and the
                // scan only moves forward).
                let end = rest.find('>').map_or(html.len(), |p| i + p + 1);
                let tag = &html[i + 1..end.saturating_sub(1).max(i + 1)];
                while chars.peek().is_some_and(|(j, _)| *j < end) {
                    chars.next();
                }
                let closing = tag.starts_with('/');
                let name: String = tag
                    .trim_start_matches('/')
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .take(10)
                    .collect::<String>()
                    .to_ascii_lowercase();
                if let Some(wanted) = skip_until {
                    if closing && name == wanted {
                        skip_until = None;
                    }
                    continue;
                }
                match name.as_str() {
                    "script" | "style" | "head" | "title" if !closing => {
                        skip_until = Some(match name.as_str() {
                            "script" => "script",
                            "style" => "style",
                            "head" => "head",
                            _ => "title",
                        });
                    }
                    // A line break per <br> (a blank line at most); one between blocks.
                    "br" => {
                        if !out.is_empty() && newlines < 2 {
                            out.push('\n');
                            newlines += 1;
                        }
                        pending_space = false;
                    }
                    "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
                    | "blockquote" | "table" | "ul" | "ol" | "hr" => {
                        if !out.is_empty() && newlines == 0 {
                            out.push('\n');
                            newlines = 1;
                        }
                        pending_space = false;
                    }
                    _ => {}
                }
            }
            '&' if skip_until.is_none() => {
                let rest = &html[i + 1..];
                let semi = rest.bytes().take(12).position(|b| b == b';');
                let decoded = semi.and_then(|p| decode_entity(&rest[..p]).map(|d| (d, p)));
                match decoded {
                    Some((d, p)) => {
                        let end = i + 1 + p + 1;
                        while chars.peek().is_some_and(|(j, _)| *j < end) {
                            chars.next();
                        }
                        let mut buf = [0_u8; 4];
                        push_text(
                            &mut out,
                            d.encode_utf8(&mut buf),
                            &mut pending_space,
                            &mut newlines,
                        );
                    }
                    None => push_text(&mut out, "&", &mut pending_space, &mut newlines),
                }
            }
            _ if skip_until.is_some() => {}
            _ => {
                let mut buf = [0_u8; 4];
                push_text(
                    &mut out,
                    c.encode_utf8(&mut buf),
                    &mut pending_space,
                    &mut newlines,
                );
            }
        }
    }
    truncate(out.trim().to_owned(), max_bytes)
}

fn decode_entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(h) => u32::from_str_radix(h, 16).ok()?,
            None => num.parse().ok()?,
        };
        // A non-breaking space reads as a space.
        return if code == 0xA0 {
            Some(' ')
        } else {
            char::from_u32(code)
        };
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '\u{2013}',
        "mdash" => '\u{2014}',
        "hellip" => '\u{2026}',
        "rsquo" => '\u{2019}',
        "lsquo" => '\u{2018}',
        "rdquo" => '\u{201D}',
        "ldquo" => '\u{201C}',
        "euro" => '\u{20AC}',
        "copy" => '\u{A9}',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_decode_in_b_and_q_and_adjacent_words_join() {
        assert_eq!(
            decode_rfc2047("=?UTF-8?B?SsO8cmdlbg==?= Weiß"),
            "Jürgen Weiß"
        );
        assert_eq!(
            decode_rfc2047("=?iso-8859-1?Q?Andr=E9_Dupont?="),
            "André Dupont"
        );
        assert_eq!(
            decode_rfc2047("=?UTF-8?Q?Ren=C3=A9e?= =?UTF-8?Q?_Martin?="),
            "Renée Martin"
        );
        assert_eq!(decode_rfc2047("plain =?bogus"), "plain =?bogus");
        assert_eq!(decode_rfc2047("a  b"), "a  b");
    }

    #[test]
    fn address_lists_keep_commas_inside_quotes() {
        let list = parse_address_list(
            "\"Doe, Jane\" <Jane@Example.ORG>, bob@example.com (Bob B), =?UTF-8?B?SsO8cmdlbg==?= <j@x.de>, garbage",
        );
        assert_eq!(
            list,
            vec![
                Address {
                    name: Some("Doe, Jane".into()),
                    email: "jane@example.org".into()
                },
                Address {
                    name: Some("Bob B".into()),
                    email: "bob@example.com".into()
                },
                Address {
                    name: Some("Jürgen".into()),
                    email: "j@x.de".into()
                },
            ]
        );
    }

    #[test]
    fn html_becomes_text_without_scripts_and_with_entities() {
        let text = html_to_text(
            "<html><head><title>t</title><style>p{}</style></head><body><p>Hi&nbsp;Ada,</p>\
             <script>alert(1)</script><div>See you &amp; bye &#39;x&#39;</div><!-- c --></body></html>",
            1000,
        );
        assert_eq!(text, "Hi Ada,\nSee you & bye 'x'");
        assert_eq!(html_to_text("<b>abcdef</b>", 3), "abc");
    }

    #[test]
    fn hostile_inputs_stay_linear() {
        // Each would be quadratic with an unbounded look-ahead: a few MB must be instant.
        let words = "=?".repeat(500_000);
        assert_eq!(decode_rfc2047(&words).len(), words.len());
        let tags = "<".repeat(1_000_000);
        assert_eq!(html_to_text(&tags, 100), "");
        let amps = "&".repeat(1_000_000);
        assert_eq!(html_to_text(&amps, 100).len(), 100);
        let commas = "\"".to_owned() + &",".repeat(1_000_000);
        assert!(parse_address_list(&commas).is_empty());
        let many = "a@b.co,".repeat(100_000);
        assert_eq!(parse_address_list(&many).len(), MAX_ADDRESSES);
    }
}
