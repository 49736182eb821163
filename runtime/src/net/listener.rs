//! `TcpListener`: a listening socket that accepts connections without blocking the thread.
//!
//! `bind` is `socket` + `setsockopt(SO_REUSEADDR)` + `bind` + `listen`; `accept` is one
//! `accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)`, tried at once and awaited only on `EAGAIN`.
//! asyncio: the listening socket inside `loop.create_server`, whose `_accept_connection`
//! runs when the selector reports it readable.
//!
//! See chapter 10 of the book: `docs/10-async-tcp.md`.

use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::task::{Context, Poll};

use futures_lite::Stream;
use rustix::net::sockopt;

use super::socket::{each_addr, tcp_socket, NONBLOCK_CLOEXEC};
use super::TcpStream;
use crate::reactor::{AsyncFd, Direction};

/// Connections the kernel may queue before `accept` (capped by `net.core.somaxconn`).
const BACKLOG: i32 = 4096;

/// A TCP socket listening for connections.
pub struct TcpListener {
    /// The listening socket.
    io: AsyncFd<std::net::TcpListener>,
}

impl TcpListener {
    /// Listens on `addr` (the first of its addresses that can be bound).
    /// Port 0 asks the kernel for a free port; [`local_addr`](Self::local_addr) tells which.
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        each_addr(addr, |addr| TcpListener::bind_one(addr, false))
    }

    /// Listens on `addr` with `SO_REUSEPORT` as well, so that several listeners (one per
    /// thread or process) can bind the same port; the kernel spreads new connections between
    /// them. This is how the per-core mode gives each runtime a listener of its own.
    pub fn bind_reuseport(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        each_addr(addr, |addr| TcpListener::bind_one(addr, true))
    }

    /// Takes over a listening socket made elsewhere (for example, made on one thread and
    /// moved to the runtime of another), switching it to non-blocking mode.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: AsyncFd::new(listener)?,
        })
    }

    /// Gives the std listener back, out of the runtime and still non-blocking (see
    /// [`StreamSocket::into_std`](crate::StreamSocket::into_std)).
    ///
    /// ```
    /// let listener = zenio::TcpListener::bind("127.0.0.1:0")?.into_std()?;
    /// listener.set_nonblocking(false)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        self.io.into_inner()
    }

    /// Creates, configures, binds and starts one listening socket.
    fn bind_one(addr: SocketAddr, reuse_port: bool) -> io::Result<TcpListener> {
        let fd = tcp_socket(&addr)?;
        sockopt::set_socket_reuseaddr(&fd, true)?;
        if reuse_port {
            sockopt::set_socket_reuseport(&fd, true)?;
        }
        rustix::net::bind(&fd, &addr)?;
        rustix::net::listen(&fd, BACKLOG)?;
        Ok(TcpListener {
            io: AsyncFd::from_nonblocking(std::net::TcpListener::from(fd)),
        })
    }

    /// Accepts one connection, waiting for it if none is queued.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Accepts a connection that is already queued, without waiting: one `accept4`, whatever
    /// the runtime believes about readiness. `Err(WouldBlock)` means the queue is empty. For
    /// a graceful shutdown: serve the clients already connected, then close.
    pub fn try_accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (fd, peer) = self.io.try_io(Direction::Read, |listener| {
            Ok(rustix::net::acceptfrom_with(listener, NONBLOCK_CLOEXEC)?)
        })?;
        Ok((TcpStream::from_fd(fd), tcp_peer(peer)?))
    }

    /// Polls for one connection; the building block of [`accept`](Self::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        self.io
            .poll_io(Direction::Read, cx, |listener| {
                Ok(rustix::net::acceptfrom_with(listener, NONBLOCK_CLOEXEC)?)
            })
            .map(|accepted| {
                let (fd, peer) = accepted?;
                Ok((TcpStream::from_fd(fd), tcp_peer(peer)?))
            })
    }

    /// The connections, one by one, as a `Stream`.
    pub fn incoming(&self) -> impl Stream<Item = io::Result<TcpStream>> + Unpin + '_ {
        futures_lite::stream::poll_fn(move |cx| {
            self.poll_accept(cx)
                .map(|accepted| Some(accepted.map(|(stream, _)| stream)))
        })
    }

    /// The address this listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

/// The peer address `accept4` returned, as a TCP address.
fn tcp_peer(peer: Option<rustix::net::SocketAddrAny>) -> io::Result<SocketAddr> {
    peer.and_then(|peer| SocketAddr::try_from(peer).ok())
        .ok_or_else(|| io::Error::other("accept4 returned no TCP peer address"))
}

impl_fd!(TcpListener);
