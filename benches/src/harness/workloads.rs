//! The workloads, and the load-generator command line that makes each one.
//!
//! Each workload is one closed-loop load: C connections with K requests in flight on each
//! (`zen-load`), HTTP keep-alive (`wrk` when it is installed, else `http-load`), a new
//! HTTP connection per request (`http-load --mode close`; wrk cannot do that), or a
//! one-question zen conversation per connection (`zen-load --mode close`, for the syscall
//! counts). A run lasts a number of seconds, or (for the syscall counts) a number of requests. Our generators
//! check every answer byte for byte and print one JSON object (`--json`); wrk only checks the
//! status line, so a hello keep-alive run under wrk is checked for non-2xx answers only.

use super::servers::{Bins, Proto};
use super::Mode;

/// What one workload asks of the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Load {
    /// zen questions on `connections` connections, `pipeline` in flight on each.
    Zen { connections: usize, pipeline: usize },
    /// HTTP keep-alive, one request in flight on each of `connections` connections.
    HttpKeepAlive { connections: usize },
    /// A new HTTP connection per request, `connections` of them at once.
    HttpClose { connections: usize },
    /// A new zen connection per question, `connections` of them at once: connect, ask, read
    /// the answer, hang up, read the server's EOF.
    ZenOneQuestion { connections: usize },
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
#[derive(Clone, Debug)]
pub struct Workload {
    /// A short name without spaces, for `--only`, JSON and plots: `zen-c100`.
    pub id: String,
    /// The name in tables: `zen keep-alive, C = 100`.
    pub title: String,
    /// The load.
    pub load: Load,
    /// Server ids it is restricted to (the C10K run), or `None` for every server.
    pub only: Option<&'static [&'static str]>,
}

impl Workload {
    /// The protocol its servers must speak.
    pub fn proto(&self) -> Proto {
        match self.load {
            Load::Zen { .. } | Load::ZenOneQuestion { .. } => Proto::Zen,
            Load::HttpKeepAlive { .. } | Load::HttpClose { .. } => Proto::Hello,
        }
    }

    /// Connections open at once.
    pub fn connections(&self) -> usize {
        match self.load {
            Load::Zen { connections, .. }
            | Load::HttpKeepAlive { connections }
            | Load::HttpClose { connections }
            | Load::ZenOneQuestion { connections } => connections,
        }
    }

    /// Whether this is a zen keep-alive run with one request in flight (the throughput
    /// against connection count plot).
    pub fn is_zen_keepalive(&self) -> bool {
        matches!(self.load, Load::Zen { pipeline: 1, .. }) && self.only.is_none()
    }
}

/// The servers of the C10K run.
pub const C10K_SERVERS: &[&str] = &["zenio-coroutine", "tokio-current-thread"];

/// The workloads of `mode`, in the order they run.
pub fn workloads(mode: Mode) -> Vec<Workload> {
    let zen = |connections, pipeline| {
        let (id, title) = if pipeline == 1 {
            (
                format!("zen-c{connections}"),
                format!("zen keep-alive, C = {connections}"),
            )
        } else {
            (
                format!("zen-pipelined-c{connections}-k{pipeline}"),
                format!("zen pipelined, C = {connections}, K = {pipeline}"),
            )
        };
        Workload {
            id,
            title,
            load: Load::Zen {
                connections,
                pipeline,
            },
            only: None,
        }
    };
    let keepalive = |connections| Workload {
        id: format!("hello-keepalive-c{connections}"),
        title: format!("hello keep-alive, C = {connections}"),
        load: Load::HttpKeepAlive { connections },
        only: None,
    };
    let close = |connections| Workload {
        id: format!("hello-close-c{connections}"),
        title: format!("hello connection per request, C = {connections}"),
        load: Load::HttpClose { connections },
        only: None,
    };
    if mode == Mode::Smoke {
        // Every kind of workload, at C = 1 and 10 only.
        return vec![zen(1, 1), zen(10, 1), zen(10, 16), keepalive(10), close(10)];
    }
    let mut all = vec![
        zen(1, 1),
        zen(10, 1),
        zen(100, 1),
        zen(1000, 1),
        zen(10, 16),
        keepalive(100),
        close(16),
    ];
    if mode == Mode::Full {
        all.push(Workload {
            id: "c10k".into(),
            title: "C10K: zen keep-alive, C = 10,000".into(),
            load: Load::Zen {
                connections: 10_000,
                pipeline: 1,
            },
            only: Some(C10K_SERVERS),
        });
    }
    all
}

/// How a generator's output is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// One JSON object (`zen-load`, `http-load`), see `load::record::Report::json`.
    Json,
    /// wrk's text report, with `--latency`.
    Wrk,
}

/// The load generator's command line for `workload` against `port`, for `seconds`.
///
/// `wrk` is used for hello keep-alive when it is installed, except in smoke mode, whose
/// point is that every answer is checked.
pub fn generator(
    workload: &Workload,
    bins: &Bins,
    port: u16,
    seconds: f64,
    wrk: bool,
) -> Result<(Vec<String>, Output), String> {
    generator_for(workload, bins, port, Length::Seconds(seconds), wrk)
}

/// As [`generator`], for `length`: a count of requests is always run by our own
/// generators, since wrk cannot stop after a count.
pub fn generator_for(
    workload: &Workload,
    bins: &Bins,
    port: u16,
    length: Length,
    wrk: bool,
) -> Result<(Vec<String>, Output), String> {
    let find = |name: &str| {
        bins.find(name)
            .ok_or_else(|| format!("{name} is not built"))
    };
    let ours = |bin: String, mut args: Vec<String>| {
        let mut argv = vec![bin, "127.0.0.1".into(), "-p".into(), port.to_string()];
        argv.append(&mut args);
        argv.extend(match length {
            Length::Seconds(seconds) => ["--duration".into(), format!("{seconds}")],
            Length::Requests(requests) => ["--requests".into(), requests.to_string()],
        });
        argv.push("--json".into());
        // Many connections take a while to open and answer: give them longer than the 2 s
        // default before a connection counts as failed.
        if workload.connections() > 1000 {
            argv.extend(["--timeout".into(), "10".into()]);
        }
        (argv, Output::Json)
    };
    let wrk_seconds = match length {
        Length::Seconds(seconds) if wrk => Some(seconds),
        _ => None,
    };
    Ok(match (workload.load, wrk_seconds) {
        (
            Load::Zen {
                connections,
                pipeline,
            },
            _,
        ) => ours(
            find("zen-load")?,
            vec![
                "--connections".into(),
                connections.to_string(),
                "--pipeline".into(),
                pipeline.to_string(),
            ],
        ),
        (Load::HttpKeepAlive { connections }, Some(seconds)) => {
            let argv = [
                "wrk".to_string(),
                "-t1".into(),
                format!("-c{connections}"),
                format!("-d{}s", seconds.round().max(1.0)),
                "--latency".into(),
                format!("http://127.0.0.1:{port}/"),
            ];
            (argv.to_vec(), Output::Wrk)
        }
        (Load::HttpKeepAlive { connections }, None) => ours(
            find("http-load")?,
            vec![
                "--mode".into(),
                "keepalive".into(),
                "--connections".into(),
                connections.to_string(),
            ],
        ),
        (Load::HttpClose { connections }, _) => ours(
            find("http-load")?,
            vec![
                "--mode".into(),
                "close".into(),
                "--connections".into(),
                connections.to_string(),
            ],
        ),
        (Load::ZenOneQuestion { connections }, _) => ours(
            find("zen-load")?,
            vec![
                "--mode".into(),
                "close".into(),
                "--connections".into(),
                connections.to_string(),
            ],
        ),
    })
}

/// Whether `wrk` is on the `PATH` (`command -v wrk`).
pub fn wrk_installed() -> bool {
    std::process::Command::new("sh")
        .args(["-c", "command -v wrk"])
        .output()
        .is_ok_and(|out| out.status.success())
}
