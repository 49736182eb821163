//! The workloads, and the load-generator command line that makes each one.
//!
//! Each workload is one closed-loop load: C connections with K requests in flight on each
//! (`zen-load`), HTTP keep-alive (`http-load`), a new HTTP connection per request
//! (`http-load --mode close`), or a one-question zen conversation per connection (`zen-load
//! --mode close`, for the syscall counts). A run lasts a number of seconds, or (for the
//! syscall counts) a number of requests. The generators check every answer byte for byte and
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
    /// Server ids it is restricted to (the C10K run), or empty for every server.
    pub only: Vec<String>,
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
        let only = Vec::new();
        Self {
            id,
            title,
            kind,
            connections,
            pipeline,
            only,
        }
    }

    /// Whether this is a zen keep-alive run with one request in flight (the throughput
    /// against connection count plot).
    pub fn is_zen_keepalive(&self) -> bool {
        self.kind == Kind::Zen && self.pipeline == 1 && self.only.is_empty()
    }
}

/// Every workload, in the order they run: id, title, kind, connections, pipeline, and the
/// modes it runs in (smoke, quick, full; smoke mode has every kind at C = 1 and 10 only).
#[rustfmt::skip]
const WORKLOADS: [(&str, &str, Kind, usize, usize, &str); 10] = [
    ("zen-c1", "zen keep-alive, C = 1", Kind::Zen, 1, 1, "smoke quick full"),
    ("zen-c10", "zen keep-alive, C = 10", Kind::Zen, 10, 1, "smoke quick full"),
    ("zen-c100", "zen keep-alive, C = 100", Kind::Zen, 100, 1, "quick full"),
    ("zen-c1000", "zen keep-alive, C = 1000", Kind::Zen, 1000, 1, "quick full"),
    ("zen-pipelined-c10-k16", "zen pipelined, C = 10, K = 16", Kind::Zen, 10, 16, "smoke quick full"),
    ("hello-keepalive-c10", "hello keep-alive, C = 10", Kind::Hello, 10, 1, "smoke"),
    ("hello-keepalive-c100", "hello keep-alive, C = 100", Kind::Hello, 100, 1, "quick full"),
    ("hello-close-c10", "hello connection per request, C = 10", Kind::HelloClose, 10, 1, "smoke"),
    ("hello-close-c16", "hello connection per request, C = 16", Kind::HelloClose, 16, 1, "quick full"),
    ("c10k", "C10K: zen keep-alive, C = 10,000", Kind::Zen, 10_000, 1, "full"),
];

/// The workloads of `mode`, in the order they run.
pub fn workloads(mode: Mode) -> Vec<Workload> {
    let mode = serde_json::to_value(mode).expect("a mode serializes");
    let chosen = WORKLOADS
        .iter()
        .filter(|w| w.5.split(' ').any(|m| mode == m));
    let workload = |&(id, title, kind, c, k, _): &(&str, &str, Kind, _, _, _)| {
        let mut workload = Workload::new(id.into(), title.into(), kind, c, k);
        // The C10K run compares zenio with tokio only.
        if id == "c10k" {
            workload.only = vec!["zenio-coroutine".into(), "tokio-current-thread".into()];
        }
        workload
    };
    chosen.map(workload).collect()
}

/// The load generator's command line for `workload` against `port`, for `length`; `bins`
/// holds the generators.
pub fn generator(workload: &Workload, bins: &Path, port: u16, length: Length) -> Vec<String> {
    let (program, mode) = workload.kind.generator();
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
    // Many connections take a while to open and answer: give them longer than the 2 s
    // default before a connection counts as failed.
    if c > 1000 {
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
        assert_eq!(all.len(), 8);
    }
}
