//! Fixtures of the AI insight tests: insights inserted as the database owner (as the
//! jobs would write them), generation requests and running the queued jobs.

use omnicrm_domain::UserId;
use omnicrm_testkit::{Requester, TestApp, TestDb};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// Inserts an insight of `user` (`subject`: a contact id, or `None` for the practice),
/// created `minutes_ago`; returns its id.
pub async fn seed_insight(
    db: &TestDb,
    user: UserId,
    subject: Option<&str>,
    kind: &str,
    status: &str,
    minutes_ago: i64,
) -> String {
    let id = Uuid::now_v7();
    let (subject_type, subject_id) = match subject {
        Some(c) => ("contact", format!("'{c}'")),
        None => ("segment", "NULL".to_owned()),
    };
    db.owner()
        .await
        .unwrap()
        .batch_execute(&format!(
            "INSERT INTO tenants (user_id) VALUES ('{user}') ON CONFLICT DO NOTHING;
             INSERT INTO ai_insights (user_id, id, subject_type, subject_id, kind, content, status, \
                                      model, prompt_version, created_at)
             VALUES ('{user}', '{id}', '{subject_type}', {subject_id}, '{kind}', \
                     '{{\"title\": \"{kind}\"}}', '{status}', 'heuristic', 'heuristics-1', \
                     now() - interval '{minutes_ago} minutes')"
        ))
        .await
        .unwrap();
    id.to_string()
}

/// `POST /data-intelligence/ai-insights`: the 202 answer's job.
pub async fn request(user: &Requester<'_>, body: Value) -> Value {
    let res = user
        .post_json("/api/v1/data-intelligence/ai-insights", &body)
        .await;
    let location = res.header("location").map(str::to_owned);
    let job = res.ok_json(StatusCode::ACCEPTED);
    assert_eq!(
        location.as_deref(),
        Some(format!("/api/v1/jobs/{}", job["id"].as_str().unwrap()).as_str())
    );
    job
}

/// The worker's dispatcher turns the committed writes' refresh marks into jobs (ADR 0046).
pub async fn dispatch_refreshes(app: &TestApp) {
    omnicrm_services::job_kinds::insights::dispatch_refreshes(&app.db)
        .await
        .unwrap();
}

/// Runs `user`'s due jobs until none is left (snoozed jobs wait for their time).
pub async fn run_jobs(app: &TestApp, user: UserId) {
    for _ in 0..20 {
        let summary = app.services.jobs.run_now(user, 50).await.unwrap();
        if summary.processed == 0 {
            return;
        }
    }
}

/// The job as `GET /jobs/{id}` shows it.
pub async fn job(user: &Requester<'_>, id: &Value) -> Value {
    user.get(&format!("/api/v1/jobs/{}", id.as_str().unwrap()))
        .await
        .ok_json(StatusCode::OK)
}

/// The contact's insights (every page's items).
pub async fn contact_insights(user: &Requester<'_>, contact: &str) -> Vec<Value> {
    let page = user
        .get(&format!("/api/v1/contacts/{contact}/insights?limit=200"))
        .await
        .ok_json(StatusCode::OK);
    page["items"].as_array().unwrap().clone()
}

/// The kinds of `items`, sorted.
pub fn kinds(items: &[Value]) -> Vec<String> {
    let mut k: Vec<String> = items
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_owned())
        .collect();
    k.sort();
    k
}

/// Asks for every insight about `contact` and runs the job; returns the finished job.
pub async fn generate_for(app: &TestApp, user: &Requester<'_>, contact: &str) -> Value {
    let queued = request(user, json!({ "subjectId": contact })).await;
    run_jobs(app, user.id()).await;
    job(user, &queued["id"]).await
}

/// Rows of the user's `ai_insights`, as the owner sees them.
pub async fn insight_count(db: &TestDb, user: UserId) -> i64 {
    db.owner()
        .await
        .unwrap()
        .query_one(
            "SELECT count(*) FROM ai_insights WHERE user_id = $1",
            &[&user.into_uuid()],
        )
        .await
        .unwrap()
        .get(0)
}
