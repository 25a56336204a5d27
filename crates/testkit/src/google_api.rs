//! The fake Google's Gmail and Calendar: one mailbox and one primary calendar, answered in
//! the APIs' wire format (what `google-gmail1` / `google-calendar3` read).
//!
//! * Gmail `users.getProfile`, `users.messages.list` (newest first, `q=after:<epoch>`,
//!   `includeSpamTrash`, `maxResults`, opaque `pageToken`), `users.messages.get`
//!   (`format=full`: MIME parts, base64url bodies, RFC 2047 encoded words in headers),
//!   `users.history.list` (404 for a `startHistoryId` older than the kept history).
//! * Calendar `events.list` on `primary` (`singleEvents`, `timeMin`/`timeMax`,
//!   `pageToken`, `syncToken` with cancelled events, 410 for an expired sync token).
//! * Fault injection for every API call: queued statuses (429 with `Retry-After`, 5xx),
//!   a delay before each answer, 401 for revoked grants.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::google::FakeState;

/// A message to put in the fake mailbox.
#[derive(Debug, Clone)]
pub struct FakeMail {
    /// `From` (e.g. `Ada Lovelace <ada@example.com>`; non-ASCII names are sent as RFC 2047
    /// encoded words).
    pub from: String,
    /// `To` addresses.
    pub to: Vec<String>,
    /// `Cc` addresses.
    pub cc: Vec<String>,
    /// `Subject` (non-ASCII is sent encoded).
    pub subject: String,
    /// The text/plain part.
    pub text: String,
    /// The text/html part, if any (then the message is multipart/alternative).
    pub html: Option<String>,
    /// Gmail labels (`INBOX`, `SENT`, `SPAM`, `TRASH`, ...).
    pub labels: Vec<String>,
    /// When Gmail received it.
    pub internal_date: OffsetDateTime,
}

impl FakeMail {
    /// A plain inbox message from `from` to the practitioner, received `days_ago`.
    pub fn inbox(from: &str, subject: &str, days_ago: i64) -> Self {
        Self {
            from: from.to_owned(),
            to: vec!["practitioner@example.com".to_owned()],
            cc: Vec::new(),
            subject: subject.to_owned(),
            text: format!("Hello,\r\n{subject}\r\n"),
            html: Some(format!("<p>Hello,</p><p>{subject}</p>")),
            labels: vec!["INBOX".to_owned(), "UNREAD".to_owned()],
            internal_date: OffsetDateTime::now_utc() - time::Duration::days(days_ago),
        }
    }
}

#[derive(Debug, Clone)]
struct HistoryRecord {
    id: u64,
    message_id: String,
    thread_id: String,
    added: bool,
    labels: Vec<String>,
}

#[derive(Debug, Clone)]
struct StoredEvent {
    seq: u64,
    event: Value,
}

/// Gmail and Calendar data of the fake, plus its faults.
#[derive(Debug, Default)]
pub(crate) struct ApiData {
    messages: Vec<Value>,
    by_id: HashMap<String, usize>,
    history: Vec<HistoryRecord>,
    history_id: u64,
    oldest_history: u64,
    events: Vec<StoredEvent>,
    event_seq: u64,
    oldest_sync: u64,
    pub(crate) faults: VecDeque<(u16, Option<u64>)>,
    pub(crate) delay: Duration,
    pub(crate) calls: u64,
    pub(crate) message_gets: u64,
    /// Single `messages.get` requests (outside batches).
    pub(crate) single_gets: u64,
    /// Batch requests received.
    pub(crate) batch_calls: u64,
    /// The batch endpoint answers 400 while set.
    pub(crate) batch_broken: bool,
    /// Pages hold at most this many items whatever `maxResults` asks (Google may answer
    /// fewer than asked).
    pub(crate) max_page: Option<usize>,
}

const HEX_BASE: u64 = 0x18c0_0000_0000_0000;

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

/// RFC 2047: non-ASCII text becomes `=?UTF-8?B?...?=`.
pub fn encoded_word(text: &str) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    format!(
        "=?UTF-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
    )
}

/// `Name <addr>` with the name encoded when it is not ASCII.
fn encode_address(addr: &str) -> String {
    match addr.split_once('<') {
        Some((name, rest)) if !name.trim().is_empty() => {
            format!("{} <{rest}", encoded_word(name.trim().trim_matches('"')))
        }
        _ => addr.to_owned(),
    }
}

fn part(part_id: &str, mime: &str, body: &str) -> Value {
    json!({
        "partId": part_id,
        "mimeType": mime,
        "filename": "",
        "headers": [
            {"name": "Content-Type", "value": format!("{mime}; charset=\"UTF-8\"")},
            {"name": "Content-Transfer-Encoding", "value": "quoted-printable"}
        ],
        "body": {"size": body.len(), "data": b64url(body.as_bytes())}
    })
}

impl ApiData {
    fn next_history(&mut self) -> u64 {
        self.history_id += 1;
        self.history_id
    }

    pub(crate) fn add_message(&mut self, mail: &FakeMail) -> String {
        let n = self.messages.len() as u64 + 1;
        let id = format!("{:016x}", HEX_BASE + n);
        let history_id = self.next_history();
        let millis = mail.internal_date.unix_timestamp_nanos() / 1_000_000;
        let date = mail
            .internal_date
            .format(&time::format_description::well_known::Rfc2822)
            .unwrap_or_default();
        let mut headers = vec![
            json!({"name": "Delivered-To", "value": "practitioner@example.com"}),
            json!({"name": "Date", "value": date}),
            json!({"name": "From", "value": encode_address(&mail.from)}),
            json!({"name": "To", "value": mail.to.iter().map(|a| encode_address(a)).collect::<Vec<_>>().join(", ")}),
            json!({"name": "Subject", "value": encoded_word(&mail.subject)}),
            json!({"name": "Message-ID", "value": format!("<{id}@mail.example.com>")}),
            json!({"name": "MIME-Version", "value": "1.0"}),
        ];
        if !mail.cc.is_empty() {
            headers.push(json!({"name": "Cc", "value": mail.cc.iter().map(|a| encode_address(a)).collect::<Vec<_>>().join(", ")}));
        }
        let payload = match &mail.html {
            Some(html) => {
                headers.push(json!({"name": "Content-Type", "value": "multipart/alternative; boundary=\"000000000000fake\""}));
                json!({
                    "partId": "",
                    "mimeType": "multipart/alternative",
                    "filename": "",
                    "headers": headers,
                    "body": {"size": 0},
                    "parts": [part("0", "text/plain", &mail.text), part("1", "text/html", html)]
                })
            }
            None => {
                headers.push(
                    json!({"name": "Content-Type", "value": "text/plain; charset=\"UTF-8\""}),
                );
                json!({
                    "partId": "",
                    "mimeType": "text/plain",
                    "filename": "",
                    "headers": headers,
                    "body": {"size": mail.text.len(), "data": b64url(mail.text.as_bytes())}
                })
            }
        };
        let snippet: String = mail.text.split_whitespace().collect::<Vec<_>>().join(" ");
        let snippet: String = snippet.chars().take(100).collect();
        let message = json!({
            "id": id,
            "threadId": id,
            "labelIds": mail.labels,
            "snippet": snippet,
            "payload": payload,
            "sizeEstimate": 1024 + mail.text.len() + mail.html.as_ref().map_or(0, String::len),
            "historyId": history_id.to_string(),
            "internalDate": millis.to_string(),
        });
        self.by_id.insert(id.clone(), self.messages.len());
        self.messages.push(message);
        self.history.push(HistoryRecord {
            id: history_id,
            message_id: id.clone(),
            thread_id: id.clone(),
            added: true,
            labels: mail.labels.clone(),
        });
        id
    }

    pub(crate) fn relabel(&mut self, id: &str, labels: &[&str]) {
        let Some(&i) = self.by_id.get(id) else { return };
        let history_id = self.next_history();
        let labels: Vec<String> = labels.iter().map(|l| (*l).to_owned()).collect();
        self.messages[i]["labelIds"] = json!(labels);
        self.messages[i]["historyId"] = json!(history_id.to_string());
        self.history.push(HistoryRecord {
            id: history_id,
            message_id: id.to_owned(),
            thread_id: id.to_owned(),
            added: false,
            labels,
        });
    }

    pub(crate) fn expire_history(&mut self) {
        self.oldest_history = self.history_id + 1;
    }

    pub(crate) fn add_event(&mut self, mut event: Value) -> String {
        self.event_seq += 1;
        let seq = self.event_seq;
        let id = event
            .get("id")
            .and_then(Value::as_str)
            .map_or_else(|| format!("fakeevent{seq:06}"), str::to_owned);
        let now = OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default();
        let defaults = json!({
            "kind": "calendar#event",
            "id": id,
            "status": "confirmed",
            "htmlLink": format!("https://www.google.com/calendar/event?eid={id}"),
            "created": now,
            "iCalUID": format!("{id}@google.com"),
            "sequence": 0,
            "eventType": "default",
            "creator": {"email": "practitioner@example.com", "self": true},
            "organizer": {"email": "practitioner@example.com", "self": true},
        });
        if let (Some(obj), Some(d)) = (event.as_object_mut(), defaults.as_object()) {
            for (k, v) in d {
                obj.entry(k.clone()).or_insert_with(|| v.clone());
            }
            obj.insert("etag".to_owned(), json!(format!("\"{seq}\"")));
            obj.insert("updated".to_owned(), json!(now));
        }
        self.events.retain(|e| e.event["id"] != json!(id));
        self.events.push(StoredEvent { seq, event });
        id
    }

    pub(crate) fn update_event(&mut self, id: &str, patch: &Value) {
        let Some(stored) = self.events.iter().find(|e| e.event["id"] == json!(id)) else {
            return;
        };
        let mut event = stored.event.clone();
        if let (Some(obj), Some(p)) = (event.as_object_mut(), patch.as_object()) {
            for (k, v) in p {
                obj.insert(k.clone(), v.clone());
            }
        }
        self.add_event(event);
    }

    pub(crate) fn expire_sync_tokens(&mut self) {
        self.oldest_sync = self.event_seq + 1;
    }

    fn message_ref(m: &Value) -> Value {
        json!({"id": m["id"], "threadId": m["threadId"]})
    }
}

/// Google's JSON error body.
fn api_error(status: u16, reason: &str, message: &str, retry_after: Option<u64>) -> HttpResponse {
    let status_text = match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        410 => "GONE",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        _ => "INTERNAL",
    };
    let mut res =
        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default())
            .json(json!({
                "error": {
                    "code": status,
                    "message": message,
                    "errors": [{"message": message, "domain": "global", "reason": reason}],
                    "status": status_text
                }
            }));
    if let Some(secs) = retry_after {
        res.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from(secs),
        );
    }
    res
}

type Query = web::Query<Vec<(String, String)>>;

fn param<'a>(q: &'a Query, key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The fault and auth gate every API call passes: `Err` is the answer to send instead.
async fn gate(
    state: &web::Data<std::sync::Mutex<FakeState>>,
    req: &HttpRequest,
) -> Result<(), HttpResponse> {
    let (delay, fault) = {
        let mut s = state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.api.calls += 1;
        (s.api.delay, s.api.faults.pop_front())
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some((status, retry_after)) = fault {
        let (reason, message) = match status {
            429 => ("rateLimitExceeded", "Rate Limit Exceeded"),
            403 => ("userRateLimitExceeded", "User Rate Limit Exceeded"),
            _ => ("backendError", "Backend Error"),
        };
        return Err(api_error(status, reason, message, retry_after));
    }
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let s = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if s.is_live_access_token(bearer) {
        Ok(())
    } else {
        Err(api_error(
            401,
            "authError",
            "Request had invalid authentication credentials.",
            None,
        ))
    }
}

type State = web::Data<std::sync::Mutex<FakeState>>;

fn lock(state: &State) -> std::sync::MutexGuard<'_, FakeState> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) async fn gmail_profile(state: State, req: HttpRequest) -> HttpResponse {
    if let Err(res) = gate(&state, &req).await {
        return res;
    }
    let s = lock(&state);
    HttpResponse::Ok().json(json!({
        "emailAddress": s.email,
        "messagesTotal": s.api.messages.len(),
        "threadsTotal": s.api.messages.len(),
        "historyId": s.api.history_id.to_string(),
    }))
}

#[allow(
    clippy::result_large_err,
    reason = "the error is the fake's whole answer, built once per request"
)]
fn page_bounds(
    q: &Query,
    default: usize,
    max: usize,
    cap: Option<usize>,
) -> Result<(usize, usize), HttpResponse> {
    let max = cap.map_or(max, |c| c.clamp(1, max));
    let default = default.min(max);
    let size = match param(q, "maxResults") {
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .map(|n| n.min(max))
            .ok_or_else(|| api_error(400, "invalid", "Invalid maxResults", None))?,
        None => default,
    };
    let offset = match param(q, "pageToken") {
        Some(t) => t
            .strip_prefix("fake-page-")
            .and_then(|o| o.split('-').next())
            .and_then(|o| o.parse::<usize>().ok())
            .ok_or_else(|| api_error(400, "invalid", "Invalid page token", None))?,
        None => 0,
    };
    Ok((offset, size))
}

pub(crate) async fn gmail_list(state: State, req: HttpRequest, q: Query) -> HttpResponse {
    if let Err(res) = gate(&state, &req).await {
        return res;
    }
    let cap = lock(&state).api.max_page;
    let (offset, size) = match page_bounds(&q, 100, 500, cap) {
        Ok(b) => b,
        Err(res) => return res,
    };
    let include_spam_trash = param(&q, "includeSpamTrash") == Some("true");
    let after_ms = param(&q, "q")
        .and_then(|q| {
            q.split_whitespace()
                .find_map(|t| t.strip_prefix("after:"))
                .and_then(|v| v.parse::<i64>().ok())
        })
        .map(|secs| secs * 1000);
    let s = lock(&state);
    // Gmail lists newest first.
    let matching: Vec<&Value> = s
        .api
        .messages
        .iter()
        .rev()
        .filter(|m| {
            let labels = m["labelIds"].as_array().cloned().unwrap_or_default();
            include_spam_trash || !labels.iter().any(|l| l == "SPAM" || l == "TRASH")
        })
        .filter(|m| {
            after_ms.is_none_or(|after| {
                m["internalDate"]
                    .as_str()
                    .and_then(|d| d.parse::<i64>().ok())
                    .is_some_and(|d| d > after)
            })
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(size)
        .map(|m| ApiData::message_ref(m))
        .collect();
    let mut body = json!({ "resultSizeEstimate": matching.len() });
    if !page.is_empty() {
        body["messages"] = json!(page);
    }
    if offset + size < matching.len() {
        body["nextPageToken"] = json!(format!("fake-page-{}", offset + size));
    }
    HttpResponse::Ok().json(body)
}

pub(crate) async fn gmail_get(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    if let Err(res) = gate(&state, &req).await {
        return res;
    }
    let (_, id) = path.into_inner();
    let mut s = lock(&state);
    s.api.message_gets += 1;
    s.api.single_gets += 1;
    match s.api.by_id.get(&id) {
        Some(&i) => HttpResponse::Ok().json(&s.api.messages[i]),
        None => api_error(404, "notFound", "Requested entity was not found.", None),
    }
}

pub(crate) async fn gmail_history(state: State, req: HttpRequest, q: Query) -> HttpResponse {
    if let Err(res) = gate(&state, &req).await {
        return res;
    }
    let cap = lock(&state).api.max_page;
    let (offset, size) = match page_bounds(&q, 100, 500, cap) {
        Ok(b) => b,
        Err(res) => return res,
    };
    let Some(start) = param(&q, "startHistoryId").and_then(|v| v.parse::<u64>().ok()) else {
        return api_error(400, "invalid", "Invalid startHistoryId", None);
    };
    let s = lock(&state);
    if start < s.api.oldest_history {
        return api_error(404, "notFound", "Requested entity was not found.", None);
    }
    let records: Vec<&HistoryRecord> = s.api.history.iter().filter(|h| h.id > start).collect();
    let page: Vec<Value> = records
        .iter()
        .skip(offset)
        .take(size)
        .map(|h| {
            let msg = json!({"id": h.message_id, "threadId": h.thread_id, "labelIds": h.labels});
            let mut rec = json!({
                "id": h.id.to_string(),
                "messages": [{"id": h.message_id, "threadId": h.thread_id}],
            });
            if h.added {
                rec["messagesAdded"] = json!([{ "message": msg }]);
            } else {
                rec["labelsAdded"] = json!([{ "message": msg, "labelIds": h.labels }]);
            }
            rec
        })
        .collect();
    let mut body = json!({ "historyId": s.api.history_id.to_string() });
    if !page.is_empty() {
        body["history"] = json!(page);
    }
    if offset + size < records.len() {
        body["nextPageToken"] = json!(format!("fake-page-{}", offset + size));
    }
    HttpResponse::Ok().json(body)
}

fn event_time(v: &Value) -> Option<OffsetDateTime> {
    if let Some(dt) = v.get("dateTime").and_then(Value::as_str) {
        return OffsetDateTime::parse(dt, &Rfc3339).ok();
    }
    let date = v.get("date").and_then(Value::as_str)?;
    OffsetDateTime::parse(&format!("{date}T00:00:00Z"), &Rfc3339).ok()
}

pub(crate) async fn calendar_events(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    q: Query,
) -> HttpResponse {
    if let Err(res) = gate(&state, &req).await {
        return res;
    }
    if path.as_str() != "primary" {
        return api_error(404, "notFound", "Not Found", None);
    }
    let cap = lock(&state).api.max_page;
    let (offset, size) = match page_bounds(&q, 250, 2500, cap) {
        Ok(b) => b,
        Err(res) => return res,
    };
    let s = lock(&state);
    let sync_token = param(&q, "syncToken");
    let time_min = param(&q, "timeMin");
    let time_max = param(&q, "timeMax");
    if sync_token.is_some() && (time_min.is_some() || time_max.is_some()) {
        return api_error(
            400,
            "invalid",
            "Sync token cannot be used with timeMin",
            None,
        );
    }
    // A page token pins the snapshot the listing started from.
    let snapshot = param(&q, "pageToken")
        .and_then(|t| t.rsplit('-').next())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(s.api.event_seq);
    let parse_t = |v: Option<&str>| v.and_then(|v| OffsetDateTime::parse(v, &Rfc3339).ok());
    let items: Vec<&Value> = match sync_token {
        Some(token) => {
            let Some(since) = token
                .strip_prefix("fake-sync-")
                .and_then(|v| v.parse::<u64>().ok())
            else {
                return api_error(400, "invalid", "Invalid sync token", None);
            };
            if since < s.api.oldest_sync {
                return api_error(
                    410,
                    "fullSyncRequired",
                    "Sync token is no longer valid, a full sync is required.",
                    None,
                );
            }
            s.api
                .events
                .iter()
                .filter(|e| e.seq > since && e.seq <= snapshot)
                .map(|e| &e.event)
                .collect()
        }
        None => {
            let (min, max) = (parse_t(time_min), parse_t(time_max));
            let show_deleted = param(&q, "showDeleted") == Some("true");
            s.api
                .events
                .iter()
                .filter(|e| e.seq <= snapshot)
                .map(|e| &e.event)
                .filter(|e| show_deleted || e["status"] != json!("cancelled"))
                .filter(|e| {
                    let start = e.get("start").and_then(event_time);
                    let end = e.get("end").and_then(event_time).or(start);
                    min.is_none_or(|m| end.is_none_or(|end| end > m))
                        && max.is_none_or(|m| start.is_none_or(|start| start < m))
                })
                .collect()
        }
    };
    let page: Vec<&Value> = items.iter().skip(offset).take(size).copied().collect();
    let mut body = json!({
        "kind": "calendar#events",
        "etag": format!("\"{snapshot}\""),
        "summary": "practitioner@example.com",
        "updated": OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default(),
        "timeZone": "Europe/London",
        "accessRole": "owner",
        "defaultReminders": [],
        "items": page,
    });
    if offset + size < items.len() {
        body["nextPageToken"] = json!(format!("fake-page-{}-{snapshot}", offset + size));
    } else {
        body["nextSyncToken"] = json!(format!("fake-sync-{snapshot}"));
    }
    HttpResponse::Ok().json(body)
}

/// `POST /batch/gmail/v1`: Gmail's batch endpoint over `messages.get` (`multipart/mixed`
/// of `application/http` parts, answered in kind, each answer's `Content-ID` being
/// `<response-` + the request's id + `>`). The token and the injected faults apply to the
/// batch as a whole, as Google checks the outer request; at most 100 parts, like Gmail.
pub(crate) async fn gmail_batch(state: State, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    if let Err(res) = gate(&state, &req).await {
        return res;
    }
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(boundary) = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_owned())
    else {
        return api_error(400, "badRequest", "Missing multipart boundary", None);
    };
    let mut s = lock(&state);
    s.api.batch_calls += 1;
    if s.api.batch_broken {
        return api_error(400, "badRequest", "Batch requests are not accepted", None);
    }
    let text = String::from_utf8_lossy(&body);
    let requests: Vec<(String, String)> = text
        .split(&format!("--{boundary}"))
        .filter_map(|part| {
            let id = part.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim().eq_ignore_ascii_case("content-id").then(|| {
                    v.trim()
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_owned()
                })
            })?;
            let target = part.lines().find_map(|l| l.strip_prefix("GET "))?;
            let path = target.split_whitespace().next()?;
            let message = path
                .strip_prefix("/gmail/v1/users/me/messages/")?
                .split('?')
                .next()?
                .to_owned();
            Some((id, message))
        })
        .collect();
    if requests.len() > 100 {
        return api_error(400, "badRequest", "Too many requests in the batch", None);
    }
    let out = "batch_fake_answer_7f3a";
    let mut answer = String::new();
    for (content_id, message) in requests {
        s.api.message_gets += 1;
        let (status, json) = match s.api.by_id.get(&message) {
            Some(&i) => ("200 OK", s.api.messages[i].to_string()),
            None => (
                "404 Not Found",
                json!({"error": {"code": 404, "message": "Requested entity was not found.",
                                 "errors": [{"reason": "notFound"}]}})
                .to_string(),
            ),
        };
        answer.push_str(&format!(
            "--{out}\r\nContent-Type: application/http\r\nContent-ID: <response-{content_id}>\r\n\r\n\
             HTTP/1.1 {status}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{json}\r\n"
        ));
    }
    answer.push_str(&format!("--{out}--\r\n"));
    HttpResponse::Ok()
        .content_type(format!("multipart/mixed; boundary={out}"))
        .body(answer)
}
