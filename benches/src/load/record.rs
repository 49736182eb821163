//! What a run measured: counts, a latency histogram, CPU time, and the report they make.
//!
//! Latencies go into an HDR histogram (the `hdrhistogram` crate, the same structure wrk
//! and wrk2 use): recording is a couple of arithmetic operations and one counter increment,
//! and any percentile can be read back to three significant digits. Values are kept in
//! nanoseconds, so that loopback round trips of a few microseconds keep their digits.
//!
//! The generator's own CPU time comes from `/proc/self/stat` (the `utime` and `stime`
//! fields, in clock ticks; `getrusage` says the same, but rustix has no safe wrapper for it).
//! Divided by the wall time of the run, it says how much of one core the generator used: a
//! value near 1.0 means the generator, not the server, may have set the pace.

use std::fmt;
use std::fs;
use std::io;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::json;

use super::plan::Plan;
use super::schedule::Pace;
use super::workload::Workload;

/// The longest latency the histogram holds exactly; longer ones are recorded as this.
const MAX_LATENCY_NS: u64 = 100_000_000_000;

/// Why a connection (or, in `close` mode, one request's connection) failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The connection could not be made: refused, unreachable, or no socket to make it with.
    Connect,
    /// The server closed the connection while answers were still owed.
    Closed,
    /// A read or write failed, for example with `ECONNRESET`.
    Io,
    /// An answer did not come within `--timeout`.
    Timeout,
    /// The server sent bytes that cannot be cut into answers, or an answer nobody asked for;
    /// also counted as a wrong answer.
    Garbled,
}

/// How many failures of each kind, in [`Failure`] order.
#[derive(Clone, Copy, Debug, Default)]
pub struct Errors {
    /// Failures to connect.
    pub connect: u64,
    /// Connections the server closed early.
    pub closed: u64,
    /// Read and write errors.
    pub io: u64,
    /// Requests that waited longer than `--timeout`.
    pub timeout: u64,
    /// Connections dropped because their stream could not be cut into answers.
    pub garbled: u64,
}

impl Errors {
    /// All failures, of every kind.
    pub fn total(&self) -> u64 {
        self.connect + self.closed + self.io + self.timeout + self.garbled
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &Errors) {
        self.connect += other.connect;
        self.closed += other.closed;
        self.io += other.io;
        self.timeout += other.timeout;
        self.garbled += other.garbled;
    }
}

/// Everything counted while the measurement window is open.
pub struct Recorder {
    /// Latency of every answered request, right or wrong, in nanoseconds.
    latencies: Histogram<u64>,
    /// Answers received and checked.
    pub requests: u64,
    /// Answers that differed from the expected bytes.
    pub wrong: u64,
    /// Failures, by kind.
    pub errors: Errors,
    /// How well the sends kept their schedule (with `--rate`).
    pub pace: Pace,
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self {
            latencies: Histogram::new_with_bounds(1, MAX_LATENCY_NS, 3)
                .expect("the bounds are constants that hdrhistogram accepts"),
            requests: 0,
            wrong: 0,
            errors: Errors::default(),
            pace: Pace::default(),
        }
    }

    /// Counts one answer that took `latency` and was right or not.
    pub fn answer(&mut self, latency: Duration, right: bool) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(MAX_LATENCY_NS);
        self.latencies.saturating_record(nanos.max(1));
        self.requests += 1;
        self.wrong += u64::from(!right);
    }

    /// Counts one failure.
    pub fn fail(&mut self, failure: Failure) {
        let count = match failure {
            Failure::Connect => &mut self.errors.connect,
            Failure::Closed => &mut self.errors.closed,
            Failure::Io => &mut self.errors.io,
            Failure::Timeout => &mut self.errors.timeout,
            Failure::Garbled => {
                self.wrong += 1;
                &mut self.errors.garbled
            }
        };
        *count += 1;
    }

    /// Forgets everything: the warmup is over.
    pub fn reset(&mut self) {
        self.latencies.reset();
        self.requests = 0;
        self.wrong = 0;
        self.errors = Errors::default();
        self.pace = Pace::default();
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

/// A point in time, seen by both the wall clock and the process's CPU clock.
#[derive(Clone, Copy, Debug)]
pub struct Stamp {
    /// Wall-clock time.
    wall: Instant,
    /// CPU time this process has spent in user mode.
    user: Duration,
    /// CPU time this process has spent in the kernel on its behalf.
    system: Duration,
}

impl Stamp {
    /// Now. Reads `/proc/self/stat`, so it is for the edges of a run, not the hot loop.
    pub fn now() -> io::Result<Self> {
        let stat = fs::read_to_string("/proc/self/stat")?;
        // The command name, field 2, is in parentheses and may hold spaces; the fields
        // after its closing parenthesis start at field 3, so utime (14) and stime (15)
        // are the 12th and 13th of them.
        let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let mut fields = after_name.split_ascii_whitespace().skip(11);
        let mut ticks = || -> io::Result<u64> {
            fields
                .next()
                .and_then(|field| field.parse().ok())
                .ok_or_else(|| io::Error::other("/proc/self/stat: no utime and stime"))
        };
        let (user, system) = (ticks()?, ticks()?);
        let hz = rustix::param::clock_ticks_per_second();
        let cpu = |ticks: u64| Duration::from_secs_f64(ticks as f64 / hz as f64);
        Ok(Self {
            wall: Instant::now(),
            user: cpu(user),
            system: cpu(system),
        })
    }
}

/// The outcome of a run, ready to print.
pub struct Report {
    /// The program, for the first line: `zen-load` or `http-load`.
    pub program: &'static str,
    /// What was measured, for the first line, such as `zen 127.0.0.1:7500`.
    pub target: String,
    /// Connections asked for.
    pub connections: usize,
    /// Requests in flight per connection (with `--rate`: at most).
    pub pipeline: usize,
    /// Requests offered per second (open loop), or `None` (closed loop).
    pub rate: Option<f64>,
    /// How well the sends kept their schedule.
    pub pace: Pace,
    /// Why the run does not count, if it fell behind its schedule; `None` when it is valid.
    pub invalid: Option<String>,
    /// Seconds of warmup that were discarded.
    pub warmup: f64,
    /// Seconds the measurement window lasted.
    pub seconds: f64,
    /// Answers checked in the window.
    pub requests: u64,
    /// Answers that were wrong.
    pub wrong: u64,
    /// Failures, by kind.
    pub errors: Errors,
    /// Requests per second.
    pub throughput: f64,
    /// Median, 99th and 99.9th percentile and largest latency, in microseconds.
    pub latency: [f64; 4],
    /// User plus system CPU time of the generator, divided by the wall time.
    pub cpu: f64,
    /// The user-mode part of `cpu`.
    pub cpu_user: f64,
}

impl Report {
    /// Sums up `plan`'s run, whose measurement window went from `start` to `end`.
    pub fn new(plan: &Plan, recorder: &Recorder, start: Stamp, end: Stamp) -> Self {
        let seconds = end.wall.duration_since(start.wall).as_secs_f64();
        let user = (end.user.saturating_sub(start.user)).as_secs_f64();
        let system = (end.system.saturating_sub(start.system)).as_secs_f64();
        // A window that never opened (the run ended during warmup) measured nothing.
        let per_second = |amount: f64| if seconds > 0.0 { amount / seconds } else { 0.0 };
        let micros = |nanos: u64| nanos as f64 / 1000.0;
        let latencies = &recorder.latencies;
        let workload = match plan.workload {
            Workload::Zen => "zen",
            Workload::HttpKeepAlive => "http keepalive",
            Workload::HttpClose => "http close",
            Workload::ZenOneQuestion => "zen one question per connection",
        };
        Self {
            program: plan.program,
            target: format!("{workload} {}", plan.addr),
            connections: plan.connections,
            pipeline: plan.pipeline,
            rate: plan.rate,
            pace: recorder.pace,
            // A closed loop has no schedule to fall behind.
            invalid: plan
                .rate
                .and(recorder.pace.verdict(plan.late, recorder.requests)),
            warmup: plan.warmup.as_secs_f64(),
            seconds,
            requests: recorder.requests,
            wrong: recorder.wrong,
            errors: recorder.errors,
            throughput: per_second(recorder.requests as f64),
            latency: [
                micros(latencies.value_at_quantile(0.5)),
                micros(latencies.value_at_quantile(0.99)),
                micros(latencies.value_at_quantile(0.999)),
                micros(latencies.max()),
            ],
            cpu: per_second(user + system),
            cpu_user: per_second(user),
        }
    }

    /// The report as one JSON object, for scripts.
    pub fn json(&self) -> serde_json::Value {
        let [p50, p99, p999, max] = self.latency;
        let (errors, pace) = (&self.errors, &self.pace);
        json!({
            "program": self.program,
            "target": self.target,
            "connections": self.connections,
            "pipeline": self.pipeline,
            "warmup_s": self.warmup,
            "duration_s": self.seconds,
            "requests": self.requests,
            "wrong": self.wrong,
            "errors": errors.total(),
            "errors_by_kind": {
                "connect": errors.connect,
                "closed": errors.closed,
                "io": errors.io,
                "timeout": errors.timeout,
                "garbled": errors.garbled,
            },
            "throughput_rps": self.throughput,
            "latency_us": { "p50": p50, "p99": p99, "p99_9": p999, "max": max },
            "cpu": self.cpu,
            "cpu_user": self.cpu_user,
            "rate_rps": self.rate,
            "valid": self.invalid.is_none(),
            "invalid_reason": self.invalid,
            "sends": { "due": pace.due, "late": pace.late, "skipped": pace.skipped },
            "max_lag_us": pace.max_lag.as_secs_f64() * 1e6,
        })
    }
}

impl fmt::Display for Report {
    /// The report for people: one line of setup, then one measure a line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [p50, p99, p999, max] = self.latency;
        let e = &self.errors;
        writeln!(
            f,
            "{} {}: {} connections, pipeline {}, {:.2} s (after {:.2} s warmup)",
            self.program, self.target, self.connections, self.pipeline, self.seconds, self.warmup
        )?;
        writeln!(f, "  requests      {}", self.requests)?;
        writeln!(f, "  wrong         {}", self.wrong)?;
        writeln!(
            f,
            "  errors        {} (connect {}, closed {}, io {}, timeout {}, garbled {})",
            e.total(),
            e.connect,
            e.closed,
            e.io,
            e.timeout,
            e.garbled
        )?;
        writeln!(f, "  throughput    {:.0} req/s", self.throughput)?;
        writeln!(
            f,
            "  latency µs    p50 {p50:.1}  p99 {p99:.1}  p99.9 {p999:.1}  max {max:.1}"
        )?;
        write!(
            f,
            "  generator cpu {:.2} of one core ({:.2} user)",
            self.cpu, self.cpu_user
        )?;
        let Some(rate) = self.rate else {
            return Ok(());
        };
        let pace = &self.pace;
        let verdict = self.invalid.as_deref().map_or("valid".into(), |why| {
            format!("INVALID, falling behind: {why}")
        });
        write!(
            f,
            "\n  schedule      {rate:.0} req/s offered: {verdict}\n                \
             {} sends due, {} late, {} skipped, latest {:.0} µs after its time",
            pace.due,
            pace.late,
            pace.skipped,
            pace.max_lag.as_secs_f64() * 1e6
        )
    }
}
