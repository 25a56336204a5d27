//! A Calendar API `Event` to a `calendar_event` interaction (a meeting on the timeline).

use serde_json::{Map, Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use super::text::{html_to_text, normalise_email, truncate};
use super::{BODY_MAX_BYTES, NewInteraction, Outcome, OwnAddresses};

/// Attendees kept per event.
pub const MAX_ATTENDEES: usize = 500;
const TITLE_MAX_BYTES: usize = 2000;
const SHORT_MAX_BYTES: usize = 1000;
const MAX_RECURRENCE_RULES: usize = 20;

fn short(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(|s| truncate(s.trim().to_owned(), SHORT_MAX_BYTES))
        .filter(|s| !s.is_empty())
}

fn parse_date(s: &str) -> Option<Date> {
    let mut it = s.splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u8 = it.next()?.parse().ok()?;
    let d: u8 = it.next()?.parse().ok()?;
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

/// `(instant, all_day, the time object kept)` of `start` or `end`.
fn when(v: Option<&Value>) -> Option<(OffsetDateTime, bool, Value)> {
    let v = v?.as_object()?;
    if let Some(dt) = v.get("dateTime").and_then(Value::as_str) {
        let at = OffsetDateTime::parse(dt.get(..dt.len().min(64))?, &Rfc3339).ok()?;
        if !(1..=9999).contains(&at.year()) {
            return None;
        }
        return Some((
            at,
            false,
            json!({ "dateTime": dt, "timeZone": v.get("timeZone") }),
        ));
    }
    let d = v.get("date").and_then(Value::as_str)?;
    let date = parse_date(d.get(..d.len().min(16))?)?;
    // An all-day event has no instant: midnight UTC orders it on its day.
    let at = PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc();
    Some((
        at,
        true,
        json!({ "date": d, "timeZone": v.get("timeZone") }),
    ))
}

/// Normalises one Calendar event.
pub fn normalise(event: &Value, own: &OwnAddresses) -> Outcome {
    let Some(event) = event.as_object() else {
        return Outcome::Failed("malformed_payload");
    };
    if event.get("status").and_then(Value::as_str) == Some("cancelled") {
        return Outcome::Skipped("cancelled");
    }
    let Some((start_at, all_day, start)) = when(event.get("start")) else {
        return Outcome::Failed("missing_start");
    };
    let end = when(event.get("end")).map(|(_, _, v)| v);
    let title = event
        .get("summary")
        .and_then(Value::as_str)
        .map(|s| truncate(s.trim().to_owned(), TITLE_MAX_BYTES))
        .filter(|s| !s.is_empty());
    let description = event
        .get("description")
        .and_then(Value::as_str)
        .map(|d| {
            // Calendar descriptions are often HTML.
            if d.contains('<') || d.contains('&') {
                html_to_text(d, BODY_MAX_BYTES)
            } else {
                truncate(d.trim().to_owned(), BODY_MAX_BYTES)
            }
        })
        .filter(|d| !d.is_empty());
    let person = |p: &Value| -> Option<Value> {
        let email = normalise_email(p.get("email")?.as_str()?)?;
        let is_self = p.get("self").and_then(Value::as_bool) == Some(true) || own.contains(&email);
        Some(json!({
            "email": email,
            "displayName": short(p.get("displayName")),
            "responseStatus": short(p.get("responseStatus")),
            "self": is_self,
            "resource": p.get("resource").and_then(Value::as_bool) == Some(true),
            "organizer": p.get("organizer").and_then(Value::as_bool) == Some(true),
            "optional": p.get("optional").and_then(Value::as_bool) == Some(true),
        }))
    };
    let organizer = event.get("organizer").and_then(person);
    let attendees: Vec<Value> = event
        .get("attendees")
        .and_then(Value::as_array)
        .map(|a| a.iter().take(MAX_ATTENDEES).filter_map(person).collect())
        .unwrap_or_default();
    let mut participants: Vec<String> = Vec::new();
    for p in attendees.iter().chain(organizer.iter()) {
        let counts = p["self"] != true && p["resource"] != true;
        if let Some(email) = p["email"].as_str()
            && counts
            && !participants.iter().any(|e| e == email)
        {
            participants.push(email.to_owned());
        }
    }
    let recurrence: Vec<Value> = event
        .get("recurrence")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .take(MAX_RECURRENCE_RULES)
                .filter_map(|x| short(Some(x)).map(Value::String))
                .collect()
        })
        .unwrap_or_default();
    let mut meta = Map::new();
    meta.insert("start".into(), start);
    meta.insert("end".into(), end.unwrap_or(Value::Null));
    meta.insert("allDay".into(), json!(all_day));
    meta.insert(
        "timeZone".into(),
        json!(short(event.get("start").and_then(|s| s.get("timeZone")))),
    );
    meta.insert("location".into(), json!(short(event.get("location"))));
    meta.insert("organizer".into(), organizer.unwrap_or(Value::Null));
    meta.insert("attendees".into(), Value::Array(attendees));
    meta.insert(
        "recurringEventId".into(),
        json!(short(event.get("recurringEventId"))),
    );
    meta.insert("recurrence".into(), Value::Array(recurrence));
    meta.insert("status".into(), json!(short(event.get("status"))));
    meta.insert("participants".into(), json!(participants));
    Outcome::Interaction(NewInteraction {
        kind: "calendar_event",
        subject: title,
        body_text: description,
        occurred_at: start_at,
        source_meta: Value::Object(meta),
        participants,
    })
}
