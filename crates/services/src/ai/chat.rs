//! The assistant chat: threads of messages, and a turn that runs the model with the CRM's
//! tools until it answers.
//!
//! Memory is bounded before work: a message is at most
//! [`omnicrm_domain::ai::MAX_MESSAGE_CHARS`] characters, the model sees the newest
//! [`MAX_HISTORY_MESSAGES`] messages, a turn makes at most [`MAX_TOOL_ROUNDS`] model calls
//! with at most [`MAX_CALLS_PER_ROUND`] tool calls each, a tool result is cut to
//! [`super::tools::MAX_RESULT_BYTES`], and a streamed answer to
//! [`omnicrm_integrations::ai::MAX_STREAM_BYTES`]. A tool that writes is never run by
//! the model: it becomes a pending action the user confirms.

use std::time::Instant;

use futures_util::FutureExt;
use omnicrm_domain::ai::{
    ChatMessage, ChatReply, ChatRole, ChatThread, ChatToolCall, ConfirmedAction, CreateThread,
    MAX_MESSAGE_CHARS, PostMessage, RenameThread, ThreadDetail, ToolStatus,
};
use omnicrm_domain::{
    ChatMessageId, Page, PageQuery, PaginationMeta, ThreadId, ToolInvocationId, UserId,
};
use omnicrm_integrations::ai::{self as wire, AiClient, ChatRequest};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::ai::{AiRepository, MessageRow, ThreadRow, ToolInvocationRow};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::tools::{self, Tools};
use super::{AiService, provider_problem};

/// Messages of the thread the model sees (the newest).
pub const MAX_HISTORY_MESSAGES: i64 = 20;
/// Model calls per turn.
pub const MAX_TOOL_ROUNDS: usize = 5;
/// Tool calls honoured per model call.
pub const MAX_CALLS_PER_ROUND: usize = 8;
/// Longest answer per model call (tokens).
pub const MAX_REPLY_TOKENS: u32 = 1024;
/// Messages a thread view shows (the newest).
pub const MAX_THREAD_VIEW_MESSAGES: i64 = 200;
/// Version of the system prompt (bumped when it changes).
pub const PROMPT_VERSION: &str = "chat-2026-12-06";

const SYSTEM_PROMPT: &str = "You are the assistant of a wellness practitioner inside OmniCRM. \
Answer briefly and precisely from the practitioner's own data, which you reach only through \
the tools. Personal details in tool results may appear as [EMAIL], [PHONE] and similar \
markers: never guess them. Tools that create or change data only propose the change: tell \
the practitioner it waits for their confirmation, never that it is done.";

const PENDING: &str = "awaiting_confirmation";

/// Something a streamed turn reports as it happens.
#[derive(Debug)]
pub enum ChatEvent {
    /// A piece of the assistant's text.
    Delta(String),
    /// A tool call, run or proposed.
    Tool(ChatToolCall),
}

/// Threads, messages and turns; cheap to clone.
#[derive(Debug, Clone)]
pub struct ChatService {
    db: Db,
    ai: AiService,
    tools: Option<Tools>,
}

fn thread_view(row: ThreadRow) -> ChatThread {
    ChatThread {
        id: row.id,
        title: row.title,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn text_of(content: &Value) -> String {
    content
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn message_view(row: &MessageRow) -> ChatMessage {
    ChatMessage {
        id: row.id,
        role: ChatRole::parse(&row.role).unwrap_or(ChatRole::System),
        text: text_of(&row.content),
        created_at: row.created_at,
    }
}

fn invocation_view(row: ToolInvocationRow) -> ChatToolCall {
    let marker = row
        .result
        .as_ref()
        .filter(|r| r.get("pendingAction").and_then(Value::as_bool) == Some(true))
        .and_then(|r| r.get("status").and_then(Value::as_str))
        .map(str::to_owned);
    let (status, result) = match (marker.as_deref(), row.result) {
        (Some(PENDING), _) => (ToolStatus::AwaitingConfirmation, None),
        (Some(_), _) => (ToolStatus::Running, None),
        (None, None) => (ToolStatus::Failed, None),
        (None, Some(r)) => (ToolStatus::Done, Some(r)),
    };
    ChatToolCall {
        id: row.id,
        message_id: row.message_id,
        tool: row.tool,
        arguments: row.args,
        status,
        result,
        latency_ms: row.latency_ms,
        created_at: row.created_at,
    }
}

fn cut(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

fn latency(start: Instant) -> i32 {
    i32::try_from(start.elapsed().as_millis()).unwrap_or(i32::MAX)
}

fn tool_error(err: &AppError) -> Value {
    json!({ "error": err.code().as_str(), "detail": err.detail() })
}

impl ChatService {
    /// The service over the AI layer and the tools' services.
    pub(crate) fn new(db: Db, ai: AiService, tools: Option<Tools>) -> Self {
        Self { db, ai, tools }
    }

    fn tools(&self) -> Result<&Tools, AppError> {
        self.ai.client()?;
        self.tools.as_ref().ok_or_else(|| {
            AppError::new(omnicrm_problem::ErrorCode::IntegrationNotConfigured)
                .with_detail("no AI provider is configured (OMNICRM_AI_API_KEY)")
        })
    }

    /// Creates a thread.
    pub async fn create_thread(
        &self,
        user: UserId,
        input: CreateThread,
    ) -> Result<ChatThread, AppError> {
        let id = ThreadId::generate();
        let title = input
            .title
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        self.db
            .tenant(user, move |conn| {
                async move { AiRepository::insert_thread(conn, user, id, title.as_deref()).await }
                    .boxed()
            })
            .await
            .map(thread_view)
    }

    /// One page of the user's threads, most recently active first.
    pub async fn list_threads(
        &self,
        user: UserId,
        query: PageQuery,
    ) -> Result<Page<ChatThread>, AppError> {
        let request = query.page_request();
        let limit = i64::from(request.page_size);
        let offset = request.offset();
        let (rows, total) = self
            .db
            .tenant(user, move |conn| {
                async move { AiRepository::list_threads(conn, user, limit, offset).await }.boxed()
            })
            .await?;
        Ok(Page {
            items: rows.into_iter().map(thread_view).collect(),
            pagination: PaginationMeta::new(request, u64::try_from(total).unwrap_or(0)),
        })
    }

    /// A thread with its messages and tool invocations; 404 when it is not the user's.
    pub async fn get_thread(&self, user: UserId, id: ThreadId) -> Result<ThreadDetail, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let thread = AiRepository::find_thread(conn, user, id).await?;
                    let messages =
                        AiRepository::recent_messages(conn, user, id, MAX_THREAD_VIEW_MESSAGES)
                            .await?;
                    let invocations = AiRepository::thread_invocations(conn, user, id).await?;
                    Ok(ThreadDetail {
                        thread: thread_view(thread),
                        messages: messages.iter().map(message_view).collect(),
                        tool_invocations: invocations.into_iter().map(invocation_view).collect(),
                    })
                }
                .boxed()
            })
            .await
    }

    /// Renames a thread.
    pub async fn rename_thread(
        &self,
        user: UserId,
        id: ThreadId,
        input: RenameThread,
    ) -> Result<ChatThread, AppError> {
        let title = input.title.trim().to_owned();
        self.db
            .tenant(user, move |conn| {
                async move { AiRepository::rename_thread(conn, user, id, &title).await }.boxed()
            })
            .await
            .map(thread_view)
    }

    /// Deletes a thread with its messages and tool invocations.
    pub async fn delete_thread(&self, user: UserId, id: ThreadId) -> Result<(), AppError> {
        let deleted = self
            .db
            .tenant(user, move |conn| {
                async move { AiRepository::delete_thread(conn, user, id).await }.boxed()
            })
            .await?;
        if deleted {
            Ok(())
        } else {
            Err(AppError::not_found())
        }
    }

    /// Starts a turn: checks the provider (503), the thread (404) and the user's limits
    /// (429), then stores the user's message. Nothing is sent to the provider yet, so a
    /// refusal costs nothing and the caller can still answer with a plain problem.
    pub async fn start_turn(
        &self,
        user: UserId,
        thread: ThreadId,
        input: PostMessage,
    ) -> Result<Turn, AppError> {
        let client = self.ai.client()?.clone();
        let tools = self.tools()?.clone();
        self.db
            .tenant(user, move |conn| {
                async move {
                    AiRepository::find_thread(conn, user, thread)
                        .await
                        .map(drop)
                }
                .boxed()
            })
            .await?;
        self.ai
            .admit(user)
            .await?
            .map_err(super::QuotaRefusal::into_app_error)?;
        let text = cut(&input.content, MAX_MESSAGE_CHARS);
        let (user_row, assistant_id, history) = self
            .db
            .tenant(user, move |conn| {
                async move {
                    let user_row = AiRepository::insert_message(
                        conn,
                        user,
                        thread,
                        "user",
                        &json!({ "text": text }),
                    )
                    .await?;
                    let history =
                        AiRepository::recent_messages(conn, user, thread, MAX_HISTORY_MESSAGES)
                            .await?;
                    let placeholder = AiRepository::insert_message(
                        conn,
                        user,
                        thread,
                        "assistant",
                        &json!({ "text": "", "promptVersion": PROMPT_VERSION }),
                    )
                    .await?;
                    AiRepository::touch_thread(conn, user, thread).await?;
                    Ok((user_row, placeholder.id, history))
                }
                .boxed()
            })
            .await?;
        let mut convo = vec![wire::ChatMessage::text("system", SYSTEM_PROMPT)];
        convo.extend(history.iter().filter_map(|m| {
            let text = text_of(&m.content);
            let role = match m.role.as_str() {
                "user" => "user",
                "assistant" | "tool" => "assistant",
                _ => return None,
            };
            (!text.is_empty()).then(|| wire::ChatMessage::text(role, cut(&text, MAX_MESSAGE_CHARS)))
        }));
        Ok(Turn {
            service: self.clone(),
            tools,
            client,
            user,
            thread,
            user_message: message_view(&user_row),
            assistant_id,
            convo,
        })
    }

    /// Confirms a pending action of the thread: runs the write for the user and records
    /// its outcome. 404 when the thread has no such pending action (unknown, another
    /// thread's or user's, or already confirmed).
    pub async fn confirm_action(
        &self,
        user: UserId,
        thread: ThreadId,
        action: ToolInvocationId,
    ) -> Result<ConfirmedAction, AppError> {
        let runner = self.tools()?.clone();
        let claimed = self
            .db
            .tenant(user, move |conn| {
                async move {
                    AiRepository::find_thread(conn, user, thread).await?;
                    AiRepository::claim_pending(conn, user, thread, action).await
                }
                .boxed()
            })
            .await?
            .ok_or_else(|| {
                AppError::not_found().with_detail("this thread has no pending action with this id")
            })?;
        let start = Instant::now();
        let outcome = runner.run(user, &claimed.tool, &claimed.args).await;
        let took = latency(start);
        let (result, error) = match &outcome {
            Ok(v) => (Some(tools::bounded(v.clone())), None),
            Err(e) => (
                None,
                Some(e.detail().unwrap_or(e.code().title()).to_owned()),
            ),
        };
        let note = match &error {
            None => format!("Confirmed: {} done.", claimed.tool),
            Some(_) => format!("Confirmed: {} failed.", claimed.tool),
        };
        let tool = claimed.tool.clone();
        let row = self
            .db
            .tenant(user, move |conn| {
                let result = result.clone();
                let note = note.clone();
                async move {
                    AiRepository::finish_invocation(conn, user, action, result.as_ref(), took)
                        .await?;
                    AiRepository::insert_message(
                        conn,
                        user,
                        thread,
                        "tool",
                        &json!({ "text": note, "actionId": action }),
                    )
                    .await?;
                    AiRepository::touch_thread(conn, user, thread).await?;
                    let rows = AiRepository::thread_invocations(conn, user, thread).await?;
                    rows.into_iter()
                        .find(|r| r.id == action)
                        .ok_or_else(AppError::not_found)
                }
                .boxed()
            })
            .await?;
        tracing::info!(tool = %tool, ok = error.is_none(), latency_ms = took, "assistant action confirmed");
        Ok(ConfirmedAction {
            action: invocation_view(row),
            error,
        })
    }
}

/// A started turn (see [`ChatService::start_turn`]); [`Turn::run`] talks to the model.
#[derive(Debug)]
pub struct Turn {
    service: ChatService,
    tools: Tools,
    client: AiClient,
    user: UserId,
    thread: ThreadId,
    user_message: ChatMessage,
    assistant_id: ChatMessageId,
    convo: Vec<wire::ChatMessage>,
}

impl Turn {
    /// Runs the model and its tools until it answers; streams the answer's text and each
    /// tool call to `events` when given (the model's answer is then streamed too).
    pub async fn run(
        mut self,
        events: Option<mpsc::Sender<ChatEvent>>,
    ) -> Result<ChatReply, AppError> {
        let user = self.user;
        let mut invocations = Vec::new();
        let mut pending = Vec::new();
        let mut answer = None;
        for _ in 0..MAX_TOOL_ROUNDS {
            let request = ChatRequest {
                messages: self.convo.clone(),
                tools: tools::specs(),
                max_tokens: Some(MAX_REPLY_TOKENS),
            };
            let outcome = match &events {
                Some(tx) => {
                    let (dtx, mut drx) = mpsc::channel::<String>(64);
                    let out = tx.clone();
                    let forward = tokio::spawn(async move {
                        while let Some(d) = drx.recv().await {
                            if out.send(ChatEvent::Delta(d)).await.is_err() {
                                break;
                            }
                        }
                    });
                    let outcome = self.client.chat_stream(&request, &dtx).await;
                    drop(dtx);
                    let _ = forward.await;
                    outcome
                }
                None => self.client.chat(&request).await,
            };
            let outcome = match outcome {
                Ok(o) => o,
                Err(err) => {
                    self.finish("").await?;
                    return Err(provider_problem(&err));
                }
            };
            self.service
                .ai
                .record(user, &outcome.model, outcome.usage)
                .await?;
            if outcome.message.tool_calls.is_empty() {
                answer = Some(outcome.message.content.clone().unwrap_or_default());
                break;
            }
            let calls = outcome.message.tool_calls.clone();
            self.convo.push(outcome.message);
            for (i, call) in calls.iter().enumerate() {
                let reply = if i >= MAX_CALLS_PER_ROUND {
                    json!({ "error": "too_many_tool_calls" })
                } else {
                    let (view, reply) = self.call(call).await?;
                    if let Some(tx) = &events {
                        let _ = tx.send(ChatEvent::Tool(view.clone())).await;
                    }
                    if view.status == ToolStatus::AwaitingConfirmation {
                        pending.push(view.clone());
                    }
                    invocations.push(view);
                    reply
                };
                self.convo
                    .push(wire::ChatMessage::tool_result(&call.id, reply.to_string()));
            }
        }
        let answer = answer.unwrap_or_else(|| {
            "I stopped after too many steps; please ask again more specifically.".to_owned()
        });
        let message = self.finish(&answer).await?;
        Ok(ChatReply {
            user_message: self.user_message,
            message,
            tool_invocations: invocations,
            pending_actions: pending,
        })
    }

    /// Runs or proposes one tool call; returns its record and what the model is told.
    async fn call(&self, call: &wire::ToolCall) -> Result<(ChatToolCall, Value), AppError> {
        let (user, message) = (self.user, self.assistant_id);
        let name = cut(&call.function.name, 64);
        let parsed: Option<Value> = serde_json::from_str(&call.function.arguments)
            .ok()
            .filter(Value::is_object);
        let (args, result, took, reply) = match parsed {
            None => (
                json!({}),
                None,
                Some(0),
                json!({ "error": "invalid_arguments" }),
            ),
            Some(args) if !tools::is_known(&name) => {
                (args, None, Some(0), json!({ "error": "unknown_tool" }))
            }
            Some(args) if tools::is_write(&name) => match tools::check_write(&name, &args) {
                Err(e) => (args, None, Some(0), tool_error(&e)),
                Ok(()) => (
                    args,
                    Some(json!({ "status": PENDING, "pendingAction": true })),
                    None,
                    json!({ "status": PENDING }),
                ),
            },
            Some(args) => {
                let start = Instant::now();
                let outcome = self.tools.run(user, &name, &args).await;
                let took = latency(start);
                match outcome {
                    Ok(v) => {
                        let v = tools::bounded(v);
                        (args, Some(v.clone()), Some(took), v)
                    }
                    Err(e) => (args, None, Some(took), tool_error(&e)),
                }
            }
        };
        let row = self
            .service
            .db
            .tenant(user, move |conn| {
                let (name, args, result) = (name.clone(), args.clone(), result.clone());
                async move {
                    AiRepository::insert_invocation(
                        conn,
                        user,
                        message,
                        &name,
                        &args,
                        result.as_ref(),
                        took,
                    )
                    .await
                }
                .boxed()
            })
            .await?;
        let view = invocation_view(row);
        let reply = if view.status == ToolStatus::AwaitingConfirmation {
            json!({ "status": PENDING, "actionId": view.id,
                "instruction": "The practitioner must confirm this in the app before it happens." })
        } else {
            reply
        };
        tracing::debug!(tool = %view.tool, status = ?view.status, latency_ms = ?view.latency_ms, "assistant tool call");
        Ok((view, reply))
    }

    /// Stores the assistant's answer in its message.
    async fn finish(&self, text: &str) -> Result<ChatMessage, AppError> {
        let (user, thread, id) = (self.user, self.thread, self.assistant_id);
        let content = json!({ "text": text, "promptVersion": PROMPT_VERSION });
        self.service
            .db
            .tenant(user, move |conn| {
                let content = content.clone();
                async move {
                    let row = AiRepository::update_message(conn, user, id, &content).await?;
                    AiRepository::touch_thread(conn, user, thread).await?;
                    Ok(message_view(&row))
                }
                .boxed()
            })
            .await
    }
}
