//! Memory and scale: the server's resident set per idle connection with 10,000 connections
//! open, and the C100K run, which opens 100,000.
//!
//! The harness itself opens the connections, with blocking `connect` calls on loopback, asks
//! one question on each and checks its answer (so every connection has been accepted and
//! served, and holds whatever state a served, idle connection holds), then leaves them idle
//! and reads the server's `VmRSS` from `/proc/PID/status`. The figure is (RSS with the
//! connections − RSS just after `Listening at`) / connections. It includes the
//! kernel-independent part only: socket buffers live in kernel memory, which RSS does not
//! count. A measurement also counts how many connections were answered: every one must be.
//!
//! A client address (IP, port) can talk to one server address only once at a time, and
//! Linux hands out about 28,000 ephemeral ports (`ip_local_port_range`), so 100,000
//! connections to one server port need several source addresses: every address in
//! 127.0.0.0/8 is loopback, and connection `i` is bound (`bind` before `connect`) to
//! 127.B.0.(1 + i / 10,000). B changes from one measurement to the next, so the ports a
//! measurement leaves in `TIME_WAIT` for a minute never stand in the next one's way.
//!
//! 100,000 sockets need 100,000 descriptors in this process and as many in the server,
//! far more than the common default soft limit of 1,024: the soft `RLIMIT_NOFILE` is raised
//! (and the hard one too, when we may: it takes `CAP_SYS_RESOURCE`), and the server, a
//! child, inherits it. Where the hard limit cannot be raised, the C100K run holds as many
//! connections as fit under it, and the report says so and why ([`room_for`]).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddrV4, TcpStream};
use std::sync::atomic::{AtomicU8, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use rustix::net::{sockopt, AddressFamily, SocketFlags, SocketType};
use rustix::process::{getrlimit, setrlimit, Resource};
use serde_json::{json, Value};

use super::process::{rss_kb, Running};
use super::servers::Server;
use super::Setup;

/// Idle connections in the memory measurement.
pub const IDLE: usize = 10_000;

/// Connections in the C100K run.
pub const C100K: usize = 100_000;

/// Connections per source address: well under the 28,232 ephemeral ports of a default
/// `ip_local_port_range` (32768–60999).
pub const PER_SOURCE: usize = 10_000;

/// How long one connect, or one answer, may take before the measurement gives up.
const PATIENCE: Duration = Duration::from_secs(10);

/// The servers measured.
pub const SERVERS: &[&str] = &[
    "zenio-coroutine",
    "zenio-callback",
    "tokio-current-thread",
    "floor",
];

/// One server's figure at one number of connections.
#[derive(Clone, Debug)]
pub struct Memory {
    /// The server's id.
    pub server: &'static str,
    /// Connections asked for.
    pub connections: usize,
    /// Connections that were opened and answered their question correctly.
    pub answered: usize,
    /// Seconds it took to open every connection and read every answer.
    pub seconds: f64,
    /// RSS in kB after `Listening at`, and with the connections open; or why it failed.
    pub rss_kb: Result<(u64, u64), String>,
}

impl Memory {
    /// Bytes of RSS per connection.
    pub fn per_connection(&self) -> Option<f64> {
        let (before, after) = *self.rss_kb.as_ref().ok()?;
        Some(after.saturating_sub(before) as f64 * 1024.0 / self.connections as f64)
    }

    /// As JSON, for `compare.json`.
    pub fn json(&self) -> Value {
        let common = json!({
            "server": self.server, "connections": self.connections, "answered": self.answered,
            "seconds": self.seconds,
        });
        let rest = match &self.rss_kb {
            Ok((before, after)) => json!({
                "rss_before_kb": before, "rss_after_kb": after,
                "bytes_per_connection": self.per_connection(),
            }),
            Err(error) => json!({ "failure": error }),
        };
        let mut all = common;
        if let (Some(all), Value::Object(rest)) = (all.as_object_mut(), rest) {
            all.extend(rest);
        }
        all
    }
}

/// Makes room for `needed` open files: raises the soft `RLIMIT_NOFILE` to the hard limit,
/// and the hard limit too if it is lower and we are allowed to; fails with the reason if not.
pub fn raise_fd_limit(needed: u64) -> Result<(), String> {
    let mut limit = getrlimit(Resource::Nofile);
    let hard = limit.maximum.unwrap_or(u64::MAX);
    if hard < needed {
        limit.maximum = Some(needed);
    }
    limit.current = limit.maximum;
    setrlimit(Resource::Nofile, limit).map_err(|e| {
        format!(
            "{needed} open files are needed but the hard RLIMIT_NOFILE is {hard} and raising it \
             failed ({e}; it takes CAP_SYS_RESOURCE): raise it as root, e.g. `ulimit -Hn {needed}`"
        )
    })
}

/// How many connections to hold when `wanted` are asked for: `wanted` if the open-file
/// limit can be raised that far, else the most that fit under the hard limit (in whole
/// thousands, leaving room for everything else), with the reason. `Err` if not even
/// [`IDLE`] fit.
pub fn room_for(wanted: usize) -> Result<(usize, Option<String>), String> {
    let Err(reason) = raise_fd_limit(wanted as u64 + 256) else {
        return Ok((wanted, None));
    };
    let hard = getrlimit(Resource::Nofile).maximum.unwrap_or(u64::MAX);
    let fit = (hard.saturating_sub(1000) / 1000 * 1000) as usize;
    if fit < IDLE {
        return Err(reason);
    }
    raise_fd_limit(fit as u64 + 256)?;
    Ok((
        fit,
        Some(format!(
            "{reason}; so {fit} connections were held instead of {wanted}"
        )),
    ))
}

/// Measures `server`'s RSS with `connections` connections open, each answered once.
pub fn measure(setup: &Setup, server: &Server, connections: usize) -> Memory {
    let argv = server
        .command(super::servers::Proto::Zen)
        .expect("memory servers speak zen");
    // zenio's servers keep at most 10,000 connections per loop by default, and close idle
    // ones after 60 s: give this measurement room on both counts.
    let cap = (connections * 2).to_string();
    let extra: Vec<&str> = if server.zenio {
        vec!["--max-conns", &cap, "--idle-timeout", "600"]
    } else {
        Vec::new()
    };
    let mut progress = Progress::default();
    let rss_kb = Running::start(argv, setup.server_pin(server.group), &extra).and_then(|running| {
        let result = hold(&running, connections, &mut progress);
        running.stop();
        result
    });
    Memory {
        server: server.id,
        connections,
        answered: progress.answered,
        seconds: progress.seconds,
        rss_kb,
    }
}

/// How far a measurement got.
#[derive(Default)]
struct Progress {
    /// Connections answered so far.
    answered: usize,
    /// Seconds from the first connect to the last answer.
    seconds: f64,
}

/// Opens the connections, checks one answer on each, and reads RSS before and after.
fn hold(
    server: &Running,
    connections: usize,
    progress: &mut Progress,
) -> Result<(u64, u64), String> {
    let pid = server.pid();
    let before = rss_kb(pid).ok_or("cannot read the server's VmRSS")?;
    let started = Instant::now();
    let block = next_block();
    let mut streams = Vec::with_capacity(connections);
    for i in 0..connections {
        let stream = connect(block, i, server.port)
            .map_err(|e| format!("connection {i} of {} failed: {e}", connections))?;
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
        progress.answered += 1;
    }
    progress.seconds = started.elapsed().as_secs_f64();
    // Let the server settle (free what a busy moment needed), then read.
    thread::sleep(Duration::from_millis(500));
    let after = rss_kb(pid).ok_or("cannot read the server's VmRSS")?;
    drop(streams);
    Ok((before, after))
}

/// The second byte of this measurement's source addresses, 127.B.0.x: a different one each
/// time (starting from one that depends on our pid, so that a rerun within a minute starts
/// elsewhere too).
fn next_block() -> u8 {
    static NEXT: AtomicU8 = AtomicU8::new(0);
    let offset = (std::process::id() % 200) as u8;
    1 + (offset.wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed)) % 250)
}

/// Connection `i` of a measurement using source block `block`: bound to its source address,
/// then connected to 127.0.0.1:`port`, with [`PATIENCE`] for the connect and every read.
fn connect(block: u8, i: usize, port: u16) -> std::io::Result<TcpStream> {
    let host = u8::try_from(1 + i / PER_SOURCE).map_err(|_| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "too many connections")
    })?;
    let socket = rustix::net::socket_with(
        AddressFamily::INET,
        SocketType::STREAM,
        SocketFlags::CLOEXEC,
        None,
    )?;
    // A blocking connect waits at most SO_SNDTIMEO; reads wait at most SO_RCVTIMEO.
    sockopt::set_socket_timeout(&socket, sockopt::Timeout::Send, Some(PATIENCE))?;
    sockopt::set_socket_timeout(&socket, sockopt::Timeout::Recv, Some(PATIENCE))?;
    rustix::net::bind(
        &socket,
        &SocketAddrV4::new(Ipv4Addr::new(127, block, 0, host), 0),
    )?;
    rustix::net::connect(&socket, &SocketAddrV4::new(Ipv4Addr::LOCALHOST, port))?;
    Ok(TcpStream::from(socket))
}
