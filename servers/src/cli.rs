//! What the command lines share: the server flags, resolving `HOST` and `-p PORT`, and
//! failing with one line.

use std::fmt::Display;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process;

use clap::Args;

use crate::arch::Options;
use crate::conversation::Limits;
use std::time::Duration;

/// The first address `host` resolves to, with `port`.
pub fn resolve(host: &str, port: u16) -> io::Result<SocketAddr> {
    (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("{host}: no address")))
}

/// Prints `program: error` on stderr and exits with status 2, the usage-error status that
/// `clap` also uses: no panic, no backtrace.
pub fn fail(program: &str, error: impl Display) -> ! {
    eprintln!("{program}: {error}");
    process::exit(2)
}

/// The flags every server shares: per-core mode, shutdown, limits, logging.
#[derive(Args, Debug)]
pub struct ServerFlags {
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

impl ServerFlags {
    /// The run options these flags ask for, with `workers` threads or processes.
    pub fn options(&self, workers: usize) -> Options {
        Options {
            workers,
            cores: if self.cores == 0 {
                zenio::available_cores()
            } else {
                self.cores
            },
            pin: self.pin,
            grace: self.grace,
            limits: Limits {
                idle: self.idle_timeout,
                request: self.question_timeout,
                max_connections: self.max_conns.max(1),
            },
        }
    }
}

/// A flag's value as a duration: a non-negative number of seconds.
fn seconds(value: &str) -> Result<Duration, &'static str> {
    let seconds = value.parse().map_err(|_| "not a number of seconds")?;
    Duration::try_from_secs_f64(seconds).map_err(|_| "not a number of seconds")
}
