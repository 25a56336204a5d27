//! Gmail's batch endpoint (`POST <api base>/batch/gmail/v1`): many `messages.get` in one
//! HTTP request, as `multipart/mixed` of `application/http` parts, answered in kind.
//!
//! The answer is read by a parser that is linear in its input and bounded before work:
//! the body is at most [`MAX_RESPONSE_BYTES`] (checked by the caller while reading), the
//! boundary at most 70 characters (RFC 2046), the parts at most the number asked for plus
//! one, each header block at most [`MAX_HEADER_BYTES`]. The cursor only moves forward and
//! every byte is compared against a delimiter of bounded length, so hostile input (no
//! boundary, millions of boundaries, a header block without end) costs time proportional
//! to its length and fails with [`BatchError`] instead of allocating or looping.

/// Most messages asked for in one batch (Gmail advises at most 50; larger batches are
/// rate limited).
pub const MAX_BATCH: usize = 50;
/// The largest batch answer read (50 messages of a few hundred KiB each fit).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
/// The largest header block of a part (outer or inner).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// The boundary of our requests (never in a message id, which is hex).
pub const REQUEST_BOUNDARY: &str = "omnicrm_batch_boundary";

/// Why a batch answer could not be read (the caller falls back to single fetches).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// No usable `boundary` parameter in the answer's `Content-Type`.
    #[error("no multipart boundary")]
    NoBoundary,
    /// The body does not have the multipart shape.
    #[error("malformed multipart body")]
    Malformed,
    /// More parts than requests.
    #[error("too many parts")]
    TooManyParts,
    /// A header block longer than the limit, or without its blank line.
    #[error("header block too long")]
    HeadersTooLong,
    /// The answer is larger than [`MAX_RESPONSE_BYTES`].
    #[error("answer too large")]
    TooLarge,
}

/// One answered request of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchPart {
    /// The index of the request it answers (from its `Content-ID`).
    pub index: usize,
    /// The inner HTTP status.
    pub status: u16,
    /// The inner `Retry-After`, in seconds.
    pub retry_after: Option<u64>,
    /// The inner body (the message's JSON on 200).
    pub body: Vec<u8>,
}

/// The `multipart/mixed` body asking for `ids` with `format=full`; part `i` has the
/// `Content-ID` `<item-i>`.
pub fn request_body(ids: &[String]) -> String {
    let mut body = String::with_capacity(ids.len() * 160);
    for (i, id) in ids.iter().enumerate() {
        body.push_str("--");
        body.push_str(REQUEST_BOUNDARY);
        body.push_str("\r\nContent-Type: application/http\r\nContent-ID: <item-");
        body.push_str(&i.to_string());
        body.push_str(">\r\n\r\nGET /gmail/v1/users/me/messages/");
        // Ids are Gmail's hex strings; anything else is percent-encoded byte by byte.
        for b in id.bytes() {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                body.push(char::from(b));
            } else {
                body.push_str(&format!("%{b:02X}"));
            }
        }
        body.push_str("?format=full\r\n\r\n");
    }
    body.push_str("--");
    body.push_str(REQUEST_BOUNDARY);
    body.push_str("--\r\n");
    body
}

/// The `boundary` parameter of a `multipart/*` content type (1..=70 characters).
pub fn boundary_of(content_type: &str) -> Option<&str> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().to_ascii_lowercase().starts_with("multipart/") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let v = v.trim().trim_matches('"');
        (1..=70).contains(&v.len()).then_some(v)
    })
}

/// The first index at or after `from` where `needle` starts. Linear: `needle` is at most
/// 74 bytes (a boundary and its dashes and line break), so the comparisons per byte are
/// bounded by a constant.
fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() || hay.len() - from < needle.len() {
        return None;
    }
    let first = needle[0];
    let last_start = hay.len() - needle.len();
    let mut i = from;
    while i <= last_start {
        match hay[i..=last_start].iter().position(|b| *b == first) {
            None => return None,
            Some(p) => i += p,
        }
        if hay[i..i + needle.len()] == *needle {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Splits a header block from what follows: `(headers, rest)`, at the first empty line
/// (CRLF CRLF or LF LF) within [`MAX_HEADER_BYTES`].
fn split_headers(part: &[u8]) -> Result<(&[u8], &[u8]), BatchError> {
    let window = &part[..part.len().min(MAX_HEADER_BYTES + 4)];
    let crlf = find(window, b"\r\n\r\n", 0).map(|i| (i, 4));
    let lf = find(window, b"\n\n", 0).map(|i| (i, 2));
    let (at, skip) = match (crlf, lf) {
        (Some(a), Some(b)) => {
            if a.0 <= b.0 {
                a
            } else {
                b
            }
        }
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => {
            // A part that is only headers (no body) ends at the end of the part.
            if part.len() <= MAX_HEADER_BYTES {
                return Ok((part, &[]));
            }
            return Err(BatchError::HeadersTooLong);
        }
    };
    if at > MAX_HEADER_BYTES {
        return Err(BatchError::HeadersTooLong);
    }
    Ok((&part[..at], &part[at + skip..]))
}

fn header<'a>(block: &'a [u8], name: &str) -> Option<&'a str> {
    block.split(|b| *b == b'\n').find_map(|line| {
        let line = std::str::from_utf8(line).ok()?.trim_end_matches('\r');
        let (k, v) = line.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

/// `<response-item-3>` (Google prefixes ours with `response-`) or `<item-3>`: 3.
fn content_index(id: &str) -> Option<usize> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    let id = id.strip_prefix("response-").unwrap_or(id);
    id.strip_prefix("item-")?.parse().ok()
}

/// Reads a batch answer of `expected` requests. Parts without a usable `Content-ID` or
/// status line are left out (their requests count as unanswered: the caller fetches them
/// singly).
pub fn parse_response(
    content_type: &str,
    body: &[u8],
    expected: usize,
) -> Result<Vec<BatchPart>, BatchError> {
    if body.len() > MAX_RESPONSE_BYTES {
        return Err(BatchError::TooLarge);
    }
    let boundary = boundary_of(content_type).ok_or(BatchError::NoBoundary)?;
    // `\n--boundary`: a delimiter line, whether the answer ends its lines with CRLF or LF
    // (the CR before it, if any, belongs to the delimiter, not to the part).
    let mut delim = Vec::with_capacity(boundary.len() + 3);
    delim.extend_from_slice(b"\n--");
    delim.extend_from_slice(boundary.as_bytes());
    // The first delimiter may start the body (no line break before it).
    let opening = &delim[1..];
    let mut at = if body.starts_with(opening) {
        opening.len()
    } else {
        find(body, &delim, 0).ok_or(BatchError::Malformed)? + delim.len()
    };
    let mut parts = Vec::new();
    let mut seen = 0_usize;
    loop {
        // After a delimiter: `--` closes, otherwise the line ends and a part follows.
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        let line_end = find(body, b"\n", at).ok_or(BatchError::Malformed)?;
        if line_end - at > 80 {
            return Err(BatchError::Malformed);
        }
        seen += 1;
        if seen > expected {
            return Err(BatchError::TooManyParts);
        }
        let start = line_end + 1;
        let next = find(body, &delim, start).ok_or(BatchError::Malformed)?;
        let end = if next > start && body[next - 1] == b'\r' {
            next - 1
        } else {
            next
        };
        if let Some(part) = read_part(&body[start..end]) {
            parts.push(part?);
        }
        at = next + delim.len();
    }
}

/// One part: outer headers (`Content-ID`), then the inner HTTP answer. `None` when it
/// names no request.
fn read_part(part: &[u8]) -> Option<Result<BatchPart, BatchError>> {
    let (outer, inner) = match split_headers(part) {
        Ok(v) => v,
        Err(e) => return Some(Err(e)),
    };
    let index = content_index(header(outer, "Content-ID")?)?;
    let (head, body) = match split_headers(inner) {
        Ok(v) => v,
        Err(e) => return Some(Err(e)),
    };
    let status_line = head.split(|b| *b == b'\n').next()?;
    let status_line = std::str::from_utf8(status_line).ok()?;
    let mut words = status_line.split_whitespace();
    if !words.next()?.starts_with("HTTP/") {
        return None;
    }
    let status: u16 = words.next()?.parse().ok()?;
    let retry_after = header(head, "Retry-After").and_then(|v| v.parse().ok());
    Some(Ok(BatchPart {
        index,
        status,
        retry_after,
        body: body.to_vec(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CT: &str = "multipart/mixed; boundary=batch_abc";

    fn answer(parts: &[(&str, &str, &str)]) -> Vec<u8> {
        let mut s = String::new();
        for (id, status, body) in parts {
            s.push_str(&format!(
                "--batch_abc\r\nContent-Type: application/http\r\nContent-ID: <response-{id}>\r\n\r\n\
                 HTTP/1.1 {status}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{body}\r\n"
            ));
        }
        s.push_str("--batch_abc--\r\n");
        s.into_bytes()
    }

    #[test]
    fn the_request_names_each_message_with_its_index() {
        let body = request_body(&["18c1a".to_owned(), "a/b".to_owned()]);
        assert!(body.starts_with("--omnicrm_batch_boundary\r\nContent-Type: application/http\r\nContent-ID: <item-0>\r\n\r\nGET /gmail/v1/users/me/messages/18c1a?format=full\r\n"));
        assert!(body.contains("GET /gmail/v1/users/me/messages/a%2Fb?format=full"));
        assert!(body.ends_with("--omnicrm_batch_boundary--\r\n"));
    }

    #[test]
    fn reads_statuses_bodies_and_retry_after_by_content_id() {
        let mut body = answer(&[
            ("item-1", "200 OK", "{\"id\":\"b\"}"),
            ("item-0", "404 Not Found", "{\"error\":{}}"),
        ]);
        // A 429 with Retry-After, LF-only inside.
        let tail = body.split_off(body.len() - "--batch_abc--\r\n".len());
        body.extend_from_slice(
            b"--batch_abc\nContent-ID: <response-item-2>\n\nHTTP/1.1 429 Too Many Requests\nRetry-After: 7\n\n{}\r\n",
        );
        body.extend_from_slice(&tail);
        let parts = parse_response("multipart/mixed; boundary=\"batch_abc\"", &body, 3).unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(
            (parts[0].index, parts[0].status, parts[0].body.as_slice()),
            (1, 200, b"{\"id\":\"b\"}".as_slice())
        );
        assert_eq!((parts[1].index, parts[1].status), (0, 404));
        assert_eq!(
            (parts[2].index, parts[2].status, parts[2].retry_after),
            (2, 429, Some(7))
        );
    }

    #[test]
    fn a_preamble_and_parts_naming_no_request_are_tolerated() {
        let mut body = b"This is a preamble\r\n".to_vec();
        body.extend_from_slice(&answer(&[
            ("item-0", "200 OK", "{}"),
            ("nonsense", "200 OK", "{}"),
        ]));
        let parts = parse_response(CT, &body, 2).unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].index, 0);
    }

    #[test]
    fn refuses_what_is_not_a_batch_answer() {
        assert_eq!(
            parse_response("application/json", b"{}", 1).unwrap_err(),
            BatchError::NoBoundary
        );
        assert_eq!(
            parse_response(
                &format!("multipart/mixed; boundary={}", "x".repeat(71)),
                b"",
                1
            )
            .unwrap_err(),
            BatchError::NoBoundary
        );
        assert_eq!(
            parse_response(CT, b"no delimiter", 1).unwrap_err(),
            BatchError::Malformed
        );
        // An unterminated part.
        assert_eq!(
            parse_response(
                CT,
                b"--batch_abc\r\nContent-ID: <item-0>\r\n\r\nHTTP/1.1 200 OK",
                1
            )
            .unwrap_err(),
            BatchError::Malformed
        );
        // More parts than requests.
        let two = answer(&[("item-0", "200 OK", "{}"), ("item-1", "200 OK", "{}")]);
        assert_eq!(
            parse_response(CT, &two, 1).unwrap_err(),
            BatchError::TooManyParts
        );
    }

    #[test]
    fn hostile_answers_fail_fast_without_growing() {
        // Millions of empty parts: refused at the first part beyond the requests.
        let storm = "--batch_abc\r\n\r\n".repeat(500_000);
        let started = std::time::Instant::now();
        assert!(parse_response(CT, storm.as_bytes(), 50).is_err());
        // Near-delimiters everywhere (`\r\n--batch_ab` without the last byte): each byte
        // is looked at a bounded number of times.
        let near = "\r\n--batch_ab".repeat(400_000);
        assert_eq!(
            parse_response(CT, near.as_bytes(), 50).unwrap_err(),
            BatchError::Malformed
        );
        // A header block that never ends.
        let mut endless = b"--batch_abc\r\nContent-ID: <item-0>\r\n".to_vec();
        endless.extend(std::iter::repeat_n(b'x', 2 * MAX_HEADER_BYTES));
        endless.extend_from_slice(b"\r\n--batch_abc--");
        assert_eq!(
            parse_response(CT, &endless, 1).unwrap_err(),
            BatchError::HeadersTooLong
        );
        // Larger than the limit: refused before any work.
        let huge = vec![b'-'; MAX_RESPONSE_BYTES + 1];
        assert_eq!(
            parse_response(CT, &huge, 1).unwrap_err(),
            BatchError::TooLarge
        );
        // Generous bound (debug build, shared machine): quadratic behaviour on these
        // inputs would take minutes.
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }
}
