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
