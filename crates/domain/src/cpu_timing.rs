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

/// `large / small` for `work` on the two inputs (each the fastest of a few runs, the
/// large one measured again before a ratio above `bound` is reported).
pub(crate) fn growth<T>(small: &T, large: &T, bound: f64, work: impl Fn(&T)) -> f64 {
    let t_small = fastest(3, || work(small)).as_secs_f64().max(1e-6);
    let ratio = fastest(2, || work(large)).as_secs_f64() / t_small;
    if ratio <= bound {
        return ratio;
    }
    fastest(3, || work(large)).as_secs_f64() / t_small
}
