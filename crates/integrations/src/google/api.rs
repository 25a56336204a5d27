//! Gmail and Calendar through the generated hubs (`google-gmail1`, `google-calendar3`),
//! pointed at `OMNICRM_GOOGLE_API_BASE`.
//!
//! * The hubs get their access token from us: a `String` implements the hubs' `GetToken`,
//!   and the string comes from our own refreshing token source (ADR 0022). No yup-oauth2
//!   authenticator is built or linked.
//! * Every call runs under the configured timeout (connect timeout on the connector, the
//!   whole call under `tokio::time::timeout`).
//! * A failed call keeps its status and `Retry-After` (a delegate sees the response before
//!   the hub drops it), so the sync can snooze exactly as long as Google asks.
//! * Messages and events are returned as the JSON Google sent (the bytes the hub read, not
//!   the hub's typed re-serialisation, which would drop fields it does not know): the
//!   timeline stores them losslessly.

use std::time::Duration;

use google_calendar3::CalendarHub;
use google_gmail1::Gmail;
use google_gmail1::common::{self, Delegate, Retry};
use google_gmail1::hyper_rustls::HttpsConnector;
use google_gmail1::hyper_util::client::legacy::Client;
use google_gmail1::hyper_util::client::legacy::connect::HttpConnector;
use google_gmail1::hyper_util::rt::TokioExecutor;
use http_body_util::BodyExt;
use serde_json::Value;

/// The user whose mailbox is read: the token's owner.
const ME: &str = "me";
/// Calendar read: the user's primary calendar.
const PRIMARY: &str = "primary";

/// Why a Gmail or Calendar call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 401: the access token is not (or no longer) accepted.
    #[error("unauthorized")]
    Unauthorized,
    /// 403 that is not a rate limit: the scope was not granted or the API is disabled.
    #[error("forbidden")]
    Forbidden,
    /// 404: gone (a message deleted since it was listed, a history id Google dropped).
    #[error("not found")]
    NotFound,
    /// 410: the Calendar sync token expired (full sync required).
    #[error("gone")]
    Gone,
    /// 429 or a rate-limit 403: wait `retry_after` when Google said.
    #[error("rate limited")]
    RateLimited {
        /// Google's `Retry-After`, in seconds.
        retry_after: Option<u64>,
    },
    /// 5xx.
    #[error("server error {status}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// Google's `Retry-After`, in seconds.
        retry_after: Option<u64>,
    },
    /// Another 4xx: our request is wrong; retrying will not help.
    #[error("request refused with {0}")]
    Client(u16),
    /// No answer within the timeout.
    #[error("timed out")]
    Timeout,
    /// The connection failed.
    #[error("transport failure")]
    Transport,
    /// The answer was not the JSON the API documents.
    #[error("undecodable answer")]
    Decode,
}

impl ApiError {
    /// A stable code for ledgers and logs (never provider text).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized => "google_unauthorized",
            Self::Forbidden => "google_forbidden",
            Self::NotFound => "google_not_found",
            Self::Gone => "google_gone",
            Self::RateLimited { .. } => "google_rate_limited",
            Self::Server { .. } => "google_server_error",
            Self::Client(_) => "google_bad_request",
            Self::Timeout => "google_timeout",
            Self::Transport => "google_unreachable",
            Self::Decode => "google_bad_response",
        }
    }

    /// Whether trying again later can help (rate limits, 5xx, timeouts, transport).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Server { .. } | Self::Timeout | Self::Transport
        )
    }

    /// The server's `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } | Self::Server { retry_after, .. } => {
                retry_after.map(Duration::from_secs)
            }
            _ => None,
        }
    }
}

/// One page of `users.messages.list`.
#[derive(Debug, Clone, Default)]
pub struct MessageIdsPage {
    /// Message ids on this page.
    pub ids: Vec<String>,
    /// The next page, if any.
    pub next_page_token: Option<String>,
}

/// One page of `users.history.list`: the ids of messages added or relabelled.
#[derive(Debug, Clone, Default)]
pub struct HistoryPage {
    /// Message ids to (re)fetch, without duplicates, in first-seen order.
    pub ids: Vec<String>,
    /// The next page, if any.
    pub next_page_token: Option<String>,
    /// The mailbox's current history id (the next cursor once the last page is read).
    pub history_id: Option<u64>,
}

/// What `events.list` is asked for.
#[derive(Debug, Clone)]
pub enum EventsQuery {
    /// A full listing of single events in a window.
    Window {
        /// Lower bound of the events' end.
        time_min: time::OffsetDateTime,
        /// Upper bound of the events' start.
        time_max: time::OffsetDateTime,
    },
    /// Changes since a sync token (cancelled events included).
    Since(String),
}

/// One page of `events.list`, the events as Google sent them.
#[derive(Debug, Clone, Default)]
pub struct EventsPage {
    /// The `Event` objects, verbatim.
    pub items: Vec<Value>,
    /// The next page, if any.
    pub next_page_token: Option<String>,
    /// On the last page: the token for the next incremental sync.
    pub next_sync_token: Option<String>,
}

type Connector = HttpsConnector<HttpConnector>;

/// Gmail and Calendar clients over one connection pool.
#[derive(Clone)]
pub struct GoogleApi {
    client: Client<Connector, common::Body>,
    /// For Gmail's batch endpoint, which the hubs do not speak.
    batch_http: reqwest::Client,
    base: String,
    timeout: Duration,
}

impl std::fmt::Debug for GoogleApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleApi")
            .field("base", &self.base)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Captures the status and `Retry-After` of a failed response before the hub drops it.
#[derive(Debug, Default)]
struct Capture {
    status: Option<u16>,
    retry_after: Option<u64>,
}

impl Delegate for Capture {
    fn http_failure(&mut self, response: &common::Response, _err: Option<&Value>) -> Retry {
        self.status = Some(response.status().as_u16());
        self.retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        Retry::Abort
    }
}

impl GoogleApi {
    /// A client for `base` (`https://www.googleapis.com` or a fake), every call bounded by
    /// `timeout`.
    pub fn new(base: &str, timeout: Duration) -> Self {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(timeout.min(Duration::from_secs(10))));
        http.set_nodelay(true);
        // The public web roots, compiled in: no dependence on the platform's store.
        let connector = google_gmail1::hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_config())
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        let batch_http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            client,
            batch_http,
            base: base.trim_end_matches('/').to_owned(),
            timeout,
        }
    }

    fn gmail(&self, token: &str) -> Gmail<Connector> {
        let mut hub = Gmail::new(self.client.clone(), token.to_owned());
        hub.base_url(format!("{}/", self.base));
        hub.root_url(format!("{}/", self.base));
        hub
    }

    fn calendar(&self, token: &str) -> CalendarHub<Connector> {
        let mut hub = CalendarHub::new(self.client.clone(), token.to_owned());
        hub.base_url(format!("{}/calendar/v3/", self.base));
        hub.root_url(format!("{}/", self.base));
        hub
    }

    /// `users.getProfile`: the mailbox's current history id.
    pub async fn gmail_history_id(&self, token: &str) -> Result<u64, ApiError> {
        let hub = self.gmail(token);
        let mut capture = Capture::default();
        let result = {
            let fut = hub.users().get_profile(ME).delegate(&mut capture).doit();
            tokio::time::timeout(self.timeout, fut).await
        };
        let (_, profile) = finish(result, &capture)?;
        profile.history_id.ok_or(ApiError::Decode)
    }

    /// `users.messages.list` (spam and trash excluded), `q` as Gmail's search syntax.
    pub async fn gmail_list(
        &self,
        token: &str,
        q: &str,
        page_token: Option<&str>,
        page_size: u32,
    ) -> Result<MessageIdsPage, ApiError> {
        let hub = self.gmail(token);
        let mut capture = Capture::default();
        let result = {
            let mut call = hub
                .users()
                .messages_list(ME)
                .q(q)
                .include_spam_trash(false)
                .max_results(page_size);
            if let Some(p) = page_token {
                call = call.page_token(p);
            }
            tokio::time::timeout(self.timeout, call.delegate(&mut capture).doit()).await
        };
        let (_, list) = finish(result, &capture)?;
        Ok(MessageIdsPage {
            ids: list
                .messages
                .unwrap_or_default()
                .into_iter()
                .filter_map(|m| m.id)
                .collect(),
            next_page_token: list.next_page_token,
        })
    }

    /// `users.messages.get?format=full`: the `Message` JSON as Gmail sent it.
    pub async fn gmail_message(&self, token: &str, id: &str) -> Result<Value, ApiError> {
        let hub = self.gmail(token);
        let mut capture = Capture::default();
        let result = {
            let fut = hub
                .users()
                .messages_get(ME, id)
                .format("full")
                .delegate(&mut capture)
                .doit();
            tokio::time::timeout(self.timeout, fut).await
        };
        let (response, _) = finish(result, &capture)?;
        raw_json(response, self.timeout).await
    }

    /// `messages.get?format=full` of up to [`super::batch::MAX_BATCH`] `ids` in one
    /// request to Gmail's batch endpoint. Answers one result per id, in order: the message
    /// JSON as Gmail sent it, or that request's failure (an id the answer left out is
    /// `Err(Decode)`: fetch it singly). `Err` for the batch as a whole: its status, a
    /// timeout, or an answer that is not a readable batch (`Decode`).
    pub async fn gmail_messages_batch(
        &self,
        token: &str,
        ids: &[String],
    ) -> Result<Vec<Result<Value, ApiError>>, ApiError> {
        use super::batch::{self, MAX_RESPONSE_BYTES, REQUEST_BOUNDARY};
        let ids = &ids[..ids.len().min(batch::MAX_BATCH)];
        let call = async {
            let mut response = self
                .batch_http
                .post(format!("{}/batch/gmail/v1", self.base))
                .bearer_auth(token)
                .header(
                    reqwest::header::CONTENT_TYPE,
                    format!("multipart/mixed; boundary={REQUEST_BOUNDARY}"),
                )
                .body(batch::request_body(ids))
                .send()
                .await
                .map_err(|e| {
                    if e.is_timeout() {
                        ApiError::Timeout
                    } else {
                        ApiError::Transport
                    }
                })?;
            let status = response.status().as_u16();
            if status != 200 {
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse().ok());
                return Err(status_error(status, retry_after));
            }
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            // Bounded before it is kept: a larger answer is refused, not buffered.
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|_| ApiError::Transport)? {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(ApiError::Decode);
                }
                body.extend_from_slice(&chunk);
            }
            Ok((content_type, body))
        };
        let (content_type, body) = tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| ApiError::Timeout)??;
        let parts =
            batch::parse_response(&content_type, &body, ids.len()).map_err(|_| ApiError::Decode)?;
        let mut out: Vec<Result<Value, ApiError>> =
            ids.iter().map(|_| Err(ApiError::Decode)).collect();
        for part in parts {
            let Some(slot) = out.get_mut(part.index) else {
                continue;
            };
            *slot = if part.status == 200 {
                serde_json::from_slice(&part.body).map_err(|_| ApiError::Decode)
            } else {
                Err(status_error(part.status, part.retry_after))
            };
        }
        Ok(out)
    }

    /// `users.history.list` from `start_history_id`: messages added or relabelled.
    /// `Err(NotFound)` when Google no longer keeps that history (a full resync is due).
    pub async fn gmail_history(
        &self,
        token: &str,
        start_history_id: u64,
        page_token: Option<&str>,
        page_size: u32,
    ) -> Result<HistoryPage, ApiError> {
        let hub = self.gmail(token);
        let mut capture = Capture::default();
        let result = {
            let mut call = hub
                .users()
                .history_list(ME)
                .start_history_id(start_history_id)
                .max_results(page_size)
                .add_history_types("messageAdded")
                .add_history_types("labelAdded")
                .add_history_types("labelRemoved");
            if let Some(p) = page_token {
                call = call.page_token(p);
            }
            tokio::time::timeout(self.timeout, call.delegate(&mut capture).doit()).await
        };
        let (_, page) = finish(result, &capture)?;
        let mut ids: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for h in page.history.unwrap_or_default() {
            let added = h
                .messages_added
                .unwrap_or_default()
                .into_iter()
                .filter_map(|m| m.message);
            let labelled = h
                .labels_added
                .unwrap_or_default()
                .into_iter()
                .filter_map(|m| m.message);
            let unlabelled = h
                .labels_removed
                .unwrap_or_default()
                .into_iter()
                .filter_map(|m| m.message);
            for id in added.chain(labelled).chain(unlabelled).filter_map(|m| m.id) {
                if seen.insert(id.clone()) {
                    ids.push(id);
                }
            }
        }
        Ok(HistoryPage {
            ids,
            next_page_token: page.next_page_token,
            history_id: page.history_id,
        })
    }

    /// `events.list` on the primary calendar with `singleEvents=true`.
    /// `Err(Gone)` when the sync token expired (a full sync is due).
    pub async fn calendar_events(
        &self,
        token: &str,
        query: &EventsQuery,
        page_token: Option<&str>,
        page_size: i32,
    ) -> Result<EventsPage, ApiError> {
        let hub = self.calendar(token);
        let mut capture = Capture::default();
        let result = {
            let mut call = hub
                .events()
                .list(PRIMARY)
                .single_events(true)
                .max_results(page_size);
            match query {
                EventsQuery::Window { time_min, time_max } => {
                    call = call
                        .time_min(to_chrono(*time_min)?)
                        .time_max(to_chrono(*time_max)?);
                }
                EventsQuery::Since(sync_token) => {
                    call = call.sync_token(sync_token).show_deleted(true);
                }
            }
            if let Some(p) = page_token {
                call = call.page_token(p);
            }
            tokio::time::timeout(self.timeout, call.delegate(&mut capture).doit()).await
        };
        let (response, _) = finish(result, &capture)?;
        let mut body = raw_json(response, self.timeout).await?;
        let items = match body.get_mut("items").map(Value::take) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
        Ok(EventsPage {
            items,
            next_page_token: text("nextPageToken"),
            next_sync_token: text("nextSyncToken"),
        })
    }
}

fn finish<T>(
    result: Result<common::Result<T>, tokio::time::error::Elapsed>,
    capture: &Capture,
) -> Result<T, ApiError> {
    match result {
        Err(_) => Err(ApiError::Timeout),
        Ok(Ok(v)) => Ok(v),
        Ok(Err(err)) => Err(map_error(&err, capture)),
    }
}

fn map_error(err: &common::Error, capture: &Capture) -> ApiError {
    let status = capture.status.or_else(|| match err {
        common::Error::BadRequest(v) => v
            .pointer("/error/code")
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok()),
        common::Error::Failure(r) => Some(r.status().as_u16()),
        _ => None,
    });
    let rate_reason = match err {
        common::Error::BadRequest(v) => v
            .pointer("/error/errors/0/reason")
            .and_then(Value::as_str)
            .is_some_and(|r| r.contains("ateLimitExceeded")),
        _ => false,
    };
    match (status, err) {
        (Some(401), _) => ApiError::Unauthorized,
        (Some(403), _) if rate_reason => ApiError::RateLimited {
            retry_after: capture.retry_after,
        },
        (Some(403), _) => ApiError::Forbidden,
        (Some(404), _) => ApiError::NotFound,
        (Some(410), _) => ApiError::Gone,
        (Some(429), _) => ApiError::RateLimited {
            retry_after: capture.retry_after,
        },
        (Some(s), _) if s >= 500 => ApiError::Server {
            status: s,
            retry_after: capture.retry_after,
        },
        (Some(s), _) => ApiError::Client(s),
        (None, common::Error::HttpError(_) | common::Error::Io(_)) => ApiError::Transport,
        (None, _) => ApiError::Decode,
    }
}

/// A failed status as the error the sync acts on (rate-limit 403s are not told apart
/// here: a batch part's 403 is a plain refusal).
fn status_error(status: u16, retry_after: Option<u64>) -> ApiError {
    match status {
        401 => ApiError::Unauthorized,
        403 => ApiError::Forbidden,
        404 => ApiError::NotFound,
        410 => ApiError::Gone,
        429 => ApiError::RateLimited { retry_after },
        s if s >= 500 => ApiError::Server {
            status: s,
            retry_after,
        },
        s => ApiError::Client(s),
    }
}

/// The body the hub already read, parsed as it came.
async fn raw_json(response: common::Response, timeout: Duration) -> Result<Value, ApiError> {
    let collected = tokio::time::timeout(timeout, response.into_body().collect())
        .await
        .map_err(|_| ApiError::Timeout)?
        .map_err(|_| ApiError::Transport)?;
    serde_json::from_slice(&collected.to_bytes()).map_err(|_| ApiError::Decode)
}

fn to_chrono(t: time::OffsetDateTime) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    chrono::DateTime::from_timestamp(t.unix_timestamp(), 0).ok_or(ApiError::Decode)
}

fn tls_config() -> rustls::ClientConfig {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    // Deprecated only for lacking post-quantum key exchange (aws-lc-rs alone offers it);
    // ring stays the one crypto library in the tree (as in omnicrm-pgconn).
    #[allow(deprecated)]
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    // ring supports rustls' default protocol versions: this fails only on a broken build,
    // and the client is built once at start-up.
    #[allow(clippy::expect_used)]
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions");
    builder.with_root_certificates(roots).with_no_client_auth()
}
