//! Syscalls per request, by name, counted with `strace`, beside the runtime's own counters.
//!
//! Six small loads, as the runtime issue counts them: zen keep-alive on 1 and on 16
//! connections (one question in flight on each), hello with a new connection per request
//! from 1 and from 16 clients at once, and a one-question zen conversation per connection
//! (connect, ask, read the answer, hang up, read the server's EOF) from 1 and 16 clients.
//! Each runs against zenio's single-core servers, tokio `current_thread`, smol and the floor.
//!
//! For each server and load, in order:
//!
//! 1. Start the release server (pinned to core 0, as in the single-core group).
//! 2. Attach `strace -c -f -p PID` and wait until it says it is attached (see [`strace`]).
//! 3. Run our own load generator for a fixed number of requests (pinned to core 1), with no
//!    warmup: every request it counts was made while strace watched, and nothing else was.
//! 4. Detach strace (`SIGINT`) and read its summary: the calls of each syscall.
//! 5. Stop the server and read its summary lines (see [`counters`](super::counters)).
//!
//! Each syscall's count is divided by the requests the generator had answered. The few
//! syscalls of opening (keep-alive) or of the server noticing the last connections close
//! are spread over thousands of requests, so they show as hundredths at most. zenio's runtime
//! counters are divided by the requests of the server's own summary line, which covers the
//! same process from start to exit.
//!
//! strace stops the server at every syscall, which slows it several times over and lets
//! requests pile up between two waits: the 16-client figures are lower bounds on batching,
//! and no time here means anything. Runs in full and quick modes when strace is installed;
//! smoke mode (CI, which has no strace) skips them unless `--only syscalls` asks.
//!
//! - [`strace`]: attaching, detaching, reading the summary; [`table`]: the tables;
//!   [`plot`]: the SVG plot.

pub mod plot;
pub mod strace;
pub mod table;

use std::process::{Command, Stdio};

use serde_json::{json, Value};

use super::counters::Counters;
use super::process::Running;
use super::run::{generator_result, judge};
use super::servers::{Group, Role, Server};
use super::workloads::{self, Length, Load, Workload};
use super::{Mode, Setup};
use strace::{Count, Tracer};

/// The servers traced, in catalogue order (each where it serves the load's protocol).
pub const SERVERS: &[&str] = &[
    "zenio-coroutine",
    "zenio-callback",
    "zenio-poll",
    "tokio-current-thread",
    "smol",
    "floor",
    "hyper-zenio",
];

/// The row every ratio is taken against.
pub const BASELINE: &str = "tokio-current-thread";

/// One server under one load.
#[derive(Clone, Debug)]
pub struct Syscalls {
    /// The server's id.
    pub server: &'static str,
    /// The load's id.
    pub workload: String,
    /// What was counted, or why it could not be.
    pub traced: Result<Traced, String>,
}

/// What one traced run counted.
#[derive(Clone, Debug)]
pub struct Traced {
    /// Requests the generator had answered, every answer checked.
    pub requests: u64,
    /// strace's count of each syscall over the same period.
    pub counts: Vec<Count>,
    /// The server's summary lines (zenio's servers only; `None` for the others).
    pub counters: Option<Counters>,
}

impl Traced {
    /// Calls of syscall `name` per request (0 if it was never called).
    pub fn per_request(&self, name: &str) -> f64 {
        let calls = self
            .counts
            .iter()
            .find(|c| c.name == name)
            .map_or(0, |c| c.calls);
        calls as f64 / self.requests as f64
    }

    /// Every syscall per request.
    pub fn total_per_request(&self) -> f64 {
        let calls: u64 = self.counts.iter().map(|c| c.calls).sum();
        calls as f64 / self.requests as f64
    }
}

impl Syscalls {
    /// As JSON, for `compare.json`.
    pub fn json(&self) -> Value {
        match &self.traced {
            Ok(traced) => json!({
                "server": self.server, "workload": self.workload, "requests": traced.requests,
                "syscalls_per_request": traced.total_per_request(),
                "calls": traced.counts.iter().map(|c| json!({
                    "syscall": c.name, "calls": c.calls, "errors": c.errors,
                    "per_request": c.calls as f64 / traced.requests as f64,
                })).collect::<Vec<_>>(),
                "server_summary": traced.counters.as_ref().map(|c| json!({
                    "connections": c.connections, "requests": c.requests,
                    "runtime": c.runtime.iter()
                        .map(|(name, value)| (name.clone(), json!(value)))
                        .collect::<serde_json::Map<_, _>>(),
                    "runtime_per_request": c.per_request().map(|per| per.into_iter()
                        .map(|(title, value)| (title.replace(' ', "_"), json!(value)))
                        .collect::<serde_json::Map<_, _>>()),
                })),
            }),
            Err(failure) => json!({
                "server": self.server, "workload": self.workload, "failure": failure,
            }),
        }
    }
}

/// The six loads.
pub fn workloads() -> Vec<Workload> {
    let load = |id: &str, title: &str, load| Workload {
        id: format!("syscalls-{id}"),
        title: title.to_string(),
        load,
        only: None,
    };
    let zen = |connections| Load::Zen {
        connections,
        pipeline: 1,
    };
    vec![
        load("zen-keepalive-c1", "zen keep-alive, 1 connection", zen(1)),
        load(
            "zen-keepalive-c16",
            "zen keep-alive, 16 connections",
            zen(16),
        ),
        load(
            "hello-close-c1",
            "hello connection per request, 1 client",
            Load::HttpClose { connections: 1 },
        ),
        load(
            "hello-close-c16",
            "hello connection per request, 16 clients",
            Load::HttpClose { connections: 16 },
        ),
        load(
            "zen-one-question-c1",
            "zen one-question conversation, 1 client",
            Load::ZenOneQuestion { connections: 1 },
        ),
        load(
            "zen-one-question-c16",
            "zen one-question conversation, 16 clients",
            Load::ZenOneQuestion { connections: 16 },
        ),
    ]
}

/// How many requests a load makes: enough that a connection's own syscalls (its accept,
/// its close) and strace's start and stop are hundredths per request, at most.
fn requests(load: Load, mode: Mode) -> u64 {
    let full = match load {
        Load::Zen { connections, .. } | Load::HttpKeepAlive { connections } => {
            if connections == 1 {
                20_000
            } else {
                32_000
            }
        }
        Load::HttpClose { connections } | Load::ZenOneQuestion { connections } => {
            if connections == 1 {
                3_000
            } else {
                4_800
            }
        }
    };
    if mode == Mode::Full {
        full
    } else {
        full / 4
    }
}

/// Whether this comparison counts syscalls: in full and quick modes, and in smoke mode only
/// when `--only` names them.
pub fn wanted(setup: &Setup) -> bool {
    setup.mode != Mode::Smoke
        || setup
            .only
            .as_ref()
            .is_some_and(|only| "syscalls".contains(only))
}

/// Counts the syscalls of every chosen server under every load; `Err` with the reason when
/// strace is not installed.
pub fn measure_all(setup: &Setup, servers: &[Server]) -> Result<Vec<Syscalls>, String> {
    if !wanted(setup) {
        return Ok(Vec::new());
    }
    if !strace::installed() {
        return Err("strace is not installed (apt-get install strace)".into());
    }
    let traced: Vec<&Server> = SERVERS
        .iter()
        .filter_map(|id| {
            servers
                .iter()
                .find(|s| s.id == *id && s.group == Group::SingleCore)
        })
        .collect();
    let mut all = Vec::new();
    for workload in &workloads() {
        // --only picks servers or loads; the baseline stays, for the ratios.
        let serving: Vec<&Server> = traced
            .iter()
            .copied()
            .filter(|s| s.serves(workload.proto()))
            .collect();
        let chosen = |s: &Server| setup.selected(&[s.id, &workload.id, "syscalls"]);
        if !serving.iter().any(|s| chosen(s)) {
            continue;
        }
        for server in serving {
            if server.role == Role::Baseline || chosen(server) {
                let row = measure(setup, server, workload);
                eprintln!("{}", line(&row, server, workload));
                all.push(row);
            }
        }
    }
    Ok(all)
}

/// Steps 1 to 5 for one server under one load.
pub fn measure(setup: &Setup, server: &Server, workload: &Workload) -> Syscalls {
    let traced = Running::start(
        server
            .command(workload.proto())
            .expect("only servers of the load's protocol are traced"),
        setup.server_pin(server.group),
        &[],
    )
    .and_then(|running| {
        let summary = setup
            .results
            .join(format!("strace-{}-{}.txt", server.id, workload.id));
        let counted = trace(setup, &running, workload, &summary);
        let stopped = running.stop();
        let (requests, counts) = counted?;
        let said: Vec<String> = stopped.stdout.into_iter().chain(stopped.stderr).collect();
        Ok(Traced {
            requests,
            counts,
            counters: server.zenio.then(|| Counters::parse(&said)).flatten(),
        })
    });
    Syscalls {
        server: server.id,
        workload: workload.id.clone(),
        traced,
    }
}

/// Steps 2 to 4: attaches strace, runs the load, detaches; returns the requests answered
/// and the counts. `summary` is where strace writes its table.
fn trace(
    setup: &Setup,
    server: &Running,
    workload: &Workload,
    summary: &std::path::Path,
) -> Result<(u64, Vec<Count>), String> {
    std::fs::create_dir_all(&setup.results)
        .map_err(|e| format!("{}: {e}", setup.results.display()))?;
    let requests = Length::Requests(requests(workload.load, setup.mode));
    let (mut argv, _) =
        workloads::generator_for(workload, &setup.bins, server.port, requests, false)?;
    if let Some(pin) = setup.generator_pin(Group::SingleCore) {
        argv.splice(0..0, pin.iter().cloned());
    }
    let tracer = Tracer::attach(server.pid(), summary)?;
    let ran = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .output();
    let counts = tracer.detach()?;
    let ran = ran.map_err(|error| format!("cannot run {}: {error}", argv.join(" ")))?;
    let measure = generator_result(&ran)?;
    match judge(&measure) {
        Some(failure) => Err(failure),
        None => Ok((measure.requests, counts)),
    }
}

/// One line about a finished count, for stderr.
fn line(row: &Syscalls, server: &Server, workload: &Workload) -> String {
    let head = format!("syscalls {:<42} {:<22}", workload.title, server.name);
    match &row.traced {
        Ok(traced) => format!(
            "{head} {:6.2} per request ({} requests)",
            traced.total_per_request(),
            traced.requests
        ),
        Err(failure) => format!("{head} FAILED: {failure}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_divided_by_the_requests_answered() {
        let count = |name: &str, calls| Count {
            name: name.into(),
            calls,
            errors: 0,
        };
        let traced = Traced {
            requests: 100,
            counts: vec![
                count("recvfrom", 100),
                count("sendto", 100),
                count("epoll_pwait", 7),
            ],
            counters: None,
        };
        assert_eq!(traced.per_request("epoll_pwait"), 0.07);
        assert_eq!(traced.per_request("epoll_ctl"), 0.0);
        assert_eq!(traced.total_per_request(), 2.07);
    }

    #[test]
    fn every_load_has_its_own_id_and_quick_runs_make_fewer_requests() {
        let loads = workloads();
        assert_eq!(loads.len(), 6);
        for load in &loads {
            assert!(requests(load.load, Mode::Quick) >= 750);
            assert!(requests(load.load, Mode::Full) > requests(load.load, Mode::Quick));
        }
    }
}
