//! The rest of the machine: how busy it is with work that is not ours, and waiting until it
//! is quiet.
//!
//! On a shared 2-core machine a compiler started by someone else takes a core from the server
//! or the load generator, and the run measures the contention instead of the server. The
//! machine's busy time comes from the first line of `/proc/stat` (every state but idle and
//! iowait, in `CLK_TCK` ticks, steal time included); during a run, the server's and the
//! generator's own CPU time is subtracted from it. Before each run the harness waits until the
//! machine has been idle for a moment, and a run that was disturbed anyway is done again.

use std::thread;
use std::time::{Duration, Instant};

/// A run during which other work took more than this many cores is flagged and redone.
pub const BUSY_MACHINE: f64 = 0.15;

/// The machine counts as quiet when other work takes less than this many cores.
const QUIET: f64 = 0.08;

/// How long each look at the machine lasts while waiting for it to be quiet.
const LOOK: Duration = Duration::from_millis(250);

/// CPU ticks the whole machine has spent busy: every state of `/proc/stat`'s `cpu` line but
/// idle and iowait (user, nice, system, irq, softirq, steal).
pub fn busy_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_ascii_whitespace()
        .skip(1)
        .take(8)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let [user, nice, system, _idle, _iowait, irq, softirq, steal] = fields[..] else {
        return None;
    };
    Some(user + nice + system + irq + softirq + steal)
}

/// Waits (at most `patience`) until two looks in a row find the machine quiet, while nothing
/// of ours runs. Returns how long it waited, and whether the machine did become quiet.
pub fn wait_for_quiet(patience: Duration) -> (Duration, bool) {
    let hz = rustix::param::clock_ticks_per_second() as f64;
    let start = Instant::now();
    let mut quiet_looks = 0;
    while quiet_looks < 2 {
        if start.elapsed() > patience {
            return (start.elapsed(), false);
        }
        let (Some(before), at) = (busy_ticks(), Instant::now()) else {
            return (start.elapsed(), true);
        };
        thread::sleep(LOOK);
        let Some(after) = busy_ticks() else {
            return (start.elapsed(), true);
        };
        let cores = after.saturating_sub(before) as f64 / hz / at.elapsed().as_secs_f64();
        quiet_looks = if cores < QUIET { quiet_looks + 1 } else { 0 };
    }
    (start.elapsed(), true)
}
