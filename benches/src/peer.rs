//! What the peer servers share: the protocol they speak, and the sockets they listen on.
//!
//! The peers exist only for benchmarks. To compare runtimes and not parsers or socket options,
//! every peer drives zenio's own sans-I/O sessions ([`ZenSession`], [`HelloSession`]) and
//! listens on sockets made exactly as zenio's servers make theirs (`SO_REUSEADDR`, backlog
//! 4096, `SO_REUSEPORT` when there is more than one, non-blocking): only the runtime differs.
//!
//! [`ZenSession`]: zenio_servers::protocol::ZenSession
//! [`HelloSession`]: zenio_servers::protocol::HelloSession

use std::io;
use std::net::TcpListener;

use clap::ValueEnum;
use zenio_servers::cli::resolve;

/// The protocol a peer server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Proto {
    /// Zen of Python questions and answers (`ZenSession`), like `zen-server`.
    Zen,
    /// `hello` for every HTTP/1.1 request (`HelloSession`), like `hello-server`.
    Hello,
}

impl Proto {
    /// The port zenio's server for this protocol listens on by default.
    pub fn default_port(self) -> u16 {
        match self {
            Proto::Zen => 1060,
            Proto::Hello => 8000,
        }
    }
}

/// `--cores N` / `--threads N`: N, where 0 means one per core this process may run on.
pub fn cores(requested: usize) -> usize {
    if requested == 0 {
        zenio::available_cores()
    } else {
        requested
    }
}

/// Binds `count` non-blocking listeners to `host:port` as zenio's servers do, with
/// `SO_REUSEPORT` when `count > 1` so that the kernel spreads connections between them. Port
/// 0 is resolved by the first listener and reused by the others.
pub fn listeners(host: &str, port: u16, count: usize) -> io::Result<Vec<TcpListener>> {
    zenio::listen_per_core(resolve(host, port)?, count.max(1))
}

/// `--pin`: pins the calling thread, loop or runtime `index`, to core `index` when `pin` asks,
/// as zenio's servers do with `--pin` (`sched_setaffinity`); says on stderr if it could not.
/// Without it the kernel places the threads, as it places zenio's by default.
pub fn pin(pin: bool, index: usize, program: &str) {
    if let Err(error) = pin.then(|| zenio::pin_to_core(index)).transpose() {
        eprintln!("{program}: loop {index} runs unpinned: {error}");
    }
}
