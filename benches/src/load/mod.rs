//! Load generators for the zen and hello servers: `zen-load` and `http-load`.
//!
//! A load generator opens `--connections` connections and keeps `--pipeline` requests in
//! flight on each: it sends that many, and each time an answer arrives it checks the answer
//! byte for byte, records how long it took, and sends one more request. The server sets the
//! pace (a "closed loop", as in wrk), so the throughput measured is the most the server
//! gives at that concurrency, and the latency is what each request saw in that state.
//! With `--rate R` the loop is open instead (as in wrk2): R requests a second on a fixed
//! schedule, whatever the server does, latency counted from each request's due time, and a
//! run that fell behind its schedule marked invalid ([`schedule`]).
//!
//! - [`workload`]: what is sent and what must come back, and how the answers are cut out
//!   of the byte stream; sans-I/O, with its unit tests.
//! - [`connection`]: one non-blocking socket and the requests in flight on it.
//! - [`driver`]: the loop over all connections: setup, warmup, measurement, deadline.
//! - [`record`]: the counts, the latency histogram, CPU time, and the report.
//! - [`plan`]: the shared flags, and the checks done before the first connection.
//! - [`schedule`]: when each request of an open-loop run is due, and the verdict on whether
//!   the run kept to it; sans-I/O, with its unit tests.
//!
//! # Implementation
//!
//! One thread, one epoll instance, written by hand with rustix (`socket`, `connect`,
//! `epoll_ctl(ADD)` once per socket, edge-triggered, then `epoll_wait`, `read` and `write`),
//! in the shape of the `poll` architecture of zenio-servers. The alternative was tokio's
//! `current_thread` runtime with a task per connection. Both make the same syscalls (one
//! `epoll_wait` per batch of ready sockets, one `read` and one `write` per batch of
//! answers; tokio also skips the `read` that would say `EAGAIN` after a short read), so
//! they differ only in the work between them: tokio wakes a task through its waker, polls
//! its future, and keeps readiness and timers behind atomics and a timer wheel, where this
//! loop calls a method on a struct. We measured both against `zen-server --arch poll` on a
//! 2-core machine: with one question in flight per connection, the hand-written loop used
//! 4.6 µs of CPU per request at 100 and 1,000 connections where tokio used 4.8 to 5.0 (and
//! 8.6 to 9.0 against 9.5 to 11 at one connection); with 16 in flight, both used 0.31 µs.
//! The difference is small because the kernel's share dominates: on loopback, the `write`
//! that sends a request also runs the server's side of TCP receive, so over 90% of the
//! generator's CPU is system time. We took the loop that costs less, and that has no
//! runtime of its own to explain.
//!
//! Where the generator runs matters on a small machine. On the 2-core VM we measured on,
//! one connection with one request in flight made 70,000 round trips a second when the
//! generator and the server shared a core, and 18,000 when each had its own (waking an idle
//! core costs about 40 µs there), so pin both (`taskset`) for repeatable numbers. And with
//! one request in flight per connection and 10 or more connections, the generator's CPU
//! reaches 0.95 of its core: then it, not the server, sets the pace. `--pipeline 16` costs
//! it a tenth as much CPU per request.
//!
//! Every request is stamped with `Instant::now()` (a vDSO call, no syscall) when it is
//! written and its answer when it is read; the difference goes into an HDR histogram.
//!
//! ```text
//! cargo build --release -p zenio-benches --bin zen-load --bin http-load
//! target/release/zen-load 127.0.0.1 -p 1060 --connections 100 --pipeline 16 -d 10 --warmup 2
//! target/release/http-load -p 8000 --mode close --connections 50 --duration 10 --json
//! target/release/zen-load -p 1060 --connections 100 --rate 50000 -d 10 --warmup 2 --json
//! ```

pub mod connection;
pub mod driver;
pub mod plan;
pub mod record;
pub mod schedule;
#[cfg(test)]
mod tests;
pub mod workload;

use std::io::{self, Write};
use std::process;

pub use plan::{LoadArgs, Plan};
pub use workload::Workload;

/// Runs a load generator's command line to the end: checks the flags, runs, prints the
/// report, and exits with status 0 when every answer was right, 1 when any was wrong (or
/// none came at all), and 2 when the run could not start.
pub fn main(
    program: &'static str,
    workload: Workload,
    host: &str,
    port: u16,
    args: &LoadArgs,
) -> ! {
    let report = Plan::new(program, workload, host, port, args).and_then(|plan| driver::run(&plan));
    let report = match report {
        Ok(report) => report,
        Err(error) => {
            eprintln!("{program}: {error}");
            process::exit(2);
        }
    };
    // A closed stdout (`zen-load ... | head -1`) is no reason to panic: ignore it.
    let printed = if args.json {
        writeln!(io::stdout(), "{}", report.json())
    } else {
        writeln!(io::stdout(), "{report}")
    };
    drop(printed);
    if let Some(why) = &report.invalid {
        eprintln!("{program}: INVALID run, it fell behind its schedule: {why}");
    }
    if report.wrong > 0 {
        eprintln!("{program}: {} wrong answers", report.wrong);
        process::exit(1);
    }
    if report.requests == 0 {
        eprintln!(
            "{program}: no answers at all ({} errors)",
            report.errors.total()
        );
        process::exit(1);
    }
    process::exit(0)
}
