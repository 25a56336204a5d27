//! A fake OpenAI-compatible provider speaking the real wire format, for the production
//! client pointed at it through `OMNICRM_AI_BASE_URL`.
//!
//! * `POST /chat/completions`: answers the next scripted reply (text, or tool calls), or a
//!   default text; `"stream": true` answers server-sent events (`data: {chunk}` lines,
//!   content and tool-call arguments split over several chunks, a usage chunk, then
//!   `data: [DONE]`) as OpenAI and OpenRouter do.
//! * `POST /embeddings`: deterministic unit vectors (a hash of the text), `dimensions` long.
//! * Faults: the next requests can answer 429 (with `Retry-After`) or 500.
//! * Every request body is recorded, to assert what left the process.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

/// The API key test apps use with the fake.
pub const FAKE_AI_KEY: &str = "sk-or-fake-test-key";
/// Length of the fake's embedding vectors.
pub const FAKE_EMBED_DIMENSIONS: usize = 8;
/// Cost (USD) the fake reports for each chat completion.
pub const FAKE_CHAT_COST_USD: f64 = 0.0001;

/// One scripted answer of the fake's chat endpoint.
#[derive(Debug, Clone)]
pub enum FakeReply {
    /// The assistant answers this text.
    Text(String),
    /// The assistant calls these tools `(name, arguments)`.
    ToolCalls(Vec<(String, Value)>),
}

#[derive(Debug)]
struct FakeState {
    script: VecDeque<FakeReply>,
    faults: VecDeque<(u16, Option<u64>)>,
    requests: Vec<(String, Value)>,
    dimensions: usize,
    calls: u64,
}

/// AI settings of a test app.
#[derive(Debug, Clone, Default)]
pub struct TestAi {
    /// `OMNICRM_AI_BASE_URL`.
    pub base_url: Option<String>,
    /// `OMNICRM_AI_API_KEY`; `None`: the AI routes answer 503.
    pub api_key: Option<String>,
    /// `OMNICRM_AI_MONTHLY_CREDITS` (generous by default).
    pub monthly_credits: Option<i32>,
    /// `OMNICRM_AI_REQUESTS_PER_MINUTE` (generous by default).
    pub requests_per_minute: Option<u32>,
    /// `OMNICRM_AI_DAILY_COST_CAP_USD` (generous by default).
    pub daily_cost_cap_usd: Option<f64>,
    /// `OMNICRM_EMBED_BACKEND=provider` with `OMNICRM_AI_EMBED_DIMENSIONS` of this: items
    /// and search queries are embedded by the provider (`None`: not).
    pub embed_dimensions: Option<usize>,
}

/// A running fake provider (serves until the test's runtime ends).
#[derive(Debug)]
pub struct FakeAi {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    state: Arc<Mutex<FakeState>>,
    handle: actix_web::dev::ServerHandle,
}

impl FakeAi {
    /// Starts the fake on a random local port (8-dimensional embeddings).
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(FakeState {
            script: VecDeque::new(),
            faults: VecDeque::new(),
            requests: Vec::new(),
            dimensions: FAKE_EMBED_DIMENSIONS,
            calls: 0,
        }));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let shared = web::Data::from(Arc::clone(&state));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .app_data(web::JsonConfig::default().limit(16 * 1024 * 1024))
                .route("/chat/completions", web::post().to(chat))
                .route("/embeddings", web::post().to(embeddings))
        })
        .workers(1)
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

    /// Test-app settings pointing at the fake, with its key.
    pub fn options(&self) -> TestAi {
        TestAi {
            base_url: Some(self.base_url.clone()),
            api_key: Some(FAKE_AI_KEY.to_owned()),
            ..TestAi::default()
        }
    }

    /// Like [`FakeAi::options`], with the provider's embeddings behind semantic search
    /// (the fake's vectors: [`FAKE_EMBED_DIMENSIONS`] long).
    pub fn embedding_options(&self) -> TestAi {
        TestAi {
            embed_dimensions: Some(FAKE_EMBED_DIMENSIONS),
            ..self.options()
        }
    }

    /// Queues a scripted answer of the chat endpoint.
    pub fn reply(&self, reply: FakeReply) {
        self.lock().script.push_back(reply);
    }

    /// Queues a text answer.
    pub fn reply_text(&self, text: &str) {
        self.reply(FakeReply::Text(text.to_owned()));
    }

    /// Queues one tool call.
    pub fn reply_tool_call(&self, name: &str, arguments: Value) {
        self.reply(FakeReply::ToolCalls(vec![(name.to_owned(), arguments)]));
    }

    /// The next `count` requests (chat or embeddings) answer `status` (with
    /// `Retry-After` when given), then the endpoints work again.
    pub fn fail_next(&self, count: usize, status: u16, retry_after: Option<u64>) {
        let mut s = self.lock();
        for _ in 0..count {
            s.faults.push_back((status, retry_after));
        }
    }

    /// Every request body received, with its path (`/chat/completions`, `/embeddings`).
    pub fn requests(&self) -> Vec<(String, Value)> {
        self.lock().requests.clone()
    }

    /// Every request body received, as one text (to look for leaked values).
    pub fn received_text(&self) -> String {
        self.lock()
            .requests
            .iter()
            .map(|(_, b)| b.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// How many requests reached the fake (faults included).
    pub fn calls(&self) -> u64 {
        self.lock().calls
    }
}

fn authorised(req: &HttpRequest) -> bool {
    req.headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {FAKE_AI_KEY}"))
}

fn error(status: u16, retry_after: Option<u64>) -> HttpResponse {
    let mut res =
        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default())
            .json(json!({ "error": { "message": "injected failure", "code": status } }));
    if let Some(secs) = retry_after {
        res.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from(secs),
        );
    }
    res
}

/// Records the request; the answer of an injected fault (or a wrong key), if any.
fn admit(state: &Mutex<FakeState>, req: &HttpRequest, body: &Value) -> Option<HttpResponse> {
    let mut s = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    s.calls += 1;
    s.requests.push((req.path().to_owned(), body.clone()));
    if !authorised(req) {
        return Some(error(401, None));
    }
    s.faults
        .pop_front()
        .map(|(status, retry_after)| error(status, retry_after))
}

async fn chat(
    state: web::Data<Mutex<FakeState>>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> HttpResponse {
    let body = body.into_inner();
    if let Some(res) = admit(&state, &req, &body) {
        return res;
    }
    let scripted = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .script
        .pop_front();
    let after_tool = body
        .get("messages")
        .and_then(Value::as_array)
        .and_then(|m| m.last())
        .and_then(|m| m.get("role"))
        .and_then(Value::as_str)
        == Some("tool");
    let reply = scripted.unwrap_or_else(|| {
        FakeReply::Text(if after_tool {
            "Done: I used the tool's result.".to_owned()
        } else {
            "Hello from the fake model.".to_owned()
        })
    });
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("fake-model")
        .to_owned();
    let prompt_tokens = body.to_string().len() / 4;
    let (content, calls) = match reply {
        FakeReply::Text(t) => (Some(t), Vec::new()),
        FakeReply::ToolCalls(c) => (None, c),
    };
    let completion_tokens = content.as_deref().map_or(10, |c| c.len() / 4 + 1);
    let usage = json!({
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "cost": FAKE_CHAT_COST_USD,
    });
    let tool_calls: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(i, (name, args))| {
            json!({
                "id": format!("call_{}_{i}", uuid::Uuid::new_v4().simple()),
                "type": "function",
                "function": { "name": name, "arguments": args.to_string() },
            })
        })
        .collect();
    let finish = if tool_calls.is_empty() {
        "stop"
    } else {
        "tool_calls"
    };
    if body.get("stream").and_then(Value::as_bool) != Some(true) {
        let mut message = json!({ "role": "assistant", "content": content });
        if !tool_calls.is_empty() {
            message["tool_calls"] = json!(tool_calls);
        }
        return HttpResponse::Ok().json(json!({
            "id": "gen-fake",
            "object": "chat.completion",
            "model": model,
            "choices": [{ "index": 0, "message": message, "finish_reason": finish }],
            "usage": usage,
        }));
    }
    let mut events = vec![": OPENROUTER PROCESSING".to_owned()];
    let chunk = |delta: Value, finish: Option<&str>| {
        format!(
            "data: {}",
            json!({
                "id": "gen-fake", "object": "chat.completion.chunk", "model": model,
                "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }],
            })
        )
    };
    events.push(chunk(json!({ "role": "assistant", "content": "" }), None));
    if let Some(text) = &content {
        let chars: Vec<char> = text.chars().collect();
        for piece in chars.chunks(5) {
            events.push(chunk(
                json!({ "content": piece.iter().collect::<String>() }),
                None,
            ));
        }
    }
    for (i, call) in tool_calls.iter().enumerate() {
        let args = call["function"]["arguments"].as_str().unwrap_or("{}");
        let mid = args
            .char_indices()
            .nth(args.chars().count() / 2)
            .map_or(0, |(b, _)| b);
        events.push(chunk(
            json!({ "tool_calls": [{ "index": i, "id": call["id"], "type": "function",
                "function": { "name": call["function"]["name"], "arguments": &args[..mid] } }] }),
            None,
        ));
        events.push(chunk(
            json!({ "tool_calls": [{ "index": i, "function": { "arguments": &args[mid..] } }] }),
            None,
        ));
    }
    events.push(chunk(json!({}), Some(finish)));
    events.push(format!(
        "data: {}",
        json!({ "id": "gen-fake", "object": "chat.completion.chunk", "model": model,
            "choices": [], "usage": usage })
    ));
    events.push("data: [DONE]".to_owned());
    let wire: String = events.into_iter().map(|e| e + "\n\n").collect();
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .body(wire)
}

/// A deterministic unit vector for `text` (FNV-1a seeded per dimension).
pub fn fake_embedding(text: &str, dimensions: usize) -> Vec<f32> {
    let mut v: Vec<f32> = (0..dimensions)
        .map(|d| {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ (d as u64).wrapping_mul(0x100_0000_01b3);
            for b in text.bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x100_0000_01b3);
            }
            ((h % 2001) as f32 / 1000.0) - 1.0
        })
        .collect();
    let norm = v
        .iter()
        .map(|x| x * x)
        .sum::<f32>()
        .sqrt()
        .max(f32::EPSILON);
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

async fn embeddings(
    state: web::Data<Mutex<FakeState>>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> HttpResponse {
    let body = body.into_inner();
    if let Some(res) = admit(&state, &req, &body) {
        return res;
    }
    let dimensions = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .dimensions;
    let inputs: Vec<String> = match body.get("input") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().unwrap_or_default().to_owned())
            .collect(),
        _ => return error(400, None),
    };
    let tokens: usize = inputs.iter().map(|t| t.len() / 4 + 1).sum();
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(i, t)| json!({ "object": "embedding", "index": i, "embedding": fake_embedding(t, dimensions) }))
        .collect();
    HttpResponse::Ok().json(json!({
        "object": "list",
        "data": data,
        "model": body.get("model").cloned().unwrap_or(Value::Null),
        "usage": { "prompt_tokens": tokens, "total_tokens": tokens },
    }))
}
