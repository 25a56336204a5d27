//! Requests that read like the API they test, in the spirit of crates.io's `RequestHelper`:
//!
//! ```ignore
//! let alice = app.as_user(TestApp::new_user());
//! let created = alice.post_json("/api/v1/contacts", &json!({"displayName": "Ada"})).await;
//! let contact: Value = created.expect(StatusCode::CREATED).json();
//! alice.get("/api/v1/contacts/nope").await.problem(StatusCode::BAD_REQUEST, "invalid_path");
//! ```
//!
//! A [`Requester`] carries who is asking (a bearer token, a cookie session with or without its
//! CSRF token, or nobody) and extra headers; each verb sends one request and buffers the whole
//! answer into a [`TestResponse`], whose accessors are synchronous and whose assertions print
//! the body when they fail.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::TestApp;
use omnicrm_domain::UserId;

/// Who a request is from.
#[derive(Debug, Clone)]
enum Caller {
    Anonymous,
    Bearer(UserId),
    /// The SPA's cookie session (`sb-access-token`), optionally with its CSRF token (sent as
    /// both the `csrf` cookie and the `X-CSRF-Token` header, as the SPA does).
    Cookie {
        user: UserId,
        csrf: Option<String>,
    },
}

/// Sends requests to a [`TestApp`] as one caller; cheap to clone and reuse.
#[derive(Debug, Clone)]
pub struct Requester<'a> {
    app: &'a TestApp,
    caller: Caller,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl TestApp {
    /// Requests carrying `user`'s bearer token.
    pub fn as_user(&self, user: UserId) -> Requester<'_> {
        self.requester(Caller::Bearer(user))
    }

    /// Requests with no credentials (public routes, and auth failures).
    pub fn anonymous(&self) -> Requester<'_> {
        self.requester(Caller::Anonymous)
    }

    /// Requests carrying `user`'s session cookie and no CSRF token (see
    /// [`Requester::with_csrf`]).
    pub fn with_session_cookie(&self, user: UserId) -> Requester<'_> {
        self.requester(Caller::Cookie { user, csrf: None })
    }

    /// Requests carrying `token` verbatim as the bearer token (foreign, expired or hostile
    /// tokens; the cron secret).
    pub fn with_bearer(&self, token: &str) -> Requester<'_> {
        self.anonymous()
            .header("authorization", &format!("Bearer {token}"))
    }

    /// A fresh user and requests as that user.
    pub fn new_user_requester(&self) -> (UserId, Requester<'_>) {
        let user = Self::new_user();
        (user, self.as_user(user))
    }

    fn requester(&self, caller: Caller) -> Requester<'_> {
        Requester {
            app: self,
            caller,
            headers: Vec::new(),
        }
    }
}

impl<'a> Requester<'a> {
    /// The app these requests go to.
    pub fn app(&self) -> &'a TestApp {
        self.app
    }

    /// The user behind these requests, if any.
    pub fn user(&self) -> Option<UserId> {
        match &self.caller {
            Caller::Anonymous => None,
            Caller::Bearer(user) | Caller::Cookie { user, .. } => Some(*user),
        }
    }

    /// The user behind these requests; panics for anonymous requests.
    #[track_caller]
    pub fn id(&self) -> UserId {
        self.user().expect("an anonymous requester has no user")
    }

    /// Adds a header to every request (e.g. `If-Match`, `X-Forwarded-For`).
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("header name");
        let value = HeaderValue::from_str(value).expect("header value");
        self.headers.push((name, value));
        self
    }

    /// For a cookie session: sends `token` as the `csrf` cookie and the `X-CSRF-Token` header.
    #[must_use]
    pub fn with_csrf(mut self, token: &str) -> Self {
        if let Caller::Cookie { csrf, .. } = &mut self.caller {
            *csrf = Some(token.to_owned());
        }
        self
    }

    /// For a cookie session: fetches a CSRF token from `GET /api/v1/auth/csrf` and uses it.
    pub async fn with_fresh_csrf(self) -> Self {
        let token = self
            .get("/api/v1/auth/csrf")
            .await
            .expect(StatusCode::OK)
            .json::<Value>()["csrfToken"]
            .as_str()
            .expect("csrfToken")
            .to_owned();
        self.with_csrf(&token)
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(self.request(Method::GET, path)).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> TestResponse {
        self.send(self.request(Method::DELETE, path)).await
    }

    /// `POST path` with no body.
    pub async fn post(&self, path: &str) -> TestResponse {
        self.send(self.request(Method::POST, path)).await
    }

    /// `POST path` with a JSON body.
    pub async fn post_json(&self, path: &str, body: &impl Serialize) -> TestResponse {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch_json(&self, path: &str, body: &impl Serialize) -> TestResponse {
        self.send(self.request(Method::PATCH, path).json(body))
            .await
    }

    /// `PUT path` with a JSON body.
    pub async fn put_json(&self, path: &str, body: &impl Serialize) -> TestResponse {
        self.send(self.request(Method::PUT, path).json(body)).await
    }

    /// `method path` with an optional JSON body, for tables of routes that vary the method.
    pub async fn send_json(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> TestResponse {
        let mut req = self.request(method, path);
        if let Some(body) = body {
            req = req.json(body);
        }
        self.send(req).await
    }

    /// `method path` with raw bytes under `content_type` (malformed JSON, wrong types, ...).
    pub async fn send_bytes(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> TestResponse {
        self.send(
            self.request(method, path)
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }

    /// `POST path` with a `multipart/form-data` body.
    pub async fn post_multipart(&self, path: &str, form: &Multipart) -> TestResponse {
        self.send_bytes(Method::POST, path, &form.content_type(), form.body())
            .await
    }

    /// A request with this caller's credentials and headers, for anything the verbs above do
    /// not cover; send it with [`Requester::send`].
    ///
    /// `path` may also be an absolute URL the API handed out (a signed download link).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let url = if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            self.app.url(path)
        };
        let mut req = self.app.http.request(method, url);
        match &self.caller {
            Caller::Anonymous => {}
            Caller::Bearer(user) => req = req.bearer_auth(TestApp::token(*user)),
            Caller::Cookie { user, csrf } => {
                let mut cookie = format!("sb-access-token={}", TestApp::token(*user));
                if let Some(token) = csrf {
                    cookie.push_str(&format!("; csrf={token}"));
                    req = req.header("x-csrf-token", token);
                }
                req = req.header("cookie", cookie);
            }
        }
        for (name, value) in &self.headers {
            req = req.header(name, value);
        }
        req
    }

    /// Sends `req` and buffers the answer.
    pub async fn send(&self, req: RequestBuilder) -> TestResponse {
        TestResponse::read(req.send().await.expect("request")).await
    }
}

/// A whole answer: status, headers and the buffered body.
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl TestResponse {
    /// Buffers `res`.
    pub async fn read(res: reqwest::Response) -> Self {
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.bytes().await.expect("response body").to_vec();
        Self {
            status,
            headers,
            body,
        }
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Every header.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// One header as text (`None` when absent or not visible ASCII).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.body
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: StatusCode) -> Self {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }

    /// The body parsed as JSON into `T`.
    #[track_caller]
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not the expected JSON ({e}); status {}: {}",
                self.status,
                self.text()
            )
        })
    }

    /// Asserts `status` and returns the body as JSON: `res.ok_json(StatusCode::OK)`.
    #[track_caller]
    pub fn ok_json(self, status: StatusCode) -> Value {
        self.expect(status).json()
    }

    /// Asserts an RFC 9457 problem with `status` and `code` (media type, `status`, `type`
    /// URL and `requestId` matching the `X-Request-Id` header) and returns its body.
    #[track_caller]
    pub fn problem(&self, status: StatusCode, code: &str) -> Value {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            self.text()
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text()
        );
        let body: Value = self.json();
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["status"], status.as_u16(), "{body}");
        assert_eq!(
            body["requestId"].as_str(),
            self.header("x-request-id"),
            "{body}"
        );
        let page = format!("/problems/{}", code.replace('_', "-"));
        assert!(
            body["type"].as_str().unwrap_or("").ends_with(&page),
            "{body}"
        );
        body
    }
}

/// The JSON pointers of a validation problem's `errors`, in order.
pub fn pointers(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["pointer"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A hand-built `multipart/form-data` body (hand-built so tests can also send hostile
/// framings byte for byte).
#[derive(Debug, Clone, Default)]
pub struct Multipart {
    body: Vec<u8>,
}

impl Multipart {
    /// The boundary between parts.
    pub const BOUNDARY: &'static str = "omnicrm-test-boundary-7MA4YWxkTrZu0gW";

    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a text field.
    #[must_use]
    pub fn text(mut self, name: &str, value: &str) -> Self {
        self.body.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n",
                Self::BOUNDARY
            )
            .as_bytes(),
        );
        self
    }

    /// Adds a file part.
    #[must_use]
    pub fn file(mut self, name: &str, file_name: &str, content_type: &str, bytes: &[u8]) -> Self {
        self.body.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n",
                Self::BOUNDARY
            )
            .as_bytes(),
        );
        self.body.extend_from_slice(bytes);
        self.body.extend_from_slice(b"\r\n");
        self
    }

    /// The `Content-Type` header value.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", Self::BOUNDARY)
    }

    /// The body, closed with the final boundary.
    pub fn body(&self) -> Vec<u8> {
        let mut body = self.body.clone();
        body.extend_from_slice(format!("--{}--\r\n", Self::BOUNDARY).as_bytes());
        body
    }
}
