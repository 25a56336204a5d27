//! Fixtures of the timeline tests: Gmail messages and Calendar events in the exact wire
//! format the Google APIs return, stored as a sync run's raw events, and the normaliser run
//! over them.
#![allow(
    clippy::needless_pass_by_value,
    reason = "fixture builders take the JSON they splice in by value, like json! itself reads"
)]

use omnicrm_domain::UserId;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::Ctx;
use crate::common::jobs::sql;

/// The practitioner's connected Google account.
pub const ME: &str = "me@practice.example";

/// base64url without padding, as Gmail's `body.data`.
pub fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0_u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

fn headers(list: &[(&str, &str)]) -> Value {
    list.iter()
        .map(|(n, v)| json!({ "name": n, "value": v }))
        .collect()
}

/// A leaf MIME part (`text/plain; charset=..` etc.) with its content.
pub fn leaf(part_id: &str, content_type: &str, extra: &[(&str, &str)], content: &[u8]) -> Value {
    let mime = content_type.split(';').next().unwrap().trim();
    let mut h = vec![("Content-Type", content_type)];
    h.extend_from_slice(extra);
    json!({
        "partId": part_id,
        "mimeType": mime,
        "filename": "",
        "headers": headers(&h),
        "body": { "size": content.len(), "data": b64url(content) }
    })
}

/// A Gmail `Message` (format `full`) with `top` headers over a MIME tree `payload` (its
/// own headers are replaced by `top`).
pub fn gmail_message(id: &str, labels: &[&str], top: &[(&str, &str)], mut payload: Value) -> Value {
    let mut h: Vec<(&str, &str)> = vec![
        ("Delivered-To", ME),
        (
            "Received",
            "from mail.example.org by mx.google.com with ESMTPS id x1; Mon, 30 Nov 2026 09:12:00 -0800 (PST)",
        ),
        ("MIME-Version", "1.0"),
        ("Date", "Mon, 30 Nov 2026 18:12:00 +0100"),
        ("Message-ID", "<CAF=abc123@mail.example.org>"),
    ];
    h.extend_from_slice(top);
    if let Some(own) = payload["headers"].as_array() {
        for x in own {
            let name = x["name"].as_str().unwrap();
            let value = x["value"].as_str().unwrap();
            h.push((
                Box::leak(name.to_owned().into_boxed_str()),
                Box::leak(value.to_owned().into_boxed_str()),
            ));
        }
    }
    payload["headers"] = headers(&h);
    payload["partId"] = json!("");
    json!({
        "id": id,
        "threadId": format!("thr-{id}"),
        "labelIds": labels,
        "snippet": "Hi Ada, here&#39;s the plan for Thursday &amp; after",
        "historyId": "912345",
        "internalDate": "1796058720000",
        "sizeEstimate": 5123,
        "payload": payload
    })
}

/// `multipart/alternative` over `parts`.
pub fn alternative(parts: Vec<Value>) -> Value {
    json!({
        "mimeType": "multipart/alternative",
        "filename": "",
        "headers": [{ "name": "Content-Type", "value": "multipart/alternative; boundary=\"000000000000b1\"" }],
        "body": { "size": 0 },
        "parts": parts
    })
}

/// A Calendar `Event` as `events.list` returns it.
pub fn calendar_event(id: &str, extra: Value) -> Value {
    let mut event = json!({
        "kind": "calendar#event",
        "etag": "\"3398765432101000\"",
        "id": id,
        "status": "confirmed",
        "htmlLink": format!("https://www.google.com/calendar/event?eid={id}"),
        "created": "2026-11-20T10:00:00.000Z",
        "updated": "2026-11-21T10:00:00.000Z",
        "summary": "Intake session",
        "creator": { "email": ME, "self": true },
        "organizer": { "email": ME, "self": true },
        "start": { "dateTime": "2026-12-03T10:00:00+01:00", "timeZone": "Europe/Berlin" },
        "end": { "dateTime": "2026-12-03T11:00:00+01:00", "timeZone": "Europe/Berlin" },
        "iCalUID": format!("{id}@google.com"),
        "sequence": 0,
        "reminders": { "useDefault": true },
        "eventType": "default"
    });
    if let (Some(e), Some(x)) = (event.as_object_mut(), extra.as_object()) {
        for (k, v) in x {
            e.insert(k.clone(), v.clone());
        }
    }
    event
}

/// Connects `user`'s Google account `ME` (the row the OAuth callback writes; the tokens
/// are never read by normalisation).
pub async fn connect_google(ctx: &Ctx, user: UserId) {
    sql(
        ctx,
        &format!(
            "INSERT INTO tenants (user_id) VALUES ('{user}') ON CONFLICT DO NOTHING;
             INSERT INTO user_integrations (user_id, provider, service, access_token, config)
             VALUES ('{user}', 'google', 'gmail', 'sealed', '{{\"email\": \"Me@Practice.example\"}}')"
        ),
    )
    .await;
}

/// Opens a sync run's ledger row for `service`; returns its id (the batch id).
pub async fn open_run(ctx: &Ctx, user: UserId, service: &str) -> Uuid {
    let id = Uuid::now_v7();
    sql(
        ctx,
        &format!(
            "INSERT INTO tenants (user_id) VALUES ('{user}') ON CONFLICT DO NOTHING;
             INSERT INTO google_sync_runs (user_id, id, service, mode, trigger)
             VALUES ('{user}', '{id}', '{service}', 'full', 'manual')"
        ),
    )
    .await;
    id
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Upserts a raw event as the sync does (a changed payload goes back to `pending`).
pub async fn store_raw(
    ctx: &Ctx,
    user: UserId,
    provider: &str,
    source_id: &str,
    batch: Uuid,
    payload: &Value,
) {
    sql(
        ctx,
        &format!(
            "INSERT INTO raw_events (user_id, id, provider, payload, occurred_at, source_id, batch_id)
             VALUES ('{user}', gen_random_uuid(), '{provider}', {payload}::jsonb, now(), {sid}, '{batch}')
             ON CONFLICT (user_id, provider, source_id) DO UPDATE
             SET payload = EXCLUDED.payload, batch_id = EXCLUDED.batch_id,
                 processing_status = 'pending', processing_error = NULL
             WHERE raw_events.payload IS DISTINCT FROM EXCLUDED.payload",
            payload = quote(&payload.to_string()),
            sid = quote(source_id),
        ),
    )
    .await;
}

/// Enqueues `google.normalise` for the batch (as the sync job does) and runs the user's
/// jobs; returns the runner's answer.
pub async fn normalise(ctx: &Ctx, user: UserId, batch: Uuid) -> Value {
    sql(
        ctx,
        &format!(
            "INSERT INTO job_queue (id, kind, queue, user_id, payload, concurrency_key)
             VALUES (gen_random_uuid(), 'google.normalise', 'default', '{user}',
                     '{{\"batchId\": \"{batch}\"}}', 'google.normalise:{batch}')"
        ),
    )
    .await;
    ctx.app
        .as_user(user)
        .post("/api/v1/jobs/runner")
        .await
        .ok_json(StatusCode::OK)
}

/// One row of a query, as JSON (`SELECT to_jsonb(x) FROM (..) x`).
pub async fn rows(ctx: &Ctx, query: &str) -> Vec<Value> {
    let client = ctx.db.owner().await.unwrap();
    let rows = client
        .query(&format!("SELECT to_jsonb(x) FROM ({query}) x"), &[])
        .await
        .unwrap();
    rows.iter().map(|r| r.get::<_, Value>(0)).collect()
}
