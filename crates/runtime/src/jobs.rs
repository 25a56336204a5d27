//! The job runner settings both binaries derive from the configuration.

use omnicrm_jobs::RunnerConfig;

use crate::config::Config;

/// Runner settings for the given registered queues: each listed queue gets its configured
/// concurrency, the others the `default` entry's (or 1 when there is none).
pub fn runner_config(
    config: &Config,
    registered_queues: &[&str],
    listen_url: &str,
) -> RunnerConfig {
    let fallback = config
        .worker_concurrency
        .iter()
        .find(|(q, _)| q == "default")
        .map_or(1, |(_, n)| *n);
    let queues = registered_queues
        .iter()
        .map(|queue| {
            let n = config
                .worker_concurrency
                .iter()
                .find(|(q, _)| q == queue)
                .map_or(fallback, |(_, n)| *n);
            ((*queue).to_owned(), n)
        })
        .collect();
    RunnerConfig {
        queues,
        lease: config.job_lease,
        heartbeat: config.job_lease / 3,
        poll: config.job_poll,
        reap_every: config.job_lease.min(std::time::Duration::from_secs(10)) / 2,
        poll_only: config.job_poll_only,
        listen_url: (!config.job_poll_only).then(|| listen_url.to_owned()),
        ..RunnerConfig::default()
    }
}
