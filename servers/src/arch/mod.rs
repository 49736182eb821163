//! The server architectures of the source documents, each in one short file.
//!
//! They all serve a [`Session`] (zen or hello) through the same
//! [`Conversation`](crate::conversation::Conversation), which holds every rule of a
//! connection (deadlines, the lingering close, the last look at shutdown); they accept with
//! the same [`AcceptPolicy`](crate::accept::AcceptPolicy) and stop through the same
//! [`shutdown`](crate::shutdown::Drain). So they differ only in how they wait: for clients and for
//! bytes, one at a time ([`serial`], in [`blocking`] calls), a thread each ([`threads`]), a
//! process each ([`prefork`]), a hand-written readiness loop ([`poll`]), or zenio tasks in
//! asyncio's two styles ([`callback`], [`coroutine`], which share the [`accept_loop`]).
//! Reading them in that order is the path the documents walk, from `srv_single.py` to
//! `srv_asyncio2.py`. [`hyper`] comes after them: the hello protocol spoken by hyper's
//! HTTP/1 server, which brings its own conversation, on the same zenio machinery.

pub mod accept_loop;
pub mod blocking;
pub mod callback;
pub mod coroutine;
pub mod hyper;
pub mod per_core;
pub mod poll;
pub mod prefork;
pub mod serial;
pub mod threads;

use std::io::{self, Write};
use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::conversation::Limits;
use crate::protocol::Session;
use crate::shutdown;

/// Which architecture a server runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Arch {
    /// One client at a time, blocking calls (`srv_single.py`).
    Serial,
    /// N threads, each accepting and serving one client at a time (`srv_threaded.py`).
    Threads,
    /// N worker processes sharing one listening socket (prefork, `001_*.txt`).
    Prefork,
    /// A raw epoll readiness loop with per-connection state in a slab (`srv_async.py`).
    Poll,
    /// zenio's `Protocol` callbacks (`srv_asyncio1.py`).
    Callback,
    /// An `async fn` per connection over `TcpStream` (`srv_asyncio2.py`).
    Coroutine,
    /// hyper's HTTP/1 server on zenio tasks. It speaks HTTP whatever the session type: only
    /// `hello-server` offers it.
    #[value(skip)]
    Hyper,
}

/// How a server is run, beyond its architecture: the flags every server shares (per-core
/// mode, shutdown, limits, logging).
#[derive(Args, Clone, Copy, Debug)]
pub struct Options {
    /// Threads (`threads`) or processes (`prefork`): `zen-server --workers`, not a shared flag.
    #[arg(skip = 1_usize)]
    pub workers: usize,
    /// Event loops, one per core, each with its own SO_REUSEPORT listener (poll, callback,
    /// coroutine); 0 means one per available core.
    #[arg(long, default_value_t = 1)]
    pub cores: usize,
    /// Pin each event loop's thread to its own core: right when the server has the machine
    /// to itself; on a shared machine a pinned loop cannot move away from a busy core.
    #[arg(long)]
    pub pin: bool,
    /// Seconds open conversations get to finish after SIGINT or SIGTERM.
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = seconds)]
    pub grace: Duration,
    /// Close a connection that sends nothing for this many seconds.
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = seconds)]
    pub idle_timeout: Duration,
    /// Close a connection whose request (question) takes longer than this many seconds to
    /// arrive whole, so a client trickling bytes cannot hold it.
    #[arg(long, visible_alias = "request-timeout", value_name = "SECS", default_value = "10", value_parser = seconds)]
    pub question_timeout: Duration,
    /// Connections each event loop keeps open at most; more are accepted and closed at once.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_conns: usize,
    /// Print a line per connection (accepted, closed, errors).
    #[arg(short, long)]
    pub verbose: bool,
}

impl Options {
    /// The event loops to run: `--cores`, or for 0 one per available core.
    pub fn cores(&self) -> usize {
        match self.cores {
            0 => zenio::available_cores(),
            cores => cores,
        }
    }

    /// The limits of every conversation and accept loop.
    pub fn limits(&self) -> Limits {
        Limits {
            idle: self.idle_timeout,
            request: self.question_timeout,
            max_connections: self.max_conns.max(1),
        }
    }
}

/// A flag's value as a duration: a non-negative number of seconds.
fn seconds(value: &str) -> Result<Duration, &'static str> {
    let seconds = value.parse().map_err(|_| "not a number of seconds")?;
    Duration::try_from_secs_f64(seconds).map_err(|_| "not a number of seconds")
}

/// Runs `arch` on `addr`, serving `S`, until a stop signal (SIGINT, SIGTERM) and the
/// graceful shutdown that follows.
pub fn run<S: Session>(arch: Arch, addr: SocketAddr, options: &Options) -> io::Result<()> {
    shutdown::install()?;
    match arch {
        Arch::Serial | Arch::Threads | Arch::Prefork if options.cores() != 1 => {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "--cores applies to the poll, callback and coroutine architectures",
            ))
        }
        Arch::Serial => serial::run::<S>(addr, options),
        Arch::Threads => threads::run::<S>(addr, options),
        Arch::Prefork => prefork::run(addr, options),
        Arch::Poll | Arch::Callback | Arch::Coroutine | Arch::Hyper => {
            per_core::run::<S>(arch, addr, options)
        }
    }
}

/// Says the server is ready, on stdout: tests and scripts wait for this line.
pub fn announce(addr: SocketAddr) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "Listening at {addr}")?;
    stdout.flush()
}

/// Binds `count` listeners to `addr`, one per event loop ([`zenio::listen_per_core`]:
/// `SO_REUSEPORT` when there are several, a backlog of 4096), and says what could not be
/// bound if that fails. A blocking server takes one and switches it to blocking mode.
pub fn listen(addr: SocketAddr, count: usize) -> io::Result<Vec<std::net::TcpListener>> {
    zenio::listen_per_core(addr, count)
        .map_err(|error| io::Error::new(error.kind(), format!("cannot listen on {addr}: {error}")))
}

/// One blocking listener on `addr`, for the blocking architectures.
pub fn listen_blocking(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let listener = listen(addr, 1)?.remove(0);
    listener.set_nonblocking(false)?;
    Ok(listener)
}
