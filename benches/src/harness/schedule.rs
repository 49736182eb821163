//! The order of the runs: interleaved rounds, each on a quiet machine.
//!
//! For each workload, each group runs its rounds one after the other, and within a round every
//! server of the group runs once: round 1 of every server, then round 2 of every server, and
//! so on. A slow drift of the machine (another tenant, thermal limits) then touches every
//! server of a round alike, and the per-pair ratios cancel it. The turn order rotates by one
//! each round (round 1 in catalogue order: ours, the baseline, the peers, the floor; round 2
//! from the baseline on, ours last), so that no server always runs first after another
//! workload, or always right after the same neighbour.
//!
//! A burst of other work does not: on a shared 2-core machine a compiler started by someone
//! else takes a core from the server or the load generator, and the run measures the
//! contention instead of the server. So before each run the harness waits until the machine
//! has been idle for a moment (its busy time comes from the first line of `/proc/stat`: every
//! state but idle and iowait, steal time included), and a run that other work disturbed
//! anyway (see [`run`](super::run)) is done again, up to twice.
//!
//! A fixed load offers a share of tokio `current_thread`'s closed-loop capacity at the same
//! concurrency (single core), measured earlier in the same run: the median requests per second
//! of its runs of `zen-cC`, which comes earlier in the order of the workloads. When that
//! workload was not chosen (`--only fixed`), tokio alone runs it, and its table shows the
//! capacity used.

use std::thread;
use std::time::{Duration, Instant};

use super::process::{busy_ticks, hz};
use super::run::{self, Run};
use super::servers::{Group, Role, Server};
use super::stats::{median, RPS};
use super::workloads::Workload;
use super::{Mode, Setup};

/// A run during which other work took more than this many cores is flagged and redone.
pub const BUSY_MACHINE: f64 = 0.15;

/// The machine counts as quiet when other work takes less than this many cores.
const QUIET: f64 = 0.08;

/// How long each look at the machine lasts while waiting for it to be quiet.
const LOOK: Duration = Duration::from_millis(250);

/// How long to wait for other work on the machine to stop before a run.
const PATIENCE: Duration = Duration::from_secs(60);

/// How many times a run disturbed by other work is done again.
const RETRIES: usize = 2;

/// The servers of smoke mode.
const SMOKE: &[&str] = &["zenio-coroutine", TOKIO, "floor"];

/// The server whose closed-loop capacity the fixed loads take shares of.
const TOKIO: &str = "tokio-current-thread";

/// One workload in one group: the servers that take turns in each round.
pub struct Cell<'a> {
    /// The workload.
    pub workload: &'a Workload,
    /// Its servers, in turn order.
    pub servers: Vec<&'a Server>,
}

/// The cells to run, after `--smoke` and `--only` have had their say.
pub fn cells<'a>(setup: &Setup, servers: &'a [Server], workloads: &'a [Workload]) -> Vec<Cell<'a>> {
    let mut cells = Vec::new();
    for workload in workloads {
        // A closed loop whose tokio capacity a chosen fixed load takes a share of runs too.
        let runs = |f: &Workload| f.only.iter().any(|id| setup.selected(&[id, &f.id]));
        let capacity = |f: &Workload| f.capacity().is_some_and(|id| id == workload.id) && runs(f);
        let needed = workloads.iter().any(capacity);
        for group in Group::ALL {
            let chosen = |s: &Server| setup.selected(&[&s.id, &workload.id]);
            let serves =
                |s: &Server| s.group == group && s.command(workload.kind.proto()).is_some();
            let only = |s: &Server| workload.only.is_empty() || workload.only.contains(&s.id);
            let smoke = |s: &Server| setup.mode != Mode::Smoke || SMOKE.contains(&&*s.id);
            // --only picks servers or workloads; the baseline stays, for the ratios.
            let kept = |s: &&Server| {
                serves(s) && only(s) && smoke(s) && (s.role == Role::Baseline || chosen(s))
            };
            let members: Vec<&Server> = servers.iter().filter(kept).collect();
            let needed = needed && group == Group::SingleCore;
            if needed
                || members
                    .iter()
                    .any(|s| s.role != Role::Baseline || chosen(s))
            {
                cells.push(Cell {
                    workload,
                    servers: members,
                });
            }
        }
    }
    cells
}

/// Runs every cell, `setup.rounds` interleaved rounds each, with a line on stderr per run.
pub fn run_all(setup: &Setup, cells: &[Cell]) -> Vec<Run> {
    let total: usize = cells.iter().map(|c| c.servers.len() * setup.rounds).sum();
    let started = Instant::now();
    let mut runs = Vec::new();
    for cell in cells {
        let mut workload = cell.workload.clone();
        if let Some((share, capacity)) = workload.share.zip(workload.capacity()) {
            let tokio = |r: &&Run| r.group == Group::SingleCore && r.workload == capacity;
            let tokio: Vec<&Run> = runs.iter().filter(tokio).collect();
            workload.rate = median(&tokio, TOKIO, RPS).map(|rps| share * rps);
        }
        for round in 1..=setup.rounds {
            let turns = cell.servers.iter().cycle().skip(round - 1);
            for server in turns.take(cell.servers.len()) {
                let run = undisturbed(setup, server, &workload, round);
                let done = runs.len() + 1;
                let left = started.elapsed().as_secs_f64() / done as f64 * (total - done) as f64;
                let (minutes, line) = (left / 60.0, line(&run, server));
                eprintln!("[{done}/{total}, {minutes:.0} min left] {line}");
                runs.push(run);
            }
        }
    }
    runs
}

/// One run on a quiet machine: waits for other work to stop first, and does the run again
/// (at most [`RETRIES`] times) if other work disturbed it anyway.
fn undisturbed(setup: &Setup, server: &Server, workload: &Workload, round: usize) -> Run {
    if setup.mode == Mode::Smoke {
        // Smoke runs check answers, not speed: no waiting.
        return run::run(setup, server, workload, round);
    }
    let mut attempt = 0;
    loop {
        let waited = Instant::now();
        let quiet = wait_for_quiet();
        if waited.elapsed() > Duration::from_secs(2) {
            let (seconds, not) = (
                waited.elapsed().as_secs_f64(),
                if quiet { "" } else { "; it did not" },
            );
            eprintln!("(waited {seconds:.0} s for other work on the machine to stop{not})");
        }
        let mut run = run::run(setup, server, workload, round);
        let other = run.measure.as_ref().map(|m| m.other_cpu);
        let disturbed = other.is_some_and(|other| other > BUSY_MACHINE);
        if !disturbed || attempt == RETRIES {
            if attempt > 0 {
                let times = attempt + 1;
                let note = format!("run {times} times: other work disturbed the earlier ones");
                run.flags.push(note);
            }
            return run;
        }
        attempt += 1;
        let line = line(&run, server);
        eprintln!("{line} (disturbed by other work: run again)");
    }
}

/// Waits (at most [`PATIENCE`]) until two looks in a row find the machine quiet, while nothing
/// of ours runs. Returns whether the machine did become quiet.
fn wait_for_quiet() -> bool {
    let (start, mut quiet_looks) = (Instant::now(), 0);
    while quiet_looks < 2 && start.elapsed() < PATIENCE {
        let (before, at) = (busy_ticks(), Instant::now());
        thread::sleep(LOOK);
        let cores = busy_ticks().saturating_sub(before) as f64 / hz() / at.elapsed().as_secs_f64();
        quiet_looks = if cores < QUIET { quiet_looks + 1 } else { 0 };
    }
    quiet_looks == 2
}

/// One line about a finished run, for stderr.
fn line(run: &Run, server: &Server) -> String {
    let (workload, round, name) = (&run.workload, run.round, &server.name);
    let head = format!("{workload:<22} round {round} {name:<30}");
    match (&run.failure, &run.measure) {
        (Some(failure), _) => format!("{head} FAILED: {failure}"),
        (None, Some(m)) => {
            let flags = match run.flags.is_empty() {
                true => String::new(),
                false => format!("  [{}]", run.flags.join("; ")),
            };
            let (cpu, user, rps) = (m.cpu_us(), m.user_us(), m.rps);
            let (generator, other) = (m.generator_cpu, m.other_cpu);
            format!("{head} {rps:>9.0} req/s  {cpu:6.2} µs/req ({user:.2} user)  gen {generator:.2}  other {other:.2}{flags}")
        }
        (None, None) => format!("{head} no measure"),
    }
}
