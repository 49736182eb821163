//! What the command lines share: resolving `HOST` and `-p PORT`, and failing with one line.

use std::fmt::Display;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process;
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

/// `--cores N`: N event loops, where 0 means one per core this process may run on.
pub fn cores(requested: usize) -> usize {
    if requested == 0 {
        zenio::available_cores()
    } else {
        requested
    }
}

/// `--grace SECS`: a non-negative number of seconds.
pub fn grace(seconds: f64) -> io::Result<Duration> {
    Duration::try_from_secs_f64(seconds).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("--grace {seconds}: not a number of seconds"),
        )
    })
}
