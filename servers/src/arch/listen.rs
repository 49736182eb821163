//! A listening socket for the blocking architectures and the poll loop.
//!
//! `socket` + `setsockopt(SO_REUSEADDR)` + `bind` + `listen`, as the seed's
//! `create_srv_socket` does, but with a backlog of 4096 (the seed's `listen(1)` would make
//! a crowd of clients wait for SYN retransmits).

use std::io;
use std::net::{SocketAddr, TcpListener};

use rustix::net::{sockopt, AddressFamily, SocketFlags, SocketType};

use super::bind_error;

/// Connections the kernel queues before `accept` (capped by `net.core.somaxconn`).
const BACKLOG: i32 = 4096;

/// Binds a blocking (or, with `nonblocking`, a non-blocking) listener to `addr`.
pub fn listen(addr: SocketAddr, nonblocking: bool) -> io::Result<TcpListener> {
    bind(addr, nonblocking, false)
}

/// Binds `count` non-blocking listeners to the same address, one per runtime. With more
/// than one, each has `SO_REUSEPORT` and the kernel spreads new connections between them;
/// port 0 is resolved by the first and reused by the others.
pub fn listen_per_core(addr: SocketAddr, count: usize) -> io::Result<Vec<TcpListener>> {
    let reuse_port = count > 1;
    let first = bind(addr, true, reuse_port)?;
    let addr = first.local_addr()?;
    let mut listeners = vec![first];
    for _ in 1..count {
        listeners.push(bind(addr, true, reuse_port)?);
    }
    Ok(listeners)
}

/// `socket`, `setsockopt` (`SO_REUSEADDR`, and `SO_REUSEPORT` if asked), `bind`, `listen`.
fn bind(addr: SocketAddr, nonblocking: bool, reuse_port: bool) -> io::Result<TcpListener> {
    let family = match addr {
        SocketAddr::V4(_) => AddressFamily::INET,
        SocketAddr::V6(_) => AddressFamily::INET6,
    };
    let mut flags = SocketFlags::CLOEXEC;
    if nonblocking {
        flags |= SocketFlags::NONBLOCK;
    }
    let bound = (|| -> io::Result<TcpListener> {
        let fd = rustix::net::socket_with(family, SocketType::STREAM, flags, None)?;
        sockopt::set_socket_reuseaddr(&fd, true)?;
        if reuse_port {
            sockopt::set_socket_reuseport(&fd, true)?;
        }
        rustix::net::bind(&fd, &addr)?;
        rustix::net::listen(&fd, BACKLOG)?;
        Ok(TcpListener::from(fd))
    })();
    bound.map_err(|error| bind_error(addr, error))
}
