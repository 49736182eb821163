//! The flags both load generators share, and the checked plan of a run they turn into.
//!
//! Before the first connection, [`Plan::new`] also makes room for the sockets: a process
//! may open `RLIMIT_NOFILE` files, commonly 1,024 by default (the soft limit) but up to a
//! hard limit an unprivileged process may raise itself to. We raise the soft limit to the
//! hard one with `setrlimit`, as wrk and most servers do, and refuse a run that would not
//! fit instead of failing with `EMFILE` halfway through.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use rustix::process::{getrlimit, setrlimit, Resource};

use super::workload::Workload;

/// File descriptors a run needs besides its sockets: stdin, stdout, stderr, the epoll
/// instance, and a few to spare.
const SPARE_FDS: u64 = 16;

/// How much load, for how long; `#[command(flatten)]` it into a binary's flags.
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("length").required(true).args(["duration", "requests"])))]
pub struct LoadArgs {
    /// Connections open at once (in `close` mode: connections being made at once).
    #[arg(long, short = 'c', default_value_t = 1)]
    pub connections: usize,
    /// Requests kept in flight on each connection (default 1); with `--rate`, the most that
    /// may wait for their answers on one connection (default 64).
    #[arg(long, short = 'k')]
    pub pipeline: Option<usize>,
    /// Offer this many requests a second across all connections, on a fixed schedule (open
    /// loop), instead of sending one as each answer comes (closed loop).
    #[arg(long, short = 'r')]
    pub rate: Option<f64>,
    /// With `--rate`: a send more than this many milliseconds after its due time is late,
    /// and a valid run has at most 1% of its sends late.
    #[arg(long, default_value_t = 1.0)]
    pub late: f64,
    /// Measure for this many seconds.
    #[arg(long, short = 'd')]
    pub duration: Option<f64>,
    /// Measure until this many requests have been sent and answered.
    #[arg(long, short = 'n')]
    pub requests: Option<u64>,
    /// Run this many seconds of load first, and discard what they measure.
    #[arg(long, short = 'w', default_value_t = 0.0)]
    pub warmup: f64,
    /// Give up on a connection whose answer (or handshake) is this many seconds late.
    #[arg(long, default_value_t = 2.0)]
    pub timeout: f64,
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    pub json: bool,
}

/// When the measurement stops.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Length {
    /// After this long.
    Time(Duration),
    /// Once this many requests are answered (or have failed) after the warmup.
    Requests(u64),
}

/// A run, checked and ready.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The program's name, for the report and error messages.
    pub program: &'static str,
    /// What the connections say.
    pub workload: Workload,
    /// The server.
    pub addr: SocketAddr,
    /// Connections (or concurrent connection loops in `close` mode).
    pub connections: usize,
    /// Requests in flight per connection (with `rate`: at most); 1 in `close` mode.
    pub pipeline: usize,
    /// Requests offered per second, on a fixed schedule; `None` for a closed loop.
    pub rate: Option<f64>,
    /// How long after its due time a send counts as late.
    pub late: Duration,
    /// How long the measurement lasts.
    pub length: Length,
    /// Load before the measurement, discarded.
    pub warmup: Duration,
    /// How late an answer or a handshake may be before its connection is given up.
    pub timeout: Duration,
    /// Print JSON instead of text.
    pub json: bool,
}

impl Plan {
    /// Checks the flags, resolves the server's address, and raises the open-file limit so
    /// that `connections` sockets fit.
    pub fn new(
        program: &'static str,
        workload: Workload,
        host: &str,
        port: u16,
        args: &LoadArgs,
    ) -> io::Result<Self> {
        let seconds = |flag: &str, value: f64| {
            Duration::try_from_secs_f64(value)
                .map_err(|_| invalid(format!("{flag} {value}: not a number of seconds")))
        };
        if args.connections == 0 {
            return Err(invalid("--connections 0: need at least one".into()));
        }
        let pipeline = args
            .pipeline
            .unwrap_or(if args.rate.is_some() { 64 } else { 1 });
        if pipeline == 0 {
            return Err(invalid("--pipeline 0: need at least one".into()));
        }
        if workload.connection_per_request() && (pipeline != 1 || args.rate.is_some()) {
            return Err(invalid(
                "--pipeline and --rate need connections that carry many requests".into(),
            ));
        }
        if args
            .rate
            .is_some_and(|rate| !(rate.is_finite() && rate > 0.0))
        {
            return Err(invalid("--rate: need a number of requests a second".into()));
        }
        let length = match (args.duration, args.requests) {
            (Some(duration), _) => Length::Time(seconds("--duration", duration)?),
            (None, Some(requests)) => Length::Requests(requests),
            (None, None) => return Err(invalid("say --duration SECS or --requests N".into())),
        };
        let addr = (host, port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| invalid(format!("{host}: no address")))?;
        raise_fd_limit(args.connections as u64 + SPARE_FDS)?;
        Ok(Self {
            program,
            workload,
            addr,
            connections: args.connections,
            pipeline,
            rate: args.rate,
            late: seconds("--late", args.late / 1e3)?,
            length,
            warmup: seconds("--warmup", args.warmup)?,
            timeout: seconds("--timeout", args.timeout)?,
            json: args.json,
        })
    }
}

/// Raises the soft limit on open files to the hard limit; fails if `needed` is more.
fn raise_fd_limit(needed: u64) -> io::Result<()> {
    let mut limit = getrlimit(Resource::Nofile);
    // `None` means unlimited.
    let hard = limit.maximum.unwrap_or(u64::MAX);
    if needed > hard {
        return Err(invalid(format!(
            "{} connections need {needed} open files, but this process may open at most {hard} \
             (the hard RLIMIT_NOFILE; raise it as root, e.g. `ulimit -Hn {needed}`)",
            needed - SPARE_FDS
        )));
    }
    if limit.current != limit.maximum {
        limit.current = limit.maximum;
        setrlimit(Resource::Nofile, limit)?;
    }
    Ok(())
}

/// An `InvalidInput` error with `message`.
fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}
