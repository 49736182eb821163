//! Syscalls per request, by name, counted with `strace`, beside the runtime's own counters.
//!
//! Six small loads, as the runtime issue counts them: zen keep-alive on 1 and on 16
//! connections (one question in flight on each), hello with a new connection per request
//! from 1 and from 16 clients at once, and a one-question zen conversation per connection
//! (connect, ask, read the answer, hang up, read the server's EOF) from 1 and 16 clients.
//! Each runs against zenio's single-core servers, tokio `current_thread`, smol, monoio and the
//! floor. monoio's io_uring does its socket work inside `io_uring_enter` (or in task work the
//! kernel runs on the thread's way back), so strace sees few syscalls there: read its row
//! as the calls made, not as the work done.
//!
//! For each server and load, in order:
//!
//! 1. Start the release server (pinned to core 0, as in the single-core group).
//! 2. Attach `strace -c -f -p PID` and wait until it says it is attached (see
//!    [`strace`](super::strace)).
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

use serde::{Deserialize, Serialize};

use super::counters::{self, Counters};
use super::options::installed;
use super::process::{spawn, Running};
use super::servers::{Group, Role, Server};
use super::strace::{Count, Tracer};
use super::workloads::{self, Kind, Length, Workload};
use super::{Mode, Setup};

/// The servers traced, in catalogue order (each where it serves the load's protocol).
#[rustfmt::skip]
const SERVERS: [&str; 8] = ["zenio-coroutine", "zenio-callback", "zenio-poll", "tokio-current-thread",
    "smol", "monoio", "floor", "hyper-zenio"];

/// The row every ratio is taken against.
pub const BASELINE: &str = "tokio-current-thread";

/// The six loads: id (after `syscalls-`), title, kind, connections.
#[rustfmt::skip]
const LOADS: [(&str, &str, Kind, usize); 6] = [
    ("zen-keepalive-c1", "zen keep-alive, 1 connection", Kind::Zen, 1),
    ("zen-keepalive-c16", "zen keep-alive, 16 connections", Kind::Zen, 16),
    ("hello-close-c1", "hello connection per request, 1 client", Kind::HelloClose, 1),
    ("hello-close-c16", "hello connection per request, 16 clients", Kind::HelloClose, 16),
    ("zen-one-question-c1", "zen one-question conversation, 1 client", Kind::ZenOneQuestion, 1),
    ("zen-one-question-c16", "zen one-question conversation, 16 clients", Kind::ZenOneQuestion, 16),
];

/// One server under one load.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Syscalls {
    /// The server's id.
    pub server: String,
    /// The load's id.
    pub workload: String,
    /// What was counted, or why it could not be.
    pub traced: Result<Traced, String>,
}

/// What one traced run counted.
#[derive(Clone, Debug, Serialize, Deserialize)]
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
        let count = self.counts.iter().find(|c| c.name == name);
        count.map_or(0, |c| c.calls) as f64 / self.requests as f64
    }

    /// Every syscall per request.
    pub fn total_per_request(&self) -> f64 {
        let calls: u64 = self.counts.iter().map(|c| c.calls).sum();
        calls as f64 / self.requests as f64
    }
}

/// Every syscall per request of `server` under load `load` (its id), if it was counted.
pub fn total(rows: &[Syscalls], server: &str, load: &str) -> Option<f64> {
    let row = |r: &&Syscalls| r.server == server && r.workload == load;
    let row = rows.iter().find(row)?;
    Some(row.traced.as_ref().ok()?.total_per_request())
}

/// The six loads.
pub fn workloads() -> Vec<Workload> {
    let load = |(id, title, kind, c): (&str, &str, _, _)| {
        Workload::new(format!("syscalls-{id}"), title.into(), kind, c, 1)
    };
    LOADS.map(load).to_vec()
}

/// How many requests a load makes: enough that a connection's own syscalls (its accept,
/// its close) and strace's start and stop are hundredths per request, at most. Quick runs
/// make a quarter as many.
fn requests(load: &Workload, mode: Mode) -> u64 {
    let full = match (load.kind.closes(), load.connections) {
        (false, 1) => 20_000,
        (false, _) => 32_000,
        (true, 1) => 3_000,
        (true, _) => 4_800,
    };
    full / if mode == Mode::Full { 1 } else { 4 }
}

/// Counts the syscalls of every chosen server under every load: in full and quick modes, and
/// in smoke mode only when `--only` names them. `Err` with the reason when strace is not
/// installed.
pub fn measure_all(setup: &Setup, servers: &[Server]) -> Result<Vec<Syscalls>, String> {
    let only = setup.only.as_deref();
    let named = only.is_some_and(|only| "syscalls".contains(only));
    if setup.mode == Mode::Smoke && !named {
        return Ok(Vec::new());
    }
    if !installed("strace") {
        return Err("strace is not installed (apt-get install strace)".into());
    }
    let traced = |s: &&Server| s.group == Group::SingleCore && SERVERS.contains(&&*s.id);
    let traced: Vec<&Server> = servers.iter().filter(traced).collect();
    let mut all = Vec::new();
    for workload in &workloads() {
        // --only picks servers or loads; the baseline stays, for the ratios.
        let chosen = |s: &Server| setup.selected(&[&s.id, &workload.id, "syscalls"]);
        let serves = |s: &&&Server| s.command(workload.kind.proto()).is_some();
        let serving = traced.iter().filter(serves);
        let serving: Vec<&Server> = serving.copied().collect();
        if serving.iter().any(|s| chosen(s)) {
            let counted = |s: &&&Server| s.role == Role::Baseline || chosen(s);
            let counted = serving.iter().filter(counted);
            all.extend(counted.map(|server| measure(setup, server, workload)));
        }
    }
    Ok(all)
}

/// Steps 1 to 5 for one server under one load.
fn measure(setup: &Setup, server: &Server, load: &Workload) -> Syscalls {
    let argv = server.command(load.kind.proto()).expect("its protocol");
    let traced = Running::start(&setup.pin(server.group, 0, argv), &[]).and_then(|running| {
        let traced = trace(setup, &running, &server.id, load);
        let (_, said) = running.stop();
        let counters = server.zenio.then(|| counters::parse(&said)).flatten();
        traced.map(|traced| Traced { counters, ..traced })
    });
    let (head, server, workload) = (&load.title, server.id.clone(), load.id.clone());
    match &traced {
        Ok(traced) => {
            let per = traced.total_per_request();
            eprintln!("syscalls {head:<42} {server:<22} {per:6.2} per request")
        }
        Err(failure) => eprintln!("syscalls {head:<42} {server:<22} FAILED: {failure}"),
    }
    Syscalls {
        server,
        workload,
        traced,
    }
}

/// Steps 2 to 4: attaches strace, runs the load, detaches; returns the requests answered
/// and the counts (the server's counters come after it stops). strace writes its table to `strace-SERVER-LOAD.txt` in the results.
fn trace(setup: &Setup, running: &Running, id: &str, load: &Workload) -> Result<Traced, String> {
    let summary = setup.results.join(format!("strace-{id}-{}.txt", load.id));
    let length = Length::Requests(requests(load, setup.mode));
    let argv = workloads::generator(load, &setup.bins, running.port, length);
    let tracer = Tracer::attach(running.pid(), &summary)?;
    let argv = setup.pin(Group::SingleCore, 1, &argv);
    let generated =
        spawn(&argv, None).and_then(|(mut child, said)| workloads::read(&mut child, said));
    let counts = tracer.detach()?;
    let measure = generated?;
    match measure.failure() {
        Some(failure) => Err(failure),
        None => Ok(Traced {
            requests: measure.requests,
            counts,
            counters: None,
        }),
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
        let counts = vec![
            count("recvfrom", 100),
            count("sendto", 100),
            count("epoll_pwait", 7),
        ];
        let traced = Traced {
            requests: 100,
            counts,
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
            assert!(requests(load, Mode::Quick) >= 750);
            assert!(requests(load, Mode::Full) > requests(load, Mode::Quick));
        }
    }
}
