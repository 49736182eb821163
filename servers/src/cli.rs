//! What the command lines share besides the server flags ([`Options`](crate::arch::Options)):
//! resolving `HOST` and `-p PORT`, and failing with one line.

use std::fmt::Display;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process;

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
