//! One live resource per single-resource route of the OpenAPI document, with a change
//! to PATCH it by (where it has a PATCH).

use std::collections::BTreeSet;

use omnicrm_testkit::{Multipart, Requester};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A resource to exercise.
pub struct Case {
    /// The route template (as in the OpenAPI document).
    pub template: &'static str,
    /// The resource's path.
    pub path: String,
    /// A body that changes it, when the route has PATCH.
    pub patch: Option<Value>,
    /// Whether the route has DELETE.
    pub delete: bool,
}

/// Single-resource routes with no versioned resource behind them.
const NOT_VERSIONED: &[&str] = &[
    "/api/v1/jobs/{id}",
    "/api/v1/jobs/batches/{id}",
    "/api/v1/onboarding/public/tokens/{token}",
    "/api/v1/user/export/{id}/download",
    "/api/v1/files/{owner}/{area}/{name}",
    "/problems/{code}",
    "/api/v1/user/erasure-receipts/{id}",
];

async fn created(user: &Requester<'_>, path: &str, body: Value) -> Value {
    user.post_json(path, &body)
        .await
        .ok_json(StatusCode::CREATED)
}

fn id(v: &Value) -> &str {
    v["id"].as_str().expect("id")
}

/// An interaction (linked to contact `c`) and a raw event of `user`, written as the Google
/// sync and its normaliser would (no route creates them).
async fn synced_items(user: &Requester<'_>, c: &str) -> (uuid::Uuid, uuid::Uuid) {
    use diesel::sql_types::Uuid as SqlUuid;
    use diesel_async::RunQueryDsl;
    use futures_util::FutureExt;
    let owner = user.user().expect("a signed-in requester");
    let (interaction, raw) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let contact: uuid::Uuid = c.parse().expect("contact id");
    user.app()
        .db
        .tenant(owner, move |conn| {
            async move {
                diesel::sql_query(
                    "INSERT INTO interactions (user_id, id, contact_id, type, subject, occurred_at, source, source_id) \
                     VALUES ($1, $2, $3, 'email', 'Hello', now(), 'gmail', 'msg-1')",
                )
                .bind::<SqlUuid, _>(owner.into_uuid())
                .bind::<SqlUuid, _>(interaction)
                .bind::<SqlUuid, _>(contact)
                .execute(conn)
                .await
                .map_err(omnicrm_problem::AppError::internal)?;
                diesel::sql_query(
                    "INSERT INTO raw_events (user_id, id, provider, payload, occurred_at, source_id) \
                     VALUES ($1, $2, 'gmail', '{\"id\": \"msg-1\"}', now(), 'msg-1')",
                )
                .bind::<SqlUuid, _>(owner.into_uuid())
                .bind::<SqlUuid, _>(raw)
                .execute(conn)
                .await
                .map_err(omnicrm_problem::AppError::internal)?;
                Ok(())
            }
            .boxed()
        })
        .await
        .expect("seeded");
    (interaction, raw)
}

/// An AI insight about contact `c`, written as the insight jobs would.
async fn seeded_insight(user: &Requester<'_>, c: &str) -> uuid::Uuid {
    use diesel::sql_types::Uuid as SqlUuid;
    use diesel_async::RunQueryDsl;
    use futures_util::FutureExt;
    let owner = user.user().expect("a signed-in requester");
    let insight = uuid::Uuid::now_v7();
    let contact: uuid::Uuid = c.parse().expect("contact id");
    user.app()
        .db
        .tenant(owner, move |conn| {
            async move {
                diesel::sql_query(
                    "INSERT INTO ai_insights (user_id, id, subject_type, subject_id, kind, content) \
                     VALUES ($1, $2, 'contact', $3, 'lead_score', '{}')",
                )
                .bind::<SqlUuid, _>(owner.into_uuid())
                .bind::<SqlUuid, _>(insight)
                .bind::<SqlUuid, _>(contact)
                .execute(conn)
                .await
                .map_err(omnicrm_problem::AppError::internal)?;
                Ok(())
            }
            .boxed()
        })
        .await
        .expect("seeded");
    insight
}

/// Creates one of every versioned resource for `user`, and checks that together they
/// cover every single-resource route of the document.
pub async fn every_resource(user: &Requester<'_>) -> Vec<Case> {
    let contact = created(user, "/api/v1/contacts", json!({"displayName": "Ada"})).await;
    let c = id(&contact).to_owned();
    let note = created(
        user,
        "/api/v1/notes",
        json!({"contactId": c, "contentPlain": "first"}),
    )
    .await;
    let tag = created(user, "/api/v1/tags", json!({"name": "Alpha"})).await;
    let identity = created(
        user,
        "/api/v1/data-intelligence/contact-identities",
        json!({"contactId": c, "kind": "email", "value": "ada@example.com"}),
    )
    .await;
    let ignored = created(
        user,
        "/api/v1/data-intelligence/ignored-identifiers",
        json!({"kind": "email", "value": "news@shop.example"}),
    )
    .await;
    let consent = created(
        user,
        &format!("/api/v1/contacts/{c}/consents"),
        json!({"consentType": "hipaa", "consentTextVersion": "v1", "granted": true}),
    )
    .await;
    let token = created(user, "/api/v1/onboarding/admin/tokens", json!({})).await;
    let form = Multipart::new().file("file", "doc.pdf", "application/pdf", b"%PDF-1.4\n%test\n");
    let file = user
        .post_multipart(&format!("/api/v1/contacts/{c}/files"), &form)
        .await
        .ok_json(StatusCode::CREATED);
    let project = created(
        user,
        "/api/v1/omni-momentum/projects",
        json!({"name": "Launch"}),
    )
    .await;
    let task = created(user, "/api/v1/omni-momentum/tasks", json!({"name": "Call"})).await;
    let export = user
        .post("/api/v1/user/export")
        .await
        .ok_json(StatusCode::ACCEPTED);
    let import = user
        .post_multipart(
            "/api/v1/contacts/import",
            &Multipart::new().file("file", "c.csv", "text/csv", b"displayName\nLin\n"),
        )
        .await
        .ok_json(StatusCode::ACCEPTED);
    let habit = created(
        user,
        "/api/v1/omni-momentum/habits",
        json!({"name": "Walk"}),
    )
    .await;
    let pulse = created(
        user,
        "/api/v1/omni-momentum/pulse",
        json!({"details": {"time": 3, "energy": 3, "mood": 3}}),
    )
    .await;
    let goal = created(
        user,
        "/api/v1/omni-momentum/goals",
        json!({"name": "Grow", "goalType": "practitioner_business"}),
    )
    .await;

    let inbox_item = created(
        user,
        "/api/v1/omni-momentum/inbox",
        json!({"rawText": "call Ana tomorrow"}),
    )
    .await;

    let thread = created(user, "/api/v1/chat/threads", json!({})).await;
    let document = created(
        user,
        "/api/v1/data-intelligence/documents",
        json!({"title": "Intake", "ownerContactId": c}),
    )
    .await;
    let (interaction, raw_event) = synced_items(user, &c).await;
    let insight = seeded_insight(user, &c).await;

    let cases = vec![
        Case {
            template: "/api/v1/data-intelligence/ai-insights/{id}",
            path: format!("/api/v1/data-intelligence/ai-insights/{insight}"),
            patch: Some(json!({"status": "viewed"})),
            delete: true,
        },
        Case {
            template: "/api/v1/data-intelligence/documents/{id}",
            path: format!("/api/v1/data-intelligence/documents/{}", id(&document)),
            patch: Some(json!({"title": "Intake (v2)"})),
            delete: true,
        },
        Case {
            template: "/api/v1/chat/threads/{id}",
            path: format!("/api/v1/chat/threads/{}", id(&thread)),
            patch: Some(json!({"title": "Sleep clients"})),
            delete: true,
        },
        Case {
            template: "/api/v1/interactions/{id}",
            path: format!("/api/v1/interactions/{interaction}"),
            patch: Some(json!({"contactId": null})),
            delete: false,
        },
        Case {
            template: "/api/v1/data-intelligence/raw-events/{id}",
            path: format!("/api/v1/data-intelligence/raw-events/{raw_event}"),
            patch: None,
            delete: false,
        },
        Case {
            template: "/api/v1/contacts/{id}",
            path: format!("/api/v1/contacts/{c}"),
            patch: Some(json!({"displayName": "Ada Lovelace"})),
            delete: true,
        },
        Case {
            template: "/api/v1/notes/{id}",
            path: format!("/api/v1/notes/{}", id(&note)),
            patch: Some(json!({"contentPlain": "second"})),
            delete: true,
        },
        Case {
            template: "/api/v1/tags/{id}",
            path: format!("/api/v1/tags/{}", id(&tag)),
            patch: Some(json!({"name": "Beta"})),
            delete: true,
        },
        Case {
            template: "/api/v1/data-intelligence/contact-identities/{id}",
            path: format!(
                "/api/v1/data-intelligence/contact-identities/{}",
                id(&identity)
            ),
            patch: Some(json!({"provider": "manual"})),
            delete: true,
        },
        Case {
            template: "/api/v1/data-intelligence/ignored-identifiers/{id}",
            path: format!(
                "/api/v1/data-intelligence/ignored-identifiers/{}",
                id(&ignored)
            ),
            patch: Some(json!({"reason": "newsletter"})),
            delete: true,
        },
        Case {
            template: "/api/v1/contacts/{id}/consents/{consentId}",
            path: format!("/api/v1/contacts/{c}/consents/{}", id(&consent)),
            patch: None,
            delete: false,
        },
        Case {
            template: "/api/v1/onboarding/admin/tokens/{id}",
            path: format!("/api/v1/onboarding/admin/tokens/{}", id(&token)),
            patch: None,
            delete: true,
        },
        Case {
            template: "/api/v1/contacts/{id}/files/{fileId}",
            path: format!("/api/v1/contacts/{c}/files/{}", id(&file)),
            patch: None,
            delete: true,
        },
        Case {
            template: "/api/v1/contacts/import/{id}",
            path: format!("/api/v1/contacts/import/{}", id(&import)),
            patch: None,
            delete: false,
        },
        Case {
            template: "/api/v1/user/export/{id}",
            path: format!("/api/v1/user/export/{}", id(&export)),
            patch: None,
            delete: false,
        },
        Case {
            template: "/api/v1/omni-momentum/projects/{id}",
            path: format!("/api/v1/omni-momentum/projects/{}", id(&project)),
            patch: Some(json!({"name": "Relaunch"})),
            delete: true,
        },
        Case {
            template: "/api/v1/omni-momentum/tasks/{id}",
            path: format!("/api/v1/omni-momentum/tasks/{}", id(&task)),
            patch: Some(json!({"name": "Call back"})),
            delete: true,
        },
        Case {
            template: "/api/v1/user-profile",
            path: "/api/v1/user-profile".to_owned(),
            patch: Some(json!({"bio": "Practitioner"})),
            delete: false,
        },
        Case {
            template: "/api/v1/omni-momentum/habits/{id}",
            path: format!("/api/v1/omni-momentum/habits/{}", id(&habit)),
            patch: Some(json!({"name": "Walk more"})),
            delete: true,
        },
        Case {
            template: "/api/v1/omni-momentum/pulse/{id}",
            path: format!("/api/v1/omni-momentum/pulse/{}", id(&pulse)),
            patch: Some(json!({"details": {"mood": 4}})),
            delete: true,
        },
        Case {
            template: "/api/v1/omni-momentum/goals/{id}",
            path: format!("/api/v1/omni-momentum/goals/{}", id(&goal)),
            patch: Some(json!({"progress": 50})),
            delete: true,
        },
        Case {
            template: "/api/v1/omni-momentum/inbox/{id}",
            path: format!("/api/v1/omni-momentum/inbox/{}", id(&inbox_item)),
            patch: Some(json!({"status": "archived"})),
            delete: true,
        },
    ];
    let covered: BTreeSet<String> = cases.iter().map(|c| c.template.to_owned()).collect();
    assert_eq!(
        covered,
        single_resource_routes(),
        "add a Case for each new resource"
    );
    cases
}

/// Every path of the OpenAPI document whose GET answers one resource.
fn single_resource_routes() -> BTreeSet<String> {
    let doc = omnicrm_api::api_doc();
    doc.paths
        .paths
        .iter()
        .filter(|(path, item)| {
            item.get.is_some() && (path.ends_with('}') || path.as_str() == "/api/v1/user-profile")
        })
        .map(|(path, _)| path.clone())
        .filter(|path| !NOT_VERSIONED.contains(&path.as_str()))
        .collect()
}

/// The `ETag` of a response, checked to be a strong tag.
pub fn etag_of(res: &omnicrm_testkit::TestResponse, what: &str) -> String {
    let etag = res
        .header("etag")
        .unwrap_or_else(|| panic!("{what}: no ETag ({})", res.status()))
        .to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() > 2,
        "{what}: not a strong entity tag: {etag}"
    );
    etag
}
