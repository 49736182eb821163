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
use serde::{Deserialize, Serialize};

use super::process::{rss_kb, Running};
use super::servers::{Proto, Server};
use super::{Mode, Setup};

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
#[rustfmt::skip]
const SERVERS: [&str; 5] = ["zenio-coroutine", "zenio-callback", "tokio-current-thread", "monoio", "floor"];

/// The memory measurement or the C100K run: a row per server, or why it was skipped.
pub type Held = Result<Vec<Memory>, String>;

/// One server's figure at one number of connections.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Memory {
    /// The server's id.
    pub server: String,
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
}

/// The idle-connection measurement (`wanted` = [`IDLE`], quick and full runs) or the C100K
/// run (`wanted` = [`C100K`], full runs), for each server chosen; `notes` gets what the report
/// must say. `Err` says why it was skipped.
pub fn measure_all(setup: &Setup, servers: &[Server], n: usize, notes: &mut Vec<String>) -> Held {
    let chosen = |s: &&Server| SERVERS.contains(&&*s.id) && setup.selected(&[&s.id, "memory"]);
    let chosen: Vec<&Server> = servers.iter().filter(chosen).collect();
    let here = setup.mode == Mode::Full || setup.mode == Mode::Quick && n == IDLE;
    if !here || chosen.is_empty() {
        return Ok(Vec::new());
    }
    let connections = room_for(n, notes);
    let skipped = |why: &String| eprintln!("compare: {n} connections skipped: {why}");
    let connections = connections.inspect_err(skipped)?;
    Ok(chosen
        .iter()
        .map(|s| measure(setup, s, connections))
        .collect())
}

/// Makes room for `connections` open sockets and some spare: raises the soft `RLIMIT_NOFILE`
/// to the hard limit, and the hard limit too if it is lower and we are allowed to; fails
/// with the reason if not.
fn raise_fd_limit(connections: usize) -> Result<(), String> {
    let needed = connections as u64 + 256;
    let mut limit = getrlimit(Resource::Nofile);
    let hard = limit.maximum.unwrap_or(u64::MAX);
    (limit.maximum, limit.current) = (Some(hard.max(needed)), Some(hard.max(needed)));
    setrlimit(Resource::Nofile, limit).map_err(|e| {
        format!(
            "{needed} open files are needed but the hard RLIMIT_NOFILE is {hard} and raising it \
             failed ({e}; it takes CAP_SYS_RESOURCE): raise it as root, e.g. `ulimit -Hn {needed}`"
        )
    })
}

/// How many connections to hold when `wanted` are asked for: `wanted` if the open-file limit
/// can be raised that far, else the most that fit under the hard limit (in whole thousands,
/// leaving room for everything else), with a note saying why. `Err` if not even [`IDLE`] fit.
fn room_for(wanted: usize, notes: &mut Vec<String>) -> Result<usize, String> {
    let Err(reason) = raise_fd_limit(wanted) else {
        return Ok(wanted);
    };
    let hard = getrlimit(Resource::Nofile).maximum.unwrap_or(u64::MAX);
    let fit = (hard.saturating_sub(1000) / 1000 * 1000) as usize;
    if fit < IDLE {
        return Err(reason);
    }
    raise_fd_limit(fit)?;
    let note = format!("{reason}; so {fit} connections were held instead of {wanted}");
    notes.push(note);
    Ok(fit)
}

/// Measures `server`'s RSS with `connections` connections open, each answered once.
fn measure(setup: &Setup, server: &Server, connections: usize) -> Memory {
    let argv = setup.pin(server.group, 0, server.command(Proto::Zen).expect("zen"));
    // zenio's servers keep at most 10,000 connections per loop by default, and close idle
    // ones after 60 s: give this measurement room on both counts.
    let cap = (connections * 2).to_string();
    let zenio = ["--max-conns", &cap, "--idle-timeout", "600"];
    let extra = if server.zenio { &zenio[..] } else { &[] };
    let (id, rss_kb) = (server.id.clone(), Ok((0, 0)));
    let mut memory = Memory {
        server: id,
        connections,
        answered: 0,
        seconds: 0.0,
        rss_kb,
    };
    memory.rss_kb = Running::start(&argv, extra).and_then(|running| {
        let held = hold(&running, &mut memory);
        running.stop();
        held
    });
    let (name, answered) = (&server.name, memory.answered);
    match (memory.per_connection(), &memory.rss_kb) {
        (Some(bytes), _) => {
            eprintln!("memory {name:<24} {bytes:.0} bytes per connection, {answered} answered")
        }
        (_, error) => eprintln!("memory {name:<24} FAILED: {error:?}"),
    }
    memory
}

/// Opens `memory.connections` connections and asks a question on each, then checks every
/// answer, counting them and the seconds this took in `memory`; returns the server's RSS
/// before and after.
fn hold(server: &Running, memory: &mut Memory) -> Result<(u64, u64), String> {
    let rss = || rss_kb(server.pid()).ok_or("cannot read the server's VmRSS");
    let (before, started, block) = (rss()?, Instant::now(), next_block());
    let ask = |i| ask(block, i, server.port).map_err(|e| format!("connection {i}: {e}"));
    let streams = (0..memory.connections)
        .map(ask)
        .collect::<Result<Vec<TcpStream>, String>>()?;
    for (i, mut stream) in streams.iter().enumerate() {
        let mut answer = [0; 5];
        let read = stream.read_exact(&mut answer);
        read.map_err(|e| format!("connection {i}: no answer: {e}"))?;
        if &answer != b"ugly." {
            let answer = String::from_utf8_lossy(&answer);
            return Err(format!("connection {i}: WRONG ANSWER {answer:?}"));
        }
        memory.answered += 1;
    }
    memory.seconds = started.elapsed().as_secs_f64();
    // Let the server settle (free what a busy moment needed), then read.
    thread::sleep(Duration::from_millis(500));
    Ok((before, rss()?))
}

/// The second byte of this measurement's source addresses, 127.B.0.x: a different one each
/// time (starting from one that depends on our pid, so that a rerun within a minute starts
/// elsewhere too).
fn next_block() -> u8 {
    static NEXT: AtomicU8 = AtomicU8::new(0);
    let offset = (std::process::id() % 200) as u8;
    1 + (offset.wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed)) % 250)
}

/// Connection `i` of a measurement using source block `block`, bound to its source address,
/// connected to 127.0.0.1:`port` (with [`PATIENCE`] for the connect and every read), and
/// asked its question.
fn ask(block: u8, i: usize, port: u16) -> std::io::Result<TcpStream> {
    let host = u8::try_from(1 + i / PER_SOURCE).map_err(|_| std::io::ErrorKind::InvalidInput)?;
    let flags = SocketFlags::CLOEXEC;
    let socket = rustix::net::socket_with(AddressFamily::INET, SocketType::STREAM, flags, None)?;
    // A blocking connect waits at most SO_SNDTIMEO; reads wait at most SO_RCVTIMEO.
    sockopt::set_socket_timeout(&socket, sockopt::Timeout::Send, Some(PATIENCE))?;
    sockopt::set_socket_timeout(&socket, sockopt::Timeout::Recv, Some(PATIENCE))?;
    let source = Ipv4Addr::new(127, block, 0, host);
    rustix::net::bind(&socket, &SocketAddrV4::new(source, 0))?;
    rustix::net::connect(&socket, &SocketAddrV4::new(Ipv4Addr::LOCALHOST, port))?;
    let mut stream = TcpStream::from(socket);
    stream.write_all(b"Beautiful is better than?")?;
    Ok(stream)
}
