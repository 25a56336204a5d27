//! A fake Google speaking the real wire format, for the production client pointed at it
//! through `OMNICRM_GOOGLE_OAUTH_BASE` (`<base>/auth`, `/token`, `/revoke`) and
//! `OMNICRM_GOOGLE_API_BASE` (`<base>/oauth2/v3/userinfo`).
//!
//! * `GET /auth`: no consent screen; answers 302 to `redirect_uri?code=..&state=..` as
//!   Google does after the user agreed (or `?error=access_denied&state=..` when told to).
//! * `POST /token`: `authorization_code` (checks client, redirect URI and the PKCE S256
//!   verifier; a code works once) and `refresh_token`; failures are 400
//!   `{"error":"invalid_grant"}` like Google's.
//! * `POST /revoke`: `token=` (access or refresh) ends the grant; unknown tokens are 400
//!   `{"error":"invalid_token"}`.
//! * `GET /oauth2/v3/userinfo`: `{sub, email, email_verified}` for a live access token.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::json;

use crate::app::TestGoogle;

/// The client id and secret test apps use with the fake.
pub const FAKE_CLIENT_ID: &str = "fake-client-id.apps.googleusercontent.com";
/// See [`FAKE_CLIENT_ID`].
pub const FAKE_CLIENT_SECRET: &str = "fake-client-secret";

#[derive(Debug, Clone)]
struct PendingCode {
    challenge: String,
    redirect_uri: String,
    scope: String,
}

#[derive(Debug, Clone)]
struct Grant {
    refresh_token: String,
    access_tokens: Vec<String>,
    scope: String,
    revoked: bool,
}

#[derive(Debug, Default)]
pub(crate) struct FakeState {
    codes: HashMap<String, PendingCode>,
    grants: Vec<Grant>,
    deny_consent: bool,
    pub(crate) email: String,
    issued: u64,
    revocations: u64,
    refreshes: u64,
    expires_in: i64,
    /// The next token requests answer this status (with `Retry-After` when set).
    token_faults: Vec<(u16, Option<u64>)>,
    /// Gmail and Calendar data and faults.
    pub(crate) api: crate::google_api::ApiData,
}

impl FakeState {
    pub(crate) fn is_live_access_token(&self, token: &str) -> bool {
        !token.is_empty()
            && self
                .grants
                .iter()
                .any(|g| !g.revoked && g.access_tokens.iter().any(|t| t == token))
    }
}

/// A running fake Google (serves until the test's runtime ends).
#[derive(Debug)]
pub struct FakeGoogle {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    state: Arc<Mutex<FakeState>>,
    handle: actix_web::dev::ServerHandle,
}

impl FakeGoogle {
    /// Starts the fake on a random local port; the account is `practitioner@example.com`.
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(FakeState {
            email: "practitioner@example.com".to_owned(),
            expires_in: 3599,
            ..FakeState::default()
        }));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let shared = web::Data::from(Arc::clone(&state));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .route("/auth", web::get().to(auth))
                .route("/token", web::post().to(token))
                .route("/revoke", web::post().to(revoke))
                .route("/oauth2/v3/userinfo", web::get().to(userinfo))
                .route(
                    "/gmail/v1/users/{user}/profile",
                    web::get().to(crate::google_api::gmail_profile),
                )
                .route(
                    "/gmail/v1/users/{user}/messages",
                    web::get().to(crate::google_api::gmail_list),
                )
                .route(
                    "/gmail/v1/users/{user}/messages/{id}",
                    web::get().to(crate::google_api::gmail_get),
                )
                .route(
                    "/batch/gmail/v1",
                    web::post().to(crate::google_api::gmail_batch),
                )
                .route(
                    "/gmail/v1/users/{user}/history",
                    web::get().to(crate::google_api::gmail_history),
                )
                .route(
                    "/calendar/v3/calendars/{calendar}/events",
                    web::get().to(crate::google_api::calendar_events),
                )
        })
        .workers(2)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            base_url: format!("http://{addr}"),
            state,
            handle,
        }
    }

    /// Stops the server.
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }

    fn lock(&self) -> MutexGuard<'_, FakeState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Test-app settings pointing both base URLs here, with the fake's client id.
    pub fn options(&self) -> TestGoogle {
        TestGoogle {
            client_id: Some(FAKE_CLIENT_ID.to_owned()),
            client_secret: Some(FAKE_CLIENT_SECRET.to_owned()),
            oauth_base: Some(self.base_url.clone()),
            api_base: Some(self.base_url.clone()),
            app_url: Some("https://app.example.test/settings/integrations".to_owned()),
            sync: None,
        }
    }

    /// The next consents are refused by the "user" (`?error=access_denied`).
    pub fn deny_consent(&self, deny: bool) {
        self.lock().deny_consent = deny;
    }

    /// Lifetime (`expires_in`) of the access tokens issued from now on.
    pub fn set_expires_in(&self, seconds: i64) {
        self.lock().expires_in = seconds;
    }

    /// The next `count` token-endpoint requests answer `status` (Google's JSON error body,
    /// `Retry-After` when given), then the endpoint works again.
    pub fn fail_token_requests(&self, count: usize, status: u16, retry_after: Option<u64>) {
        let mut s = self.lock();
        s.token_faults = vec![(status, retry_after); count];
    }

    /// Revokes every grant, as a user removing the app in their Google account would.
    pub fn revoke_all(&self) {
        for g in &mut self.lock().grants {
            g.revoked = true;
        }
    }

    /// Every token the fake ever issued (access and refresh), to look for in dumps.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.lock()
            .grants
            .iter()
            .flat_map(|g| {
                std::iter::once(g.refresh_token.clone()).chain(g.access_tokens.iter().cloned())
            })
            .collect()
    }

    /// How many revocation requests succeeded.
    pub fn revocations(&self) -> u64 {
        self.lock().revocations
    }

    /// How many refresh grants succeeded.
    pub fn refreshes(&self) -> u64 {
        self.lock().refreshes
    }

    /// Puts a message in the mailbox (a new history record); returns its id.
    pub fn add_message(&self, mail: &crate::FakeMail) -> String {
        self.lock().api.add_message(mail)
    }

    /// Replaces a message's labels (a history record, as Gmail keeps for a relabel).
    pub fn relabel_message(&self, id: &str, labels: &[&str]) {
        self.lock().api.relabel(id, labels);
    }

    /// Google no longer keeps the history so far: `history.list` from any id seen until
    /// now answers 404.
    pub fn expire_history(&self) {
        self.lock().api.expire_history();
    }

    /// Adds (or replaces, by `id`) a calendar event; defaults the fields Google fills.
    /// Returns its id.
    pub fn add_event(&self, event: serde_json::Value) -> String {
        self.lock().api.add_event(event)
    }

    /// Changes fields of an event (it appears in the next incremental listing).
    pub fn update_event(&self, id: &str, patch: &serde_json::Value) {
        self.lock().api.update_event(id, patch);
    }

    /// Cancels an event (incremental listings return it with `status: cancelled`).
    pub fn cancel_event(&self, id: &str) {
        self.update_event(id, &json!({ "status": "cancelled" }));
    }

    /// Every sync token issued so far expires (410 Gone).
    pub fn expire_sync_tokens(&self) {
        self.lock().api.expire_sync_tokens();
    }

    /// The next `count` Gmail/Calendar requests answer `status` with Google's error body
    /// (`Retry-After` when given), then the API works again.
    pub fn fail_api_requests(&self, count: usize, status: u16, retry_after: Option<u64>) {
        let mut s = self.lock();
        s.api.faults = std::iter::repeat_n((status, retry_after), count).collect();
    }

    /// Faults still queued.
    pub fn pending_api_faults(&self) -> usize {
        self.lock().api.faults.len()
    }

    /// Every Gmail/Calendar answer waits this long first (a slow Google).
    pub fn set_api_delay(&self, delay: std::time::Duration) {
        self.lock().api.delay = delay;
    }

    /// List pages (messages, history, events) hold at most `n` items from now on.
    pub fn set_max_page_size(&self, n: usize) {
        self.lock().api.max_page = Some(n);
    }

    /// Gmail/Calendar requests received.
    pub fn api_calls(&self) -> u64 {
        self.lock().api.calls
    }

    /// `messages.get` requests received.
    pub fn message_gets(&self) -> u64 {
        self.lock().api.message_gets
    }

    /// Follows a consent URL the app redirected to, as the browser would, and returns
    /// where the fake sends the browser next (our callback URL with `code` and `state`).
    pub async fn consent(&self, authorize_url: &str) -> String {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let res = client.get(authorize_url).send().await.expect("consent");
        assert_eq!(res.status(), 302, "the fake's /auth answers 302");
        res.headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .expect("location")
            .to_owned()
    }
}

fn oauth_error(status: u16, code: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default())
        .json(json!({ "error": code, "error_description": "Bad Request" }))
}

fn s256(verifier: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ))
}

async fn auth(
    state: web::Data<Mutex<FakeState>>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let q = query.into_inner();
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if get("client_id") != FAKE_CLIENT_ID
        || get("response_type") != "code"
        || get("code_challenge_method") != "S256"
        || get("code_challenge").is_empty()
        || get("access_type") != "offline"
    {
        return HttpResponse::BadRequest().body("Error 400: invalid_request");
    }
    let redirect_uri = get("redirect_uri");
    let Ok(mut target) = reqwest::Url::parse(&redirect_uri) else {
        return HttpResponse::BadRequest().body("Error 400: redirect_uri_mismatch");
    };
    let mut s = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if s.deny_consent {
        target
            .query_pairs_mut()
            .append_pair("error", "access_denied")
            .append_pair("state", &get("state"));
    } else {
        s.issued += 1;
        let code = format!("4/fake-code-{}-{}", s.issued, uuid::Uuid::new_v4().simple());
        s.codes.insert(
            code.clone(),
            PendingCode {
                challenge: get("code_challenge"),
                redirect_uri,
                scope: get("scope"),
            },
        );
        target
            .query_pairs_mut()
            .append_pair("state", &get("state"))
            .append_pair("code", &code)
            .append_pair("scope", &get("scope"));
    }
    HttpResponse::Found()
        .insert_header(("location", target.to_string()))
        .finish()
}

async fn token(
    state: web::Data<Mutex<FakeState>>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let f = form.into_inner();
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    if get("client_id") != FAKE_CLIENT_ID || get("client_secret") != FAKE_CLIENT_SECRET {
        return oauth_error(401, "invalid_client");
    }
    let mut s = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((status, retry_after)) = s.token_faults.pop() {
        let code = if status == 429 {
            "rate_limit_exceeded"
        } else {
            "internal_failure"
        };
        let mut res = oauth_error(status, code);
        if let Some(secs) = retry_after {
            res.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(secs),
            );
        }
        return res;
    }
    let expires_in = s.expires_in;
    match get("grant_type").as_str() {
        "authorization_code" => {
            // A code works once, even when the exchange fails.
            let Some(pending) = s.codes.remove(&get("code")) else {
                return oauth_error(400, "invalid_grant");
            };
            if pending.redirect_uri != get("redirect_uri")
                || s256(&get("code_verifier")) != pending.challenge
            {
                return oauth_error(400, "invalid_grant");
            }
            s.issued += 1;
            let n = s.issued;
            let access = format!("ya29.fake-access-{n}-{}", uuid::Uuid::new_v4().simple());
            let refresh = format!("1//fake-refresh-{n}-{}", uuid::Uuid::new_v4().simple());
            s.grants.push(Grant {
                refresh_token: refresh.clone(),
                access_tokens: vec![access.clone()],
                scope: pending.scope.clone(),
                revoked: false,
            });
            HttpResponse::Ok().json(json!({
                "access_token": access,
                "expires_in": expires_in,
                "refresh_token": refresh,
                "scope": pending.scope,
                "token_type": "Bearer",
                "id_token": "fake.id.token",
            }))
        }
        "refresh_token" => {
            let refresh = get("refresh_token");
            s.issued += 1;
            let n = s.issued;
            let access = format!("ya29.fake-access-{n}-{}", uuid::Uuid::new_v4().simple());
            let Some(grant) = s
                .grants
                .iter_mut()
                .find(|g| g.refresh_token == refresh && !g.revoked)
            else {
                return oauth_error(400, "invalid_grant");
            };
            grant.access_tokens.push(access.clone());
            let scope = grant.scope.clone();
            s.refreshes += 1;
            HttpResponse::Ok().json(json!({
                "access_token": access,
                "expires_in": expires_in,
                "scope": scope,
                "token_type": "Bearer",
            }))
        }
        _ => oauth_error(400, "unsupported_grant_type"),
    }
}

async fn revoke(
    state: web::Data<Mutex<FakeState>>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let token = form.get("token").cloned().unwrap_or_default();
    let mut s = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let found = s
        .grants
        .iter_mut()
        .find(|g| !g.revoked && (g.refresh_token == token || g.access_tokens.contains(&token)));
    match found {
        Some(g) => {
            g.revoked = true;
            s.revocations += 1;
            HttpResponse::Ok().finish()
        }
        None => oauth_error(400, "invalid_token"),
    }
}

async fn userinfo(state: web::Data<Mutex<FakeState>>, req: HttpRequest) -> HttpResponse {
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let s = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let live = s
        .grants
        .iter()
        .any(|g| !g.revoked && g.access_tokens.contains(&bearer));
    if !live {
        return HttpResponse::Unauthorized().json(json!({
            "error": "invalid_request",
            "error_description": "Invalid Credentials"
        }));
    }
    HttpResponse::Ok().json(json!({
        "sub": "1234567890",
        "email": s.email,
        "email_verified": true,
    }))
}

impl FakeGoogle {
    /// Issues a grant without the consent walk (benchmarks seed the tokens directly):
    /// `(access token, refresh token)` for `scope`.
    pub fn issue_grant(&self, scope: &str) -> (String, String) {
        let mut s = self.lock();
        s.issued += 1;
        let n = s.issued;
        let access = format!("ya29.fake-access-{n}-{}", uuid::Uuid::new_v4().simple());
        let refresh = format!("1//fake-refresh-{n}-{}", uuid::Uuid::new_v4().simple());
        s.grants.push(Grant {
            refresh_token: refresh.clone(),
            access_tokens: vec![access.clone()],
            scope: scope.to_owned(),
            revoked: false,
        });
        (access, refresh)
    }
}

impl FakeGoogle {
    /// Batch requests (`POST /batch/gmail/v1`) received; their parts count in
    /// [`Self::message_gets`] too.
    pub fn batch_calls(&self) -> u64 {
        self.lock().api.batch_calls
    }

    /// Single `messages.get` requests received (outside batches).
    pub fn single_message_gets(&self) -> u64 {
        self.lock().api.single_gets
    }

    /// The batch endpoint refuses every request (400) while `broken`.
    pub fn break_batch(&self, broken: bool) {
        self.lock().api.batch_broken = broken;
    }
}
