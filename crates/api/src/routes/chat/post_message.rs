use std::convert::Infallible;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, post, web};
use omnicrm_domain::ThreadId;
use omnicrm_domain::ai::{ChatReply, PostMessage};
use omnicrm_services::ai::chat::ChatEvent;
use serde_json::json;
use tokio::sync::mpsc;

use crate::auth::AuthUser;
use crate::extract::{IdPath, ValidJson};
use crate::{ApiError, ApiState};

/// Events buffered between the turn and a slow client; the turn waits beyond that, so a
/// stream never holds more than this many events in memory.
const EVENT_BUFFER: usize = 32;

fn wants_stream(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"))
}

fn frame(event: &str, data: &serde_json::Value) -> Bytes {
    Bytes::from(format!("event: {event}\ndata: {data}\n\n"))
}

/// Sends a message to the assistant and answers its reply. The assistant may call the
/// CRM's tools, as you and only over your data: reads (search, a contact, a contact's
/// history, consent status) run at once; writes (create a task or a note, log a habit)
/// come back as `pendingActions` that happen only when you confirm them.
///
/// With `Accept: text/event-stream` the reply is streamed as server-sent events:
/// `delta` (`{"text"}`, pieces of the answer), `tool` (each tool call), then one `done`
/// (the whole reply, as the JSON answer) or one `error` (`{"code","detail"}`). Limits are
/// checked first: 429 `quota_exceeded` (monthly credits, requests per minute, or the daily
/// cost cap, with `Retry-After` and the reset time), 503 `integration_not_configured`
/// without a provider, 503 `unavailable` when the provider fails.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("heavy"))),
    tag = "chat", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "thread id")), request_body = PostMessage,
    responses((status = 200, description = "the assistant's reply", content(
            (ChatReply = "application/json"),
            (String = "text/event-stream"))),
        (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem),
        (status = 429, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[post("/chat/threads/{id}/messages")]
pub async fn post_message(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ThreadId>,
    body: ValidJson<PostMessage>,
) -> Result<HttpResponse, ApiError> {
    let turn = state
        .services
        .chat
        .start_turn(user.id, id.0, body.0)
        .await?;
    if !wants_stream(&req) {
        return Ok(HttpResponse::Ok().json(turn.run(None).await?));
    }
    let (events_tx, mut events_rx) = mpsc::channel::<ChatEvent>(EVENT_BUFFER);
    let (frames_tx, frames_rx) = mpsc::channel::<Bytes>(EVENT_BUFFER);
    // The turn runs to its end even when the client goes away (its tool calls and answer
    // are recorded in the thread).
    actix_web::rt::spawn(async move {
        let forward_tx = frames_tx.clone();
        let forward = actix_web::rt::spawn(async move {
            while let Some(event) = events_rx.recv().await {
                let bytes = match event {
                    ChatEvent::Delta(text) => frame("delta", &json!({ "text": text })),
                    ChatEvent::Tool(call) => frame("tool", &json!(call)),
                };
                if forward_tx.send(bytes).await.is_err() {
                    break;
                }
            }
        });
        let outcome = turn.run(Some(events_tx)).await;
        let _ = forward.await;
        let last = match outcome {
            Ok(reply) => frame("done", &json!(reply)),
            Err(err) => frame(
                "error",
                &json!({ "code": err.code().as_str(), "detail": err.detail() }),
            ),
        };
        let _ = frames_tx.send(last).await;
    });
    let stream = futures_util::stream::unfold(frames_rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // Compressing would buffer the events: the compression middleware leaves a
        // response that already names its encoding alone.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(stream))
}
