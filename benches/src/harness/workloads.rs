//! The workloads, and the load-generator command line that makes each one.
//!
//! Most workloads are closed loops: C connections with K requests in flight on each
//! (`zen-load`), HTTP keep-alive (`http-load`), a new HTTP connection per request
//! (`http-load --mode close`), or a one-question zen conversation per connection (`zen-load
//! --mode close`, for the syscall counts). The fixed-load workloads are open loops (`zen-load
//! --rate R`): R questions a second on a fixed schedule, whatever the server does, R being a
//! share (25%, 50%, 75%) of tokio `current_thread`'s closed-loop capacity at the same C,
//! measured earlier in the same run (see [`schedule`](super::schedule)). A run lasts a
//! number of seconds, or (for the syscall counts) a number of requests. The generators check every answer byte for byte and
//! print one JSON object (`--json`), which reads straight into a [`Measure`].

use std::path::Path;
use std::process::Child;

use serde::{Deserialize, Serialize};

use super::process::Said;
use super::run::Measure;
use super::servers::Proto;
use super::Mode;

/// What kind of load a workload is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// zen questions on connections kept open (`zen-load`).
    Zen,
    /// A new zen connection per question: connect, ask, read the answer, hang up, read the
    /// server's EOF (`zen-load --mode close`).
    ZenOneQuestion,
    /// HTTP keep-alive (`http-load`).
    Hello,
    /// A new HTTP connection per request (`http-load --mode close`).
    HelloClose,
}

/// How long the load generator runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Length {
    /// This many seconds, after the connections are open.
    Seconds(f64),
    /// Until this many requests are answered, with no warmup.
    Requests(u64),
}

/// One workload of the comparison.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Workload {
    /// A short name without spaces, for `--only`, JSON and plots: `zen-c100`.
    pub id: String,
    /// The name in tables: `zen keep-alive, C = 100`.
    pub title: String,
    /// The kind of load.
    pub kind: Kind,
    /// Connections open at once.
    pub connections: usize,
    /// Requests in flight on each connection.
    pub pipeline: usize,
    /// Server ids it is restricted to (the C10K run, the fixed loads), or empty for every
    /// server.
    pub only: Vec<String>,
    /// For a fixed load: the share of tokio `current_thread`'s closed-loop capacity offered.
    #[serde(default)]
    pub share: Option<f64>,
    /// For a fixed load: the questions per second offered, once that capacity is known.
    #[serde(default)]
    pub rate: Option<f64>,
}

impl Kind {
    /// The generator, and its `--mode` when it is not the default.
    fn generator(self) -> (&'static str, Option<&'static str>) {
        match self {
            Kind::Zen => ("zen-load", None),
            Kind::ZenOneQuestion => ("zen-load", Some("close")),
            Kind::Hello => ("http-load", None),
            Kind::HelloClose => ("http-load", Some("close")),
        }
    }

    /// The protocol its servers must speak.
    pub fn proto(self) -> Proto {
        match self.generator().0 {
            "zen-load" => Proto::Zen,
            _ => Proto::Hello,
        }
    }

    /// Whether each request has a connection of its own.
    pub fn closes(self) -> bool {
        self.generator().1.is_some()
    }
}

impl Workload {
    /// A workload for every server.
    pub fn new(id: String, title: String, kind: Kind, connections: usize, pipeline: usize) -> Self {
        let (only, share, rate) = (Vec::new(), None, None);
        Self {
            id,
            title,
            kind,
            connections,
            pipeline,
            only,
            share,
            rate,
        }
    }

    /// Whether this is a zen keep-alive run with one request in flight (the throughput
    /// against connection count plot).
    pub fn is_zen_keepalive(&self) -> bool {
        self.kind == Kind::Zen && self.pipeline == 1 && self.only.is_empty()
    }

    /// For a fixed load, the closed-loop workload whose capacity it takes a share of.
    pub fn capacity(&self) -> Option<String> {
        self.share.map(|_| format!("zen-c{}", self.connections))
    }
}

/// Every workload, in the order they run: id, title, kind, connections, pipeline (with a
/// rate: the most that may wait for their answers on a connection, `zen-load`'s default), the
/// share of tokio's capacity offered (0: a closed loop), and the modes it runs in (smoke,
/// quick, full; smoke mode has every kind at C = 1 and 10 only, and a tiny fixed load; quick
/// mode the fixed loads at 50% only).
#[rustfmt::skip]
const WORKLOADS: [(&str, &str, Kind, usize, usize, f64, &str); 17] = [
    ("zen-c1", "zen keep-alive, C = 1", Kind::Zen, 1, 1, 0.0, "smoke quick full"),
    ("zen-c10", "zen keep-alive, C = 10", Kind::Zen, 10, 1, 0.0, "smoke quick full"),
    ("zen-c100", "zen keep-alive, C = 100", Kind::Zen, 100, 1, 0.0, "quick full"),
    ("zen-c1000", "zen keep-alive, C = 1000", Kind::Zen, 1000, 1, 0.0, "quick full"),
    ("zen-pipelined-c10-k16", "zen pipelined, C = 10, K = 16", Kind::Zen, 10, 16, 0.0, "smoke quick full"),
    ("hello-keepalive-c10", "hello keep-alive, C = 10", Kind::Hello, 10, 1, 0.0, "smoke"),
    ("hello-keepalive-c100", "hello keep-alive, C = 100", Kind::Hello, 100, 1, 0.0, "quick full"),
    ("hello-close-c10", "hello connection per request, C = 10", Kind::HelloClose, 10, 1, 0.0, "smoke"),
    ("hello-close-c16", "hello connection per request, C = 16", Kind::HelloClose, 16, 1, 0.0, "quick full"),
    ("c10k", "C10K: zen keep-alive, C = 10,000", Kind::Zen, 10_000, 1, 0.0, "full"),
    ("fixed-c10-5", "zen fixed load, 5% of tokio current_thread's capacity, C = 10", Kind::Zen, 10, 64, 0.05, "smoke"),
    ("fixed-c100-25", "zen fixed load, 25% of tokio current_thread's capacity, C = 100", Kind::Zen, 100, 64, 0.25, "full"),
    ("fixed-c100-50", "zen fixed load, 50% of tokio current_thread's capacity, C = 100", Kind::Zen, 100, 64, 0.5, "quick full"),
    ("fixed-c100-75", "zen fixed load, 75% of tokio current_thread's capacity, C = 100", Kind::Zen, 100, 64, 0.75, "full"),
    ("fixed-c1000-25", "zen fixed load, 25% of tokio current_thread's capacity, C = 1000", Kind::Zen, 1000, 64, 0.25, "full"),
    ("fixed-c1000-50", "zen fixed load, 50% of tokio current_thread's capacity, C = 1000", Kind::Zen, 1000, 64, 0.5, "quick full"),
    ("fixed-c1000-75", "zen fixed load, 75% of tokio current_thread's capacity, C = 1000", Kind::Zen, 1000, 64, 0.75, "full"),
];

/// The servers of the C10K run, and of the fixed loads (pinning is measured at a fixed load
/// on zenio only, to keep the group under 20 minutes).
#[rustfmt::skip]
const ONLY: [&[&str]; 2] = [&["zenio-coroutine", "tokio-current-thread", "monoio"],
    &["zenio-coroutine", "zenio-callback", "tokio-current-thread", "monoio", "floor",
    "zenio-coroutine-2", "zenio-callback-2", "zenio-coroutine-2-pinned", "tokio-per-core-2",
    "tokio-multi-thread-2", "monoio-2", "floor-2"]];

/// The workloads of `mode`, in the order they run.
pub fn workloads(mode: Mode) -> Vec<Workload> {
    let mode = serde_json::to_value(mode).expect("a mode serializes");
    let chosen = WORKLOADS
        .iter()
        .filter(|w| w.6.split(' ').any(|m| mode == m));
    let workload = |&(id, title, kind, c, k, share, _): &(&str, &str, Kind, _, _, f64, _)| {
        let mut workload = Workload::new(id.into(), title.into(), kind, c, k);
        workload.share = (share > 0.0).then_some(share);
        let only = match (id, workload.share) {
            ("c10k", _) => ONLY[0],
            (_, Some(_)) => ONLY[1],
            _ => &[],
        };
        workload.only = only.iter().map(|id| id.to_string()).collect();
        workload
    };
    chosen.map(workload).collect()
}

/// How long a fixed load runs before its measurement starts (wrk2 likewise leaves its
/// calibration out): in the first second of load against a fresh server process, with 1,000
/// connections, every server here stalled once (by hand, 2026-12-02: zenio 20-38 ms, the floor
/// 12-25, tokio 5-17), while the kernel grew its descriptor table, which would otherwise set a
/// 3-second run's p99 alone. zenio's servers now grow theirs before the first client
/// (`zenio_servers::accept::reserve_descriptors`); the peers do not, so the warmup stays and
/// every server is measured in its steady state. Closed loops have no warmup: there every
/// server is measured from its first answer on, alike.
pub const FIXED_WARMUP_SECONDS: f64 = 1.0;

/// The load generator's command line for `workload` against `port`, for `length`; `bins`
/// holds the generators.
pub fn generator(workload: &Workload, bins: &Path, port: u16, length: Length) -> Vec<String> {
    let (program, mode) = workload.kind.generator();
    // Many connections take a while to open and answer, and a server counted under strace
    // (the only runs of a fixed number of requests) can stall for over a second while strace
    // stops its threads (smol's did, at 16 connections): give them longer than the 2 s default
    // before a connection counts as failed.
    let patient = workload.connections > 1000 || matches!(length, Length::Requests(_));
    let length = match length {
        Length::Seconds(seconds) => format!("--duration {seconds}"),
        Length::Requests(requests) => format!("--requests {requests}"),
    };
    let (c, k) = (workload.connections, workload.pipeline);
    let line = format!("127.0.0.1 -p {port} --connections {c} --pipeline {k} {length} --json");
    let mut line = format!("{} {line}", bins.join(program).display());
    if let Some(mode) = mode {
        line += &format!(" --mode {mode}");
    }
    if let Some(rate) = workload.rate {
        line += &format!(" --rate {rate:.0} --warmup {FIXED_WARMUP_SECONDS}");
    }
    if patient {
        line += " --timeout 10";
    }
    line.split(' ').map(String::from).collect()
}

/// What a generator measured, once it has exited: the last line of its stdout that is a
/// JSON object; or why there is none, with its status and what it said on stderr.
pub fn read(child: &mut Child, said: Said) -> Result<Measure, String> {
    let status = child.wait();
    let status = status.map_err(|error| format!("waiting for the generator: {error}"))?;
    let [stdout, stderr] = said.map(|thread| thread.join().unwrap_or_default());
    let json = stdout.lines().rev().find(|line| line.starts_with('{'));
    let measure = json.and_then(|json| serde_json::from_str(json).ok());
    measure.ok_or_else(|| {
        let said = stderr.trim();
        format!("the load generator ({status}) gave no result: {said}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generators_json_becomes_a_measure() {
        let line = r#"{"connections":10,"cpu":0.97,"cpu_user":0.03,"duration_s":1.0,"errors":0,
            "latency_us":{"max":5115.9,"p50":62.1,"p99":90.2,"p99_9":135.0},"pipeline":1,
            "requests":157099,"throughput_rps":157095.3,"wrong":0}"#
            .replace('\n', "");
        let echo = ["sh", "-c", &format!("echo noise; echo '{line}'")].map(String::from);
        let (mut child, said) = crate::harness::process::spawn(&echo, None).unwrap();
        let measure = read(&mut child, said).unwrap();
        assert_eq!((measure.requests, measure.seconds), (157_099, 1.0));
        assert_eq!(measure.latency_us.p99_9, Some(135.0));
        assert_eq!(
            (measure.generator_cpu, measure.generator_user),
            (0.97, 0.03)
        );
    }

    #[test]
    fn every_workload_has_its_own_id_and_title() {
        let all = workloads(Mode::Full);
        let titles: Vec<&str> = all.iter().map(|w| w.title.as_str()).collect();
        assert_eq!(titles[4], "zen pipelined, C = 10, K = 16");
        assert_eq!(titles[6], "hello connection per request, C = 16");
        assert_eq!(all[5].id, "hello-keepalive-c100");
        assert_eq!(all.len(), 8 + 6);
        assert_eq!(all[9].id, "fixed-c100-50");
        assert_eq!(all[9].share, Some(0.5));
        assert_eq!(all[9].capacity().as_deref(), Some("zen-c100"));
        let smoke = workloads(Mode::Smoke);
        assert!(smoke
            .iter()
            .any(|w| w.capacity().as_deref() == Some("zen-c10")));
    }
}
