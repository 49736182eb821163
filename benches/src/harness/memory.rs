//! Memory: the server's resident set per idle connection, with 10,000 connections open.
//!
//! The harness itself opens the connections, with blocking `connect` calls on loopback, asks
//! one question on each and checks its answer (so every connection has been accepted and
//! served, and holds whatever state a served, idle connection holds), then leaves them idle
//! and reads the server's `VmRSS` from `/proc/PID/status`. The figure is (RSS with the
//! connections − RSS just after `Listening at`) / 10,000. It includes the kernel-independent
//! part only: socket buffers live in kernel memory, which RSS does not count.
//!
//! 10,000 sockets need 10,000 descriptors in this process and as many in the server, more than
//! the common default soft limit of 1,024: the soft `RLIMIT_NOFILE` is raised to the hard
//! limit (which the server, a child, inherits). If the hard limit is too low, the measurement
//! is skipped with the reason.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use rustix::process::{getrlimit, setrlimit, Resource};
use serde_json::{json, Value};

use super::process::{rss_kb, Running};
use super::servers::Server;
use super::Setup;

/// Idle connections per measurement.
pub const CONNECTIONS: usize = 10_000;

/// The servers measured.
pub const SERVERS: &[&str] = &[
    "zenio-coroutine",
    "zenio-callback",
    "tokio-current-thread",
    "floor",
];

/// One server's figure.
#[derive(Clone, Debug)]
pub struct Memory {
    /// The server's id.
    pub server: &'static str,
    /// RSS in kB after `Listening at`, and with the connections open; or why it failed.
    pub rss_kb: Result<(u64, u64), String>,
}

impl Memory {
    /// Bytes of RSS per idle connection.
    pub fn per_connection(&self) -> Option<f64> {
        let (before, after) = *self.rss_kb.as_ref().ok()?;
        Some(after.saturating_sub(before) as f64 * 1024.0 / CONNECTIONS as f64)
    }

    /// As JSON, for `compare.json`.
    pub fn json(&self) -> Value {
        match &self.rss_kb {
            Ok((before, after)) => json!({
                "server": self.server, "connections": CONNECTIONS, "rss_before_kb": before,
                "rss_after_kb": after, "bytes_per_connection": self.per_connection(),
            }),
            Err(error) => json!({ "server": self.server, "failure": error }),
        }
    }
}

/// Raises the soft open-file limit to the hard one; fails if that is fewer than `needed`.
pub fn raise_fd_limit(needed: u64) -> Result<(), String> {
    let mut limit = getrlimit(Resource::Nofile);
    let hard = limit.maximum.unwrap_or(u64::MAX);
    if hard < needed {
        return Err(format!(
            "{CONNECTIONS} idle connections need {needed} open files but the hard RLIMIT_NOFILE is {hard} \
             (raise it as root: `ulimit -Hn {needed}`)"
        ));
    }
    if limit.current != limit.maximum {
        limit.current = limit.maximum;
        setrlimit(Resource::Nofile, limit).map_err(|e| format!("setrlimit(RLIMIT_NOFILE): {e}"))?;
    }
    Ok(())
}

/// Measures `server`'s RSS per idle zen connection.
pub fn measure(setup: &Setup, server: &Server) -> Memory {
    let argv = server
        .command(super::servers::Proto::Zen)
        .expect("memory servers speak zen");
    // zenio's servers keep at most 10,000 connections per loop by default, and close idle
    // ones after 60 s: give this measurement room on both counts.
    let extra: &[&str] = if server.zenio {
        &["--max-conns", "20000", "--idle-timeout", "600"]
    } else {
        &[]
    };
    let rss_kb = Running::start(argv, setup.server_pin(server.group), extra).and_then(|running| {
        let result = idle(&running);
        running.stop();
        result
    });
    Memory {
        server: server.id,
        rss_kb,
    }
}

/// Opens the connections, checks one answer on each, and reads RSS before and after.
fn idle(server: &Running) -> Result<(u64, u64), String> {
    let pid = server.pid();
    let before = rss_kb(pid).ok_or("cannot read the server's VmRSS")?;
    let mut streams = Vec::with_capacity(CONNECTIONS);
    for i in 0..CONNECTIONS {
        let stream = TcpStream::connect(("127.0.0.1", server.port))
            .map_err(|e| format!("connection {i} of {CONNECTIONS} failed: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        streams.push(stream);
    }
    // One question on each (all written first, then all answers read), every answer checked.
    for stream in &mut streams {
        stream
            .write_all(b"Beautiful is better than?")
            .map_err(|e| format!("write: {e}"))?;
    }
    for (i, stream) in streams.iter_mut().enumerate() {
        let mut answer = [0; 5];
        stream
            .read_exact(&mut answer)
            .map_err(|e| format!("connection {i}: no answer: {e}"))?;
        if &answer != b"ugly." {
            return Err(format!(
                "connection {i}: WRONG ANSWER {:?}",
                String::from_utf8_lossy(&answer)
            ));
        }
    }
    // Let the server settle (free what a busy moment needed), then read.
    thread::sleep(Duration::from_millis(500));
    let after = rss_kb(pid).ok_or("cannot read the server's VmRSS")?;
    drop(streams);
    Ok((before, after))
}
