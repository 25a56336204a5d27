//! Local embedding throughput: texts per second of all-MiniLM-L6-v2 on this machine's
//! cores, for short texts (a task name) and chunk-sized ones (about 160 words, what the
//! embedding jobs send). `cargo bench -p omnicrm-embed --bench throughput` with
//! `OMNICRM_EMBED_MODEL_DIR` set (scripts/fetch-embedding-model prints the directory);
//! `scripts/bench-search` runs it. `BENCH_EMBED_SHORT` and `BENCH_EMBED_CHUNK` set how many
//! texts of each size are embedded (512 and 128).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Instant;

use omnicrm_embed::SentenceEmbedder;

fn main() {
    let Some(dir) = std::env::var_os("OMNICRM_EMBED_MODEL_DIR").map(PathBuf::from) else {
        println!("OMNICRM_EMBED_MODEL_DIR is not set: nothing measured");
        return;
    };
    let model = SentenceEmbedder::load(&dir).expect("the model loads");
    let words = [
        "client",
        "reports",
        "sleep",
        "stress",
        "breathing",
        "session",
        "follow-up",
        "pain",
        "exercise",
        "nutrition",
        "anxiety",
        "progress",
    ];
    let text = |i: usize, n: usize| -> String {
        (0..n)
            .map(|j| words[(i * 7 + j * 3) % words.len()])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let count_of = |key: &str, default: usize| {
        std::env::var(key)
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(default)
    };
    let short = count_of("BENCH_EMBED_SHORT", 512);
    let chunk = count_of("BENCH_EMBED_CHUNK", 128);
    for (label, n_words, count) in [
        ("short (8 words)", 8, short),
        ("chunk (160 words)", 160, chunk),
    ] {
        let texts: Vec<String> = (0..count).map(|i| text(i, n_words)).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        model.embed(&refs[..count.min(32)]).unwrap();
        let start = Instant::now();
        let vectors = model.embed(&refs).unwrap();
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(vectors.len(), count);
        #[allow(clippy::cast_precision_loss)]
        let rate = count as f64 / secs;
        println!("{label}: {count} texts in {secs:.2} s = {rate:.0} texts/s");
    }
    // A search embeds its query alone: latency of one short text at a time, and of eight
    // queries embedded together (what eight concurrent searches could share).
    let queries: Vec<String> = (0..64).map(|i| text(i, 4)).collect();
    for (label, batch) in [("one query", 1usize), ("8 queries together", 8)] {
        let mut times = Vec::new();
        for round in 0..200 {
            let refs: Vec<&str> = (0..batch)
                .map(|j| queries[(round + j) % queries.len()].as_str())
                .collect();
            let start = Instant::now();
            model.embed(&refs).unwrap();
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{label}: p50 {:.2} ms, p99 {:.2} ms per call",
            times[times.len() / 2],
            times[times.len() * 99 / 100]
        );
    }
    concurrent_queries(model, &words);
}

/// Eight clients each embedding distinct queries through [`LocalEmbedder`]'s query queue
/// for three seconds: queries per second, as eight concurrent searches see it.
fn concurrent_queries(model: SentenceEmbedder, words: &[&str]) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let embedder = omnicrm_embed::LocalEmbedder::new(model, 1).unwrap();
    let words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
    let done = runtime.block_on(async move {
        let until = Instant::now() + std::time::Duration::from_secs(3);
        let clients = (0..8).map(|client| {
            let (embedder, words) = (embedder.clone(), words.clone());
            async move {
                let mut n = 0usize;
                while Instant::now() < until {
                    let q = format!(
                        "{} {} {client}{n}",
                        words[n % words.len()],
                        words[(n * 5 + client) % words.len()]
                    );
                    embedder.embed_query(q).await.unwrap();
                    n += 1;
                }
                n
            }
        });
        futures_util::future::join_all(clients)
            .await
            .into_iter()
            .sum::<usize>()
    });
    #[allow(clippy::cast_precision_loss)]
    let rate = done as f64 / 3.0;
    println!("8 concurrent clients' distinct queries: {rate:.0} queries/s");
}
