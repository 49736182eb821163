//! The order of the runs: interleaved rounds, with a progress bar.
//!
//! For each workload, each group runs its rounds one after the other, and within a round every
//! server of the group runs once, in catalogue order (ours, the baseline, the peers, the
//! floor): round 1 of every server, then round 2 of every server, and so on. A slow drift of
//! the machine (another tenant, thermal limits) then touches every server of a round alike,
//! and the per-pair ratios cancel it. A burst of other work (someone compiling) does not: so
//! each run waits for a quiet machine, and a run that other work disturbed anyway is done
//! again, up to twice (see [`quiet`](super::quiet)).

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::memory::{self, Memory};
use super::quiet;
use super::run::{self, Run};
use super::servers::{Group, Role, Server};
use super::soak::{self, Soak};
use super::workloads::Workload;
use super::{Mode, Setup};

/// How long to wait for other work on the machine to stop before a run.
const PATIENCE: Duration = Duration::from_secs(60);

/// How many times a run disturbed by other work is done again.
const RETRIES: usize = 2;

/// The servers of smoke mode.
const SMOKE: &[&str] = &["zenio-coroutine", "tokio-current-thread", "floor"];

/// One workload in one group: the servers that take turns in each round.
pub struct Cell<'a> {
    /// The workload.
    pub workload: &'a Workload,
    /// The group.
    pub group: Group,
    /// Its servers, in turn order.
    pub servers: Vec<&'a Server>,
}

/// The cells to run, after `--smoke` and `--only` have had their say.
pub fn cells<'a>(setup: &Setup, servers: &'a [Server], workloads: &'a [Workload]) -> Vec<Cell<'a>> {
    let mut cells = Vec::new();
    for workload in workloads {
        for group in [Group::SingleCore, Group::PerCore] {
            let members: Vec<&Server> = servers
                .iter()
                .filter(|s| s.group == group && s.serves(workload.proto()))
                .filter(|s| workload.only.is_none_or(|only| only.contains(&s.id)))
                .filter(|s| setup.mode != Mode::Smoke || SMOKE.contains(&s.id))
                .collect();
            // --only picks servers or workloads; the baseline stays, for the ratios.
            let chosen: Vec<&Server> = members
                .iter()
                .copied()
                .filter(|s| s.role == Role::Baseline || setup.selected(&[s.id, &workload.id]))
                .collect();
            if chosen
                .iter()
                .any(|s| s.role != Role::Baseline || setup.selected(&[s.id, &workload.id]))
            {
                cells.push(Cell {
                    workload,
                    group,
                    servers: chosen,
                });
            }
        }
    }
    cells
}

/// Runs every cell, `setup.rounds` interleaved rounds each.
pub fn run_all(setup: &Setup, cells: &[Cell]) -> Vec<Run> {
    let total: usize = cells.iter().map(|c| c.servers.len() * setup.rounds).sum();
    let bar = progress(total as u64);
    let mut runs = Vec::new();
    for cell in cells {
        for round in 1..=setup.rounds {
            for server in &cell.servers {
                bar.set_message(format!(
                    "{} · round {round} · {}",
                    cell.workload.id, server.name
                ));
                let run = undisturbed(setup, server, cell.workload, round, &bar);
                bar.suspend(|| eprintln!("{}", line(&run, server)));
                bar.inc(1);
                runs.push(run);
            }
        }
    }
    bar.finish_and_clear();
    runs
}

/// Measures RSS per connection for each of `servers`, with `connections` open.
pub fn memory(setup: &Setup, servers: &[&Server], connections: usize) -> Vec<Memory> {
    let bar = progress(servers.len() as u64);
    let rows = servers
        .iter()
        .map(|server| {
            bar.set_message(format!("memory · {connections} connections · {}", server.name));
            let row = memory::measure(setup, server, connections);
            bar.suspend(|| match (row.per_connection(), &row.rss_kb) {
                (Some(bytes), _) => eprintln!(
                    "memory {:<24} {bytes:.0} bytes per connection, {} connections answered in {:.1} s",
                    server.name, row.answered, row.seconds
                ),
                (None, Err(error)) => eprintln!("memory {:<24} FAILED: {error}", server.name),
                (None, Ok(_)) => {}
            });
            bar.inc(1);
            row
        })
        .collect();
    bar.finish_and_clear();
    rows
}

/// Soaks each of `servers` for `length`.
pub fn soaks(setup: &Setup, servers: &[&Server], length: Duration) -> Vec<Soak> {
    let bar = progress(servers.len() as u64);
    let rows = servers
        .iter()
        .map(|server| {
            bar.set_message(format!("soak · {} s · {}", length.as_secs(), server.name));
            let soak = soak::soak(setup, server, length);
            bar.suspend(|| {
                let (requests, ..) = soak.good;
                match &soak.failure {
                    None => eprintln!(
                        "soak   {:<24} passed ({requests} good answers)",
                        server.name
                    ),
                    Some(failure) => eprintln!("soak   {:<24} FAILED: {failure}", server.name),
                }
            });
            bar.inc(1);
            soak
        })
        .collect();
    bar.finish_and_clear();
    rows
}

/// One run on a quiet machine: waits for other work to stop first, and does the run again
/// (at most [`RETRIES`] times) if other work disturbed it anyway.
fn undisturbed(
    setup: &Setup,
    server: &Server,
    workload: &Workload,
    round: usize,
    bar: &ProgressBar,
) -> Run {
    if setup.mode == Mode::Smoke {
        // Smoke runs check answers, not speed: no waiting.
        return run::run(setup, server, workload, round);
    }
    let mut attempt = 0;
    loop {
        let (waited, quiet) = quiet::wait_for_quiet(PATIENCE);
        if waited > Duration::from_secs(2) {
            bar.suspend(|| {
                eprintln!(
                    "(waited {:.0} s for other work on the machine to stop{})",
                    waited.as_secs_f64(),
                    if quiet { "" } else { "; it did not" }
                )
            });
        }
        let mut run = run::run(setup, server, workload, round);
        let disturbed = run
            .measure
            .as_ref()
            .is_some_and(|m| m.other_cpu > quiet::BUSY_MACHINE);
        if !disturbed || attempt == RETRIES {
            if attempt > 0 {
                run.flags.push(format!(
                    "run {} times: other work disturbed the earlier ones",
                    attempt + 1
                ));
            }
            return run;
        }
        attempt += 1;
        bar.suspend(|| {
            eprintln!(
                "{} (disturbed by other work: run again)",
                line(&run, server)
            )
        });
    }
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
fn progress(total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    let style =
        ProgressStyle::with_template("{elapsed_precise} [{bar:32}] {pos}/{len} (eta {eta}) {msg}")
            .expect("the template is valid")
            .progress_chars("=> ");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(500));
    bar
}

/// One line about a finished run, for stderr.
fn line(run: &Run, server: &Server) -> String {
    let head = format!(
        "{:<22} round {} {:<30}",
        run.workload, run.round, server.name
    );
    match (&run.failure, &run.measure) {
        (Some(failure), _) => format!("{head} FAILED: {failure}"),
        (None, Some(m)) => {
            let (cpu, user) = m.cpu_us_per_request();
            let flags = if run.flags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", run.flags.join("; "))
            };
            format!(
                "{head} {:>9.0} req/s  {cpu:6.2} µs/req ({user:.2} user)  gen {:.2}  other {:.2}{flags}",
                m.rps, m.generator_cpu.0, m.other_cpu
            )
        }
        (None, None) => format!("{head} no measure"),
    }
}
