//! The line each event loop, thread or worker prints at exit: what it served.

use std::fmt;
use std::io::{self, Write};

use zenio::Stats;

/// What a runtime (or thread, or process) served, for the line printed at exit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Connections accepted.
    pub connections: u64,
    /// Requests (zen questions, HTTP requests) answered.
    pub requests: u64,
    /// What the zenio runtime that served them did; `None` where no zenio runtime served
    /// (the blocking architectures, `poll`).
    pub runtime: Option<Stats>,
}

impl Summary {
    /// Counts one finished connection that answered `requests` requests.
    pub fn add_connection(&mut self, requests: u64) {
        self.connections += 1;
        self.requests += requests;
    }
}

/// `12 connections, 340 requests`, then on a zenio runtime its counters,
/// `; runtime: tasks_spawned=13 polls=700 ...` (one `field=value` per field of
/// [`zenio::Stats`], for the benchmark harness to parse).
impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (connections, requests) = (self.connections, self.requests);
        write!(f, "{connections} connections, {requests} requests")?;
        match &self.runtime {
            Some(stats) => write!(f, "; runtime: {stats}"),
            None => Ok(()),
        }
    }
}

/// Prints one summary line per loop, thread or worker (`core 0: 12 connections, ...`) on
/// stdout. Nobody may be reading any more (a closed pipe): the lines are then dropped, no
/// panic.
pub fn print_summaries(unit: &str, summaries: &[Summary]) {
    for (index, summary) in summaries.iter().enumerate() {
        print_summary(&format!("{unit} {index}"), summary);
    }
}

/// Prints one summary line, `label: 12 connections, 340 requests`, as above.
pub fn print_summary(label: &str, summary: &Summary) {
    let _ = writeln!(io::stdout().lock(), "{label}: {summary}");
}
