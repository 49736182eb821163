//! The soak run: a minute of good and hostile load at once, at full speed, and the
//! evidence that nothing was lost, nothing leaked and nothing got stuck.
//!
//! For each of zenio's zen servers (with `--idle-timeout 2 --question-timeout 2`, so that
//! the timeouts fire all through the run):
//!
//! 1. Prime the server with 64 one-question connections, then count its open descriptors
//!    (`/proc/PID/fd`) once the count holds still.
//! 2. Run `zen-load` (50 connections, one question in flight on each, every answer
//!    checked) for the soak's length, and meanwhile twelve threads of this process playing
//!    the [`hostile`] clients over and over: four resetting at random points, and two each
//!    of slowloris, idle, never-reading and over-long clients. Read the server's RSS every
//!    second.
//! 3. When the load ends, stop the hostile threads, and wait (at most 10 s) for the
//!    server's descriptor count to come back down.
//!
//! The run passes when the good clients saw no error and no wrong answer, every hostile
//! client was dealt with as it must be (closed on time, told its question was too long),
//! the RSS at the end is within 10% (plus 1 MiB) of the RSS after the first five seconds,
//! and the descriptors open at the end are the descriptors open at the start.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::hostile::Kind;
use super::process::{rss_kb, spawn_piped, Running};
use super::run::generator_result;
use super::servers::{Proto, Server};
use super::workloads::{self, Load, Workload};
use super::{Mode, Setup};

/// The servers soaked.
pub const SERVERS: &[&str] = &[
    "zenio-coroutine",
    "zenio-callback",
    "zenio-poll",
    "zenio-coroutine-2",
];

/// Good connections.
pub const GOOD_CONNECTIONS: usize = 50;

/// When the RSS the end is compared with is read.
const WARM: Duration = Duration::from_secs(5);

/// Connections that prime the server before its descriptors are counted.
const PRIMING: usize = 64;

/// How long the descriptors get to come back down after the load.
const SETTLE: Duration = Duration::from_secs(10);

/// The server's limits during the soak, short so that they fire often.
pub const LIMITS: &[&str] = &["--idle-timeout", "2", "--question-timeout", "2"];

/// Hostile threads per kind.
fn threads(kind: Kind) -> usize {
    if kind == Kind::Reset {
        4
    } else {
        2
    }
}

/// The soak's length in `mode`, if it runs at all.
pub fn length(mode: Mode) -> Option<Duration> {
    match mode {
        Mode::Full => Some(Duration::from_secs(60)),
        Mode::Quick => Some(Duration::from_secs(10)),
        Mode::Smoke => None,
    }
}

/// One server's soak.
#[derive(Clone, Debug, Default)]
pub struct Soak {
    /// The server's id.
    pub server: &'static str,
    /// Seconds of load.
    pub seconds: f64,
    /// Good answers, wrong answers, failed good connections or requests.
    pub good: (u64, u64, u64),
    /// Per kind of hostile client: played, and dealt with as it must be.
    pub hostile: Vec<(Kind, u64, u64)>,
    /// RSS in kB: after `WARM`, the largest, at the end of the load.
    pub rss_kb: (u64, u64, u64),
    /// Open descriptors before the load, and after it settled.
    pub fds: (usize, usize),
    /// What the server's descriptors were, if more stayed open than before the load.
    pub leaked: Vec<String>,
    /// Why it failed, if it did.
    pub failure: Option<String>,
}

impl Soak {
    /// As JSON, for `compare.json`.
    pub fn json(&self) -> Value {
        let hostile: Vec<Value> = self
            .hostile
            .iter()
            .map(|(kind, played, ok)| json!({"kind": kind.name(), "played": played, "handled": ok}))
            .collect();
        json!({
            "server": self.server, "seconds": self.seconds,
            "good_requests": self.good.0, "good_wrong": self.good.1, "good_errors": self.good.2,
            "hostile": hostile,
            "rss_warm_kb": self.rss_kb.0, "rss_max_kb": self.rss_kb.1, "rss_end_kb": self.rss_kb.2,
            "fds_start": self.fds.0, "fds_end": self.fds.1,
            "ok": self.failure.is_none(), "failure": self.failure, "leaked": self.leaked,
        })
    }
}

/// Soaks `server` for `length`.
pub fn soak(setup: &Setup, server: &Server, length: Duration) -> Soak {
    let mut soak = Soak {
        server: server.id,
        ..Soak::default()
    };
    let argv = server
        .command(Proto::Zen)
        .expect("the soak's servers speak zen");
    let running = match Running::start(argv, setup.server_pin(server.group), LIMITS) {
        Ok(running) => running,
        Err(error) => {
            soak.failure = Some(error);
            return soak;
        }
    };
    let mut problems = load(setup, server, &running, length, &mut soak)
        .err()
        .into_iter()
        .collect::<Vec<_>>();
    let stopped = running.stop();
    if !stopped.status.is_some_and(|status| status.success()) {
        problems.push(format!("exited with {:?} after SIGTERM", stopped.status));
    }
    problems.extend(judge(&soak));
    if !problems.is_empty() {
        soak.failure = Some(problems.join("; "));
    }
    soak
}

/// Steps 1 to 3; fills in `soak`'s figures.
fn load(
    setup: &Setup,
    server: &Server,
    running: &Running,
    length: Duration,
    soak: &mut Soak,
) -> Result<(), String> {
    let pid = running.pid();
    let fds_start = prime(running)?;
    let workload = Workload {
        id: "soak".into(),
        title: "soak".into(),
        load: Load::Zen {
            connections: GOOD_CONNECTIONS,
            pipeline: 1,
        },
        only: None,
    };
    let (mut argv, _) = workloads::generator(
        &workload,
        &setup.bins,
        running.port,
        length.as_secs_f64(),
        false,
    )?;
    if let Some(pin) = setup.generator_pin(server.group) {
        argv.splice(0..0, pin.iter().cloned());
    }
    let stop = AtomicBool::new(false);
    let counts: Vec<(Kind, AtomicU64, AtomicU64)> = Kind::ALL
        .iter()
        .map(|&kind| (kind, AtomicU64::new(0), AtomicU64::new(0)))
        .collect();
    let first_failure = std::sync::Mutex::new(None);
    let good = thread::scope(|scope| {
        for (index, (kind, played, handled)) in counts.iter().enumerate() {
            for thread in 0..threads(*kind) {
                let (stop, first_failure) = (&stop, &first_failure);
                scope.spawn(move || {
                    let mut seed = (index * 1000 + thread) as u64 * 1_000_003;
                    while !stop.load(Ordering::Relaxed) {
                        seed += 1;
                        played.fetch_add(1, Ordering::Relaxed);
                        match kind.play(running.port, seed) {
                            Ok(()) => drop(handled.fetch_add(1, Ordering::Relaxed)),
                            Err(error) => {
                                let mut first = first_failure.lock().expect("not poisoned");
                                first.get_or_insert(format!("{}: {error}", kind.name()));
                            }
                        }
                    }
                });
            }
        }
        let result = good_load(&argv, pid, soak);
        stop.store(true, Ordering::Relaxed);
        result
    });
    soak.hostile = counts
        .iter()
        .map(|(kind, played, handled)| {
            (
                *kind,
                played.load(Ordering::Relaxed),
                handled.load(Ordering::Relaxed),
            )
        })
        .collect();
    good?;
    // Step 3: the descriptors come back down as the server closes what the clients left.
    let settling = Instant::now();
    let fds_end = loop {
        let now = open_fds(pid).ok_or("cannot count the server's descriptors")?;
        if now <= fds_start || settling.elapsed() > SETTLE {
            break now;
        }
        thread::sleep(Duration::from_millis(100));
    };
    soak.fds = (fds_start, fds_end);
    if fds_end > fds_start {
        soak.leaked = open_fd_targets(pid);
    }
    match first_failure.into_inner().expect("not poisoned") {
        Some(failure) => Err(format!("a hostile client was mishandled: {failure}")),
        None => Ok(()),
    }
}

/// Runs the good load generator `argv` to its end, reading the server's RSS every second,
/// and fills in `soak.good`, `soak.seconds` and `soak.rss_kb`.
fn good_load(argv: &[String], pid: u32, soak: &mut Soak) -> Result<(), String> {
    let started = Instant::now();
    let mut child = spawn_piped(argv)?;
    let (mut warm, mut max, mut last) = (None, 0, 0);
    let mut next_sample = started;
    while let Ok(None) = child.try_wait() {
        if Instant::now() >= next_sample {
            if let Some(rss) = rss_kb(pid) {
                if started.elapsed() >= WARM {
                    warm.get_or_insert(rss);
                }
                max = max.max(rss);
                last = rss;
            }
            next_sample += Duration::from_secs(1);
        }
        thread::sleep(Duration::from_millis(50));
    }
    soak.rss_kb = (warm.unwrap_or(last), max, last);
    let output = child
        .wait_with_output()
        .map_err(|error| format!("waiting for zen-load: {error}"))?;
    let measure = generator_result(&output)?;
    soak.good = (measure.requests, measure.wrong, measure.errors);
    soak.seconds = measure.seconds;
    Ok(())
}

/// What the figures of a finished soak say is wrong.
fn judge(soak: &Soak) -> Vec<String> {
    let mut problems = Vec::new();
    let (requests, wrong, errors) = soak.good;
    if requests == 0 {
        problems.push("NO GOOD ANSWERS".into());
    }
    if wrong > 0 || errors > 0 {
        problems.push(format!(
            "GOOD CLIENTS HURT: {wrong} wrong answers, {errors} errors"
        ));
    }
    let (warm, _, end) = soak.rss_kb;
    if end > warm + warm / 10 + 1024 {
        problems.push(format!("RSS GREW from {warm} kB to {end} kB"));
    }
    let (start, end) = soak.fds;
    if end != start {
        problems.push(format!(
            "DESCRIPTORS: {start} open before, {end} after settling ({})",
            soak.leaked.join(", ")
        ));
    }
    problems
}

/// What each of process `pid`'s descriptors is (`/proc/PID/fd/N` links), as `N: target`.
fn open_fd_targets(pid: u32) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|entry| {
            let target = std::fs::read_link(entry.path()).unwrap_or_default();
            format!(
                "{}: {}",
                entry.file_name().to_string_lossy(),
                target.display()
            )
        })
        .collect()
}

/// Opens [`PRIMING`] connections, asks one question on each and closes them, so that every
/// runtime of the server has made what it makes on first use (zenio makes its epoll
/// instance, eventfd and timerfd lazily; `SO_REUSEPORT` spreads the connections over the
/// cores), then waits for the descriptor count to hold still for half a second (at most
/// [`SETTLE`]) and returns it: the count a server without leaks comes back to.
fn prime(server: &Running) -> Result<usize, String> {
    let pid = server.pid();
    let mut streams = Vec::with_capacity(PRIMING);
    for _ in 0..PRIMING {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port))
            .map_err(|e| format!("priming connection: {e}"))?;
        stream
            .write_all(b"Now is better than?")
            .map_err(|e| format!("priming question: {e}"))?;
        streams.push(stream);
    }
    for stream in &mut streams {
        let mut answer = [0; 6];
        stream
            .read_exact(&mut answer)
            .map_err(|e| format!("priming answer: {e}"))?;
    }
    drop(streams);
    let started = Instant::now();
    let mut count = open_fds(pid).ok_or("cannot count the server's descriptors")?;
    let mut still_since = Instant::now();
    while still_since.elapsed() < Duration::from_millis(500) && started.elapsed() < SETTLE {
        thread::sleep(Duration::from_millis(50));
        let now = open_fds(pid).ok_or("cannot count the server's descriptors")?;
        if now != count {
            (count, still_since) = (now, Instant::now());
        }
    }
    Ok(count)
}

/// How many descriptors process `pid` has open (entries of `/proc/PID/fd`).
fn open_fds(pid: u32) -> Option<usize> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count())
}

/// The soak table's header and rows.
pub fn cells(soaks: &[Soak], name: &dyn Fn(&str) -> String) -> (Vec<String>, Vec<Vec<String>>) {
    let header = [
        "server",
        "seconds",
        "good answers",
        "good clients' errors",
        "hostile clients, all handled unless said",
        "RSS at 5 s → max → end (kB)",
        "descriptors before → after",
        "verdict",
    ];
    let rows = soaks
        .iter()
        .map(|soak| {
            let (requests, wrong, errors) = soak.good;
            let hostile: Vec<String> = soak
                .hostile
                .iter()
                .map(|(kind, played, handled)| {
                    if played == handled {
                        format!("{played} {}", kind.short())
                    } else {
                        format!(
                            "{played} {} ({} MISHANDLED)",
                            kind.short(),
                            played - handled
                        )
                    }
                })
                .collect();
            let (warm, max, end) = soak.rss_kb;
            vec![
                name(soak.server),
                format!("{:.0}", soak.seconds),
                requests.to_string(),
                (wrong + errors).to_string(),
                hostile.join(", "),
                format!("{warm} → {max} → {end}"),
                format!("{} → {}", soak.fds.0, soak.fds.1),
                soak.failure
                    .as_ref()
                    .map_or("passed".into(), |failure| format!("FAILED: {failure}")),
            ]
        })
        .collect();
    (header.map(String::from).to_vec(), rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passing() -> Soak {
        Soak {
            server: "zenio-coroutine",
            seconds: 60.0,
            good: (1_000_000, 0, 0),
            rss_kb: (4000, 4100, 4050),
            fds: (9, 9),
            ..Soak::default()
        }
    }

    #[test]
    fn a_clean_soak_passes() {
        assert!(judge(&passing()).is_empty());
    }

    #[test]
    fn hurt_good_clients_growth_and_leaks_fail_a_soak() {
        let hurt = Soak {
            good: (10, 0, 1),
            ..passing()
        };
        assert!(judge(&hurt)[0].contains("GOOD CLIENTS HURT"));
        let grown = Soak {
            rss_kb: (4000, 9000, 9000),
            ..passing()
        };
        assert!(judge(&grown)[0].contains("RSS GREW"));
        let leaked = Soak {
            fds: (9, 12),
            ..passing()
        };
        assert!(judge(&leaked)[0].contains("DESCRIPTORS"));
        let silent = Soak {
            good: (0, 0, 0),
            ..passing()
        };
        assert!(judge(&silent)[0].contains("NO GOOD ANSWERS"));
    }
}
