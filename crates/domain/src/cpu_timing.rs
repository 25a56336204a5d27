//! Test support for complexity guards: compare the CPU time of one piece of work on a
//! small and a ten times larger input. Only the ratio is asserted, never an absolute
//! time; thread CPU time and the minimum of several runs keep it steady on a busy machine.

use std::time::Duration;

/// How long `work` takes in this thread's CPU time (time spent waiting for a core while
/// other processes run is not counted).
pub(crate) fn cpu_time(work: impl FnOnce()) -> Duration {
    let now = || {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        Duration::new(
            u64::try_from(t.tv_sec).unwrap_or(0),
            u32::try_from(t.tv_nsec).unwrap_or(0),
        )
    };
    let before = now();
    work();
    now().saturating_sub(before)
}

/// The fastest of `runs` runs of `work`.
pub(crate) fn fastest(runs: usize, mut work: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| cpu_time(&mut work))
        .min()
        .unwrap_or_default()
}

/// Shortest batch worth timing: a single run of a fast detector on 10 KB takes microseconds,
/// where the clock's granularity and a cache miss alone move the ratio past any bound.
const MIN_BATCH: Duration = Duration::from_millis(2);

/// CPU time per run of `work`, timed in batches of `reps` runs (fastest of `batches`).
fn per_run(batches: usize, reps: u32, mut work: impl FnMut()) -> f64 {
    fastest(batches, || {
        for _ in 0..reps {
            work();
        }
    })
    .as_secs_f64()
        / f64::from(reps.max(1))
}

/// `large / small` for `work` on the two inputs: each side timed in batches long enough to
/// measure (the small side repeated as often as needed, the large one a tenth as often), the
/// fastest batch kept, and the whole measurement repeated (up to three times) before a ratio
/// above `bound` is reported.
pub(crate) fn growth<T>(small: &T, large: &T, bound: f64, work: impl Fn(&T)) -> f64 {
    let once = cpu_time(|| work(small)).max(Duration::from_micros(1));
    let reps = u32::try_from(MIN_BATCH.as_nanos() / once.as_nanos().max(1))
        .unwrap_or(u32::MAX)
        .clamp(1, 20_000);
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t_small = per_run(3, reps, || work(small)).max(1e-9);
        let t_large = per_run(2, (reps / 10).max(1), || work(large));
        best = best.min(t_large / t_small);
        if best <= bound {
            break;
        }
    }
    best
}
