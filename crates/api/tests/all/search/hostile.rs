//! Hostile queries: the longest `q` the API accepts, built from what costs most (phrase
//! operators, exclusions, alternatives, one long word for the trigram match), takes time
//! linear in its length: four times the characters never cost more than eight times the
//! time (a quadratic parser would cost sixteen). A ratio of two timings on the same
//! machine, so the bound holds however fast the machine is.

use std::time::{Duration, Instant};

use crate::common::notes::{contact, create_note};
use crate::common::search::*;
use crate::common::setup;
use omnicrm_testkit::{Requester, TestApp};
use serde_json::json;

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The median time of five searches for `q` of each type.
async fn median(as_user: &Requester<'_>, q: &str) -> Duration {
    let mut times = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        for kind in ["traditional", "hybrid"] {
            search(as_user, &format!("q={}&type={kind}", encode(q))).await;
        }
        times.push(start.elapsed());
    }
    times.sort();
    times[2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_longest_hostile_queries_cost_time_linear_in_their_length() {
    let ctx = setup().await;
    let user = TestApp::new_user();
    let alice = ctx.app.as_user(user);
    let ada = contact(&alice, "Ada Lovelace").await;
    for i in 0..20 {
        create_note(
            &alice,
            json!({"contactId": ada, "contentPlain": format!("Session {i}: sleep, stress, a b c")}),
        )
        .await;
    }
    let patterns = ["\"a b\" ", "-a or ", "a", "\"\"\" ", "é<>&' "];
    for pattern in patterns {
        let build = |chars: usize| -> String { pattern.chars().cycle().take(chars).collect() };
        let (short, long) = (build(50), build(200));
        // Warm up (connections, plans).
        median(&alice, &short).await;
        let (t_short, t_long) = (median(&alice, &short).await, median(&alice, &long).await);
        let ratio = t_long.as_secs_f64() / t_short.as_secs_f64().max(1e-6);
        assert!(
            ratio < 8.0,
            "{pattern:?}: 50 characters {t_short:?}, 200 characters {t_long:?} (x{ratio:.1})"
        );
    }
}

/// The median time of five traditional searches for `sleep` among notes.
async fn median_sleep(as_user: &Requester<'_>) -> Duration {
    let mut times = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        search(as_user, "q=sleep&type=traditional&types=note").await;
        times.push(start.elapsed());
    }
    times.sort();
    times[2]
}

/// A word that nearly every item of a large tenant contains ("sleep" in a sleep
/// therapist's notes) costs about what it costs in a small tenant: only the most recent
/// matches of each kind are ranked (ADR 0041). Thirty-two times the matching notes never
/// cost more than twice the time (ranking every match cost about four times as much here,
/// the request's fixed costs included).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_word_every_note_contains_costs_no_more_in_a_tenant_thirty_two_times_larger() {
    let ctx = setup().await;
    let (small, large) = (TestApp::new_user(), TestApp::new_user());
    let owner = ctx.db.owner().await.unwrap();
    for (user, notes) in [(small, 1_000), (large, 32_000)] {
        let u = user.into_uuid();
        owner
            .batch_execute(&format!(
                "INSERT INTO tenants (user_id) VALUES ('{u}');
                 INSERT INTO contacts (user_id, id, display_name) VALUES ('{u}', '{u}', 'Ada');
                 INSERT INTO notes (user_id, id, contact_id, content_plain, created_at)
                     SELECT '{u}', gen_random_uuid(), '{u}',
                            'Session ' || n || ': sleep hygiene, stress, breathing ' || md5(n::text),
                            now() - n * interval '1 minute'
                     FROM generate_series(1, {notes}) AS n;
                 ANALYZE notes;"
            ))
            .await
            .unwrap();
    }
    let (small, large) = (ctx.app.as_user(small), ctx.app.as_user(large));
    // Warm up (connections, plans).
    median_sleep(&small).await;
    median_sleep(&large).await;
    let found = search(&large, "q=sleep&type=traditional&types=note").await;
    assert_eq!(found["results"].as_array().map(Vec::len), Some(20));
    let (t_small, t_large) = (median_sleep(&small).await, median_sleep(&large).await);
    let ratio = t_large.as_secs_f64() / t_small.as_secs_f64().max(1e-6);
    assert!(
        ratio < 2.0,
        "1,000 matching notes {t_small:?}, 32,000 {t_large:?} (x{ratio:.1})"
    );
}
