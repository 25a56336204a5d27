//! One client for an OpenAI-compatible API (OpenRouter by default): chat completions with
//! tool calls, streamed or not, and embeddings.
//!
//! Every request body is redacted before it leaves the process: each string a message,
//! a tool call or an embedding input carries goes through the notes redactor
//! ([`omnicrm_domain::redaction::redact`]), so an e-mail address, phone or card number that
//! was in a note, an interaction or a tool result is sent as `[EMAIL]`, `[PHONE]`, ...
//! Callers cannot forget it: there is no way to send an unredacted body.
//!
//! Every call has a timeout; transport failures and 5xx answers are retried with
//! exponential backoff; 429 is never retried here but returned as
//! [`AiError::RateLimited`] with the provider's `Retry-After`, the snooze signal jobs use.
//! Errors carry no request or response text (they could echo a prompt).

mod sse;
mod wire;

use std::time::Duration;

use serde_json::{Value, json};

pub use wire::{ChatMessage, FunctionCall, ToolCall, ToolSpec};

/// OpenRouter's OpenAI-compatible API, the default base URL.
pub const DEFAULT_BASE_URL: &str = "https://openrouter.ai/api/v1";
/// Default chat model.
pub const DEFAULT_CHAT_MODEL: &str = "openai/gpt-4o-mini";
/// Default embedding model.
pub const DEFAULT_EMBED_MODEL: &str = "openai/text-embedding-3-small";
/// Longest streamed answer read from the provider (bytes on the wire), so a runaway
/// stream cannot grow memory without bound.
pub const MAX_STREAM_BYTES: usize = 1024 * 1024;
/// Longest non-streamed answer read (bytes).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// How OmniCRM talks to the provider (from `OMNICRM_AI_*`).
#[derive(Clone)]
pub struct AiConfig {
    /// `OMNICRM_AI_BASE_URL`: `<base>/chat/completions`, `<base>/embeddings`.
    pub base_url: String,
    /// `OMNICRM_AI_API_KEY`; without one the AI features answer 503.
    pub api_key: Option<String>,
    /// `OMNICRM_AI_CHAT_MODEL`.
    pub chat_model: String,
    /// `OMNICRM_AI_EMBED_MODEL`.
    pub embed_model: String,
    /// Deadline of one HTTP call (`OMNICRM_AI_TIMEOUT`).
    pub timeout: Duration,
    /// Retries of a transport failure or a 5xx answer.
    pub max_retries: u32,
    /// First backoff; doubled at each retry.
    pub backoff: Duration,
}

impl Default for AiConfig {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_key: None,
            chat_model: DEFAULT_CHAT_MODEL.to_owned(),
            embed_model: DEFAULT_EMBED_MODEL.to_owned(),
            timeout: Duration::from_secs(60),
            max_retries: 2,
            backoff: Duration::from_millis(250),
        }
    }
}

impl std::fmt::Debug for AiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AiConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.is_some())
            .field("chat_model", &self.chat_model)
            .field("embed_model", &self.embed_model)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Why a call failed. Safe to log: no prompt, no answer text, no key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AiError {
    /// No API key is configured.
    #[error("the AI provider is not configured")]
    NotConfigured,
    /// The provider answered 429: try again after `retry_after` (jobs snooze).
    #[error("the AI provider is rate limiting (retry after {retry_after:?})")]
    RateLimited {
        /// The provider's `Retry-After`, when sent.
        retry_after: Option<Duration>,
    },
    /// The provider refused the request (4xx other than 429), or kept failing (5xx).
    #[error("the AI provider answered {status}")]
    Refused {
        /// HTTP status.
        status: u16,
    },
    /// Timeout or connection failure, after the retries.
    #[error("the AI provider could not be reached: {0}")]
    Transport(String),
    /// The answer was not the expected JSON or SSE, or exceeded the size bounds.
    #[error("the AI provider's answer was unusable: {0}")]
    Malformed(&'static str),
}

impl AiError {
    /// Worth retrying later (429, 5xx, transport), as opposed to a definite refusal.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Transport(_) => true,
            Self::Refused { status } => *status >= 500,
            _ => false,
        }
    }

    /// How long a job should snooze before trying again, for a transient error.
    pub fn snooze(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } => {
                Some(retry_after.unwrap_or(Duration::from_secs(30)))
            }
            e if e.is_transient() => Some(Duration::from_secs(60)),
            _ => None,
        }
    }
}

/// Tokens and cost of one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Prompt tokens.
    pub input_tokens: i32,
    /// Completion tokens.
    pub output_tokens: i32,
    /// Cost in millionths of a US dollar, as the provider reported it (OpenRouter's
    /// `usage.cost`); 0 when it did not.
    pub cost_usd_micros: i64,
}

impl Usage {
    fn from_json(v: &Value) -> Self {
        let int = |k: &str| {
            v.get(k)
                .and_then(Value::as_i64)
                .and_then(|n| i32::try_from(n.max(0)).ok())
                .unwrap_or(0)
        };
        let cost = v
            .get("cost")
            .and_then(Value::as_f64)
            .filter(|c| c.is_finite() && *c > 0.0)
            .map_or(0, |c| (c * 1_000_000.0).round() as i64);
        Self {
            input_tokens: int("prompt_tokens"),
            output_tokens: int("completion_tokens"),
            cost_usd_micros: cost,
        }
    }
}

/// A chat completion request: the conversation and the tools the model may call.
#[derive(Debug, Clone, Default)]
pub struct ChatRequest {
    /// The conversation so far (system prompt first).
    pub messages: Vec<ChatMessage>,
    /// Tools offered to the model.
    pub tools: Vec<ToolSpec>,
    /// Longest answer, in tokens.
    pub max_tokens: Option<u32>,
}

/// The model's answer.
#[derive(Debug, Clone)]
pub struct ChatOutcome {
    /// The assistant message (text and/or tool calls).
    pub message: ChatMessage,
    /// What it cost.
    pub usage: Usage,
    /// The model that answered.
    pub model: String,
}

/// Embedding vectors, in input order.
#[derive(Debug, Clone)]
pub struct Embeddings {
    /// One vector per input.
    pub vectors: Vec<Vec<f32>>,
    /// What it cost.
    pub usage: Usage,
    /// The model that answered.
    pub model: String,
}

/// The provider, as services and job handlers reach it; cheap to clone.
#[derive(Clone, Debug)]
pub struct AiClient {
    config: std::sync::Arc<AiConfig>,
    http: reqwest::Client,
}

impl AiClient {
    /// Builds the client (timeouts from `config.timeout`).
    pub fn new(config: AiConfig) -> Self {
        let timeout = if config.timeout.is_zero() {
            Duration::from_secs(60)
        } else {
            config.timeout
        };
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            config: std::sync::Arc::new(config),
            http,
        }
    }

    /// Whether an API key is configured.
    pub fn is_configured(&self) -> bool {
        self.config
            .api_key
            .as_deref()
            .is_some_and(|k| !k.is_empty())
    }

    /// The configuration.
    pub fn config(&self) -> &AiConfig {
        &self.config
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.config.base_url.trim_end_matches('/'))
    }

    fn chat_body(&self, req: &ChatRequest, stream: bool) -> Value {
        let mut body = json!({
            "model": self.config.chat_model,
            "messages": req.messages,
            "stream": stream,
            "usage": { "include": true },
        });
        if !req.tools.is_empty() {
            body["tools"] = json!(req.tools);
        }
        if let Some(max) = req.max_tokens {
            body["max_tokens"] = json!(max);
        }
        if stream {
            body["stream_options"] = json!({ "include_usage": true });
        }
        if let Some(messages) = body.get_mut("messages") {
            redact_strings(messages);
        }
        body
    }

    /// Sends `body` (already redacted) to `path`, retrying transport failures and 5xx.
    async fn send(&self, path: &str, body: &Value) -> Result<reqwest::Response, AiError> {
        let key = self
            .config
            .api_key
            .as_deref()
            .filter(|k| !k.is_empty())
            .ok_or(AiError::NotConfigured)?;
        let mut attempt = 0;
        loop {
            let sent = self
                .http
                .post(self.url(path))
                .bearer_auth(key)
                .header("x-title", "OmniCRM")
                .json(body)
                .send()
                .await;
            let err = match sent {
                Ok(res) if res.status().is_success() => return Ok(res),
                Ok(res) if res.status().as_u16() == 429 => {
                    let retry_after = res
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    return Err(AiError::RateLimited { retry_after });
                }
                Ok(res) if res.status().is_server_error() => AiError::Refused {
                    status: res.status().as_u16(),
                },
                Ok(res) => {
                    return Err(AiError::Refused {
                        status: res.status().as_u16(),
                    });
                }
                Err(e) => AiError::Transport(transport_kind(&e).to_owned()),
            };
            if attempt >= self.config.max_retries {
                return Err(err);
            }
            let wait = self.config.backoff.saturating_mul(1 << attempt.min(6));
            tracing::debug!(error = %err, attempt, "AI provider call failed; retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One chat completion, not streamed.
    pub async fn chat(&self, req: &ChatRequest) -> Result<ChatOutcome, AiError> {
        let body = self.chat_body(req, false);
        let res = self.send("chat/completions", &body).await?;
        let v = read_json(res, MAX_BODY_BYTES).await?;
        let message = v
            .pointer("/choices/0/message")
            .cloned()
            .ok_or(AiError::Malformed("no choices[0].message"))?;
        let mut message: ChatMessage =
            serde_json::from_value(message).map_err(|_| AiError::Malformed("message"))?;
        message.role = "assistant".to_owned();
        Ok(ChatOutcome {
            message,
            usage: v.get("usage").map(Usage::from_json).unwrap_or_default(),
            model: model_of(&v, &self.config.chat_model),
        })
    }

    /// One chat completion streamed (server-sent events): each piece of text is sent to
    /// `deltas` as it arrives (a closed receiver is ignored); tool calls are assembled
    /// from their fragments. At most [`MAX_STREAM_BYTES`] are read.
    pub async fn chat_stream(
        &self,
        req: &ChatRequest,
        deltas: &tokio::sync::mpsc::Sender<String>,
    ) -> Result<ChatOutcome, AiError> {
        let body = self.chat_body(req, true);
        let mut res = self.send("chat/completions", &body).await?;
        let mut acc = sse::Assembler::default();
        let mut lines = sse::LineSplitter::default();
        let mut read = 0usize;
        'outer: loop {
            let chunk = res
                .chunk()
                .await
                .map_err(|e| AiError::Transport(transport_kind(&e).to_owned()))?;
            let Some(chunk) = chunk else { break };
            read += chunk.len();
            if read > MAX_STREAM_BYTES {
                return Err(AiError::Malformed("stream too long"));
            }
            for line in lines.push(&chunk)? {
                match acc.line(&line)? {
                    sse::Step::Delta(text) => {
                        let _ = deltas.send(text).await;
                    }
                    sse::Step::Done => break 'outer,
                    sse::Step::Nothing => {}
                }
            }
        }
        let (message, usage, model) = acc.finish();
        Ok(ChatOutcome {
            message,
            usage,
            model: model.unwrap_or_else(|| self.config.chat_model.clone()),
        })
    }

    /// Embeds `inputs` (redacted first) with the embedding model, one vector per input.
    pub async fn embed(&self, inputs: &[String]) -> Result<Embeddings, AiError> {
        let mut input = json!(inputs);
        redact_strings(&mut input);
        let body = json!({ "model": self.config.embed_model, "input": input });
        let res = self.send("embeddings", &body).await?;
        let v = read_json(res, MAX_BODY_BYTES.saturating_mul(4)).await?;
        let data = v
            .get("data")
            .and_then(Value::as_array)
            .ok_or(AiError::Malformed("no data"))?;
        let mut vectors: Vec<(usize, Vec<f32>)> = Vec::with_capacity(data.len());
        for (i, item) in data.iter().enumerate() {
            let index = item
                .get("index")
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(i);
            let vector = item
                .get("embedding")
                .and_then(Value::as_array)
                .ok_or(AiError::Malformed("no embedding"))?
                .iter()
                .map(|x| x.as_f64().map(|f| f as f32))
                .collect::<Option<Vec<f32>>>()
                .ok_or(AiError::Malformed("embedding is not numbers"))?;
            vectors.push((index, vector));
        }
        if vectors.len() != inputs.len() {
            return Err(AiError::Malformed("one vector per input expected"));
        }
        vectors.sort_by_key(|(i, _)| *i);
        Ok(Embeddings {
            vectors: vectors.into_iter().map(|(_, v)| v).collect(),
            usage: v.get("usage").map(Usage::from_json).unwrap_or_default(),
            model: model_of(&v, &self.config.embed_model),
        })
    }
}

fn model_of(v: &Value, fallback: &str) -> String {
    v.get("model")
        .and_then(Value::as_str)
        .map_or_else(|| fallback.to_owned(), str::to_owned)
}

fn transport_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else {
        "transport"
    }
}

async fn read_json(mut res: reqwest::Response, limit: usize) -> Result<Value, AiError> {
    let mut buf = Vec::new();
    while let Some(chunk) = res
        .chunk()
        .await
        .map_err(|e| AiError::Transport(transport_kind(&e).to_owned()))?
    {
        if buf.len() + chunk.len() > limit {
            return Err(AiError::Malformed("answer too long"));
        }
        buf.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&buf).map_err(|_| AiError::Malformed("not JSON"))
}

/// Keys whose string values are protocol, not text: never redacted (a tool call id or a
/// role cannot carry a client's data, and redacting them would break the protocol).
const PROTOCOL_KEYS: [&str; 5] = ["role", "tool_call_id", "id", "type", "name"];

/// Replaces every string in `value` (except protocol keys) by its redacted form.
pub fn redact_strings(value: &mut Value) {
    match value {
        Value::String(s) => {
            let r = omnicrm_domain::redact(s);
            if !r.entities.is_empty() {
                *s = r.text;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_strings),
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if !PROTOCOL_KEYS.contains(&k.as_str()) {
                    redact_strings(v);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_field_of_a_body_is_redacted_and_protocol_fields_are_kept() {
        let mut v = json!([
            {"role": "user", "content": "mail ada@example.com or call (555) 123-4567"},
            {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function",
              "function": {"name": "create_note", "arguments": "{\"text\":\"card 4111 1111 1111 1111\"}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "{\"email\":\"bob@example.org\"}"}
        ]);
        redact_strings(&mut v);
        let s = v.to_string();
        for pii in [
            "ada@example.com",
            "123-4567",
            "4111 1111",
            "bob@example.org",
        ] {
            assert!(!s.contains(pii), "{pii} leaked: {s}");
        }
        assert!(s.contains("call_1") && s.contains("create_note") && s.contains("[EMAIL]"));
    }

    #[test]
    fn a_429_is_a_snooze_for_its_retry_after() {
        let e = AiError::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
        };
        assert_eq!(e.snooze(), Some(Duration::from_secs(7)));
        assert_eq!(AiError::Refused { status: 400 }.snooze(), None);
    }
}
