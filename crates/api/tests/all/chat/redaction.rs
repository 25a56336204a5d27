//! Only redacted text leaves the process: an e-mail address, phone or card number in a
//! contact, a note, an interaction or the user's own message never reaches the provider.

use omnicrm_testkit::{FakeReply, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::ai::{create_thread, seed_contact_interaction, setup};

#[tokio::test]
async fn the_provider_never_receives_an_email_phone_or_card_number() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let contact: Value = alice
        .post_json(
            "/api/v1/contacts",
            &json!({ "displayName": "Ada Lovelace", "primaryEmail": "ada.lovelace@example.com",
                "primaryPhone": "+1 415 555 0134" }),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let cid = contact["id"].as_str().unwrap();
    alice
        .post_json(
            "/api/v1/notes",
            &json!({ "contactId": cid,
                "contentPlain": "Pays with 4111 1111 1111 1111, write to ada.work@example.org" }),
        )
        .await
        .expect(StatusCode::CREATED);
    seed_contact_interaction(
        &ctx.db,
        user,
        cid,
        "Call me on (212) 555-0199 or mail lovelace.private@example.net; card 5500 0000 0000 0004",
    )
    .await;
    let thread = create_thread(&alice).await;
    ctx.fake.reply(FakeReply::ToolCalls(vec![
        ("get_contact".to_owned(), json!({ "contactId": cid })),
        ("contact_history".to_owned(), json!({ "contactId": cid })),
        ("search".to_owned(), json!({ "q": "Lovelace" })),
    ]));
    for stream in [false, true] {
        let mut req = alice.clone();
        if stream {
            ctx.fake.reply(FakeReply::ToolCalls(vec![(
                "contact_history".to_owned(),
                json!({ "contactId": cid }),
            )]));
            req = req.header("accept", "text/event-stream");
        }
        req.post_json(
            &format!("/api/v1/chat/threads/{thread}/messages"),
            &json!({ "content": "Summarise Ada (ada.lovelace@example.com, 415-555-0134)" }),
        )
        .await
        .expect(StatusCode::OK);
    }
    let received = ctx.fake.received_text();
    // The tools did reach the data (so the test is not vacuous)...
    assert!(received.contains("Ada Lovelace"));
    assert!(received.contains("[EMAIL]") && received.contains("[PHONE]"));
    assert!(received.contains("[CREDIT_CARD]"));
    // ...but no value left the process.
    for secret in [
        "ada.lovelace@example.com",
        "555 0134",
        "4155550134",
        "555-0134",
        "4111 1111 1111 1111",
        "ada.work@example.org",
        "555-0199",
        "lovelace.private@example.net",
        "5500 0000 0000 0004",
    ] {
        assert!(!received.contains(secret), "{secret} reached the provider");
    }
}
