//! Creating sockets: one `socket(2)` call that asks for a non-blocking, close-on-exec
//! socket at once, and the address plumbing around it.
//!
//! Python's `socket.socket(AF_INET, SOCK_STREAM)` followed by `setblocking(False)` is two
//! syscalls; `SOCK_NONBLOCK | SOCK_CLOEXEC` folds them into one.
//!
//! See chapter 10 of the book: `docs/10-async-tcp.md`.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::OwnedFd;

use rustix::net::{AddressFamily, SocketFlags, SocketType};

/// The flags every zenio socket is created (or accepted) with.
pub(crate) const NONBLOCK_CLOEXEC: SocketFlags = SocketFlags::NONBLOCK.union(SocketFlags::CLOEXEC);

/// A new non-blocking TCP socket for `addr`'s family.
pub(crate) fn tcp_socket(addr: &SocketAddr) -> io::Result<OwnedFd> {
    new_socket(family_of(addr), SocketType::STREAM)
}

/// A new non-blocking, close-on-exec socket: one `socket(2)` call.
pub(crate) fn new_socket(family: AddressFamily, kind: SocketType) -> io::Result<OwnedFd> {
    Ok(rustix::net::socket_with(
        family,
        kind,
        NONBLOCK_CLOEXEC,
        None,
    )?)
}

/// The address family of an IP address: `AF_INET` or `AF_INET6`.
pub(crate) fn family_of(addr: &SocketAddr) -> AddressFamily {
    match addr {
        SocketAddr::V4(_) => AddressFamily::INET,
        SocketAddr::V6(_) => AddressFamily::INET6,
    }
}

/// Tries `attempt` on each address `addrs` resolves to, returning the first success or the
/// last error. (Resolving a host name blocks the thread; IP addresses cost nothing.)
pub(crate) fn each_addr<T>(
    addrs: impl ToSocketAddrs,
    mut attempt: impl FnMut(SocketAddr) -> io::Result<T>,
) -> io::Result<T> {
    let mut last_error = None;
    for addr in addrs.to_socket_addrs()? {
        match attempt(addr) {
            Ok(value) => return Ok(value),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(resolved_to_nothing))
}

/// The error for an address that resolved to no socket address at all, so that nothing
/// could even be tried.
pub(crate) fn resolved_to_nothing() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "address resolved to nothing")
}
