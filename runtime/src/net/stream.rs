//! `TcpStream`: a connected socket whose reads and writes are futures.
//!
//! A read is one `recv`, a write one `send` (with `MSG_NOSIGNAL`, so a closed peer is an
//! `EPIPE` error, never a `SIGPIPE`), both tried at once. A read that fills less than its buffer
//! lets the next read wait for epoll instead of paying for an `EAGAIN`. `TcpStream` implements
//! the `futures-io` traits `AsyncRead` and `AsyncWrite`, so `futures_lite::io::BufReader`,
//! `read_until` and `write_all` work on it. asyncio: the socket behind a `StreamReader` and
//! `StreamWriter` pair (`reader.read(n)`, `writer.write(data)`).
//!
//! See chapter 8 of the book: `docs/08-async-tcp.md`.

use std::future::poll_fn;
use std::io;
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::os::fd::OwnedFd;
use std::rc::Rc;
use std::task::{Context, Poll};

use rustix::io::Errno;
use rustix::net::{sockopt, RecvFlags, SendFlags};

use super::socket::{resolved_to_nothing, tcp_socket};
use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::reactor::{AsyncFd, Direction};

/// A TCP connection.
pub struct TcpStream {
    /// The connected socket.
    io: AsyncFd<std::net::TcpStream>,
}

impl TcpStream {
    /// Wraps a connected, non-blocking socket (from `accept4`).
    pub(crate) fn from_fd(fd: OwnedFd) -> TcpStream {
        TcpStream {
            io: AsyncFd::from_nonblocking(std::net::TcpStream::from(fd)),
        }
    }

    /// Connects to `addr` (each of its addresses in turn). A refused connection is an error
    /// (`ConnectionRefused`), not a hang.
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let mut last_error = None;
        for addr in addr.to_socket_addrs()? {
            match TcpStream::connect_one(addr).await {
                Ok(stream) => return Ok(stream),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(resolved_to_nothing))
    }

    /// `connect(2)` on a non-blocking socket: usually `EINPROGRESS`, then the socket turns
    /// writable when the handshake is done, and `SO_ERROR` says whether it worked.
    async fn connect_one(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::from_fd(tcp_socket(&addr)?);
        match rustix::net::connect(stream.io.get_ref(), &addr) {
            Ok(()) => return Ok(stream),
            Err(Errno::INPROGRESS) => {}
            Err(error) => return Err(error.into()),
        }
        poll_fn(|cx| {
            stream.io.poll_io(Direction::Write, cx, |socket| {
                sockopt::socket_error(socket)??;
                match socket.peer_addr() {
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    other => other.map(drop),
                }
            })
        })
        .await?;
        Ok(stream)
    }

    /// Reads into `buf`; `Ok(0)` means the peer closed its side (EOF).
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read_with(cx, buf)).await
    }

    /// Reads into `buf` now, without waiting: one `recv`, whatever the runtime believes about
    /// readiness. `Err(WouldBlock)` means nothing is there. For a last look before closing,
    /// such as answering what a client already sent when the server shuts down.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read, |socket| recv(socket, buf))
    }

    /// Writes some of `buf` and says how much.
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_write_with(cx, buf)).await
    }

    /// Writes all of `buf`, waiting whenever the socket buffer is full.
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// Polls one `recv` into `buf`.
    pub fn poll_read_with(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let poll = self
            .io
            .poll_io(Direction::Read, cx, |socket| recv(socket, buf));
        if let Poll::Ready(Ok(n)) = poll {
            if n > 0 && n < buf.len() {
                self.io.note_short_read();
            }
        }
        poll
    }

    /// Polls one `send` of `buf`.
    pub fn poll_write_with(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(Direction::Write, cx, |socket| send(socket, buf))
    }

    /// Shuts down one or both directions (`shutdown(2)`). `Shutdown::Write` sends a FIN: the
    /// peer reads EOF but can still send (asyncio's `writer.write_eof()`).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        match self.io.get_ref().shutdown(how) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            other => other,
        }
    }

    /// The address of the peer.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address of this end.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Turns Nagle's algorithm off (`TCP_NODELAY`) or back on.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Borrows a read half and a write half, usable at the same time (by one task, or by two
    /// tasks on this thread).
    pub fn split(&self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (ReadHalf(self), WriteHalf(self))
    }

    /// Splits into owned halves that can go to two different tasks. The socket closes when
    /// both halves are dropped.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let shared = Rc::new(self);
        (OwnedReadHalf(Rc::clone(&shared)), OwnedWriteHalf(shared))
    }
}

impl std::fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TcpStream").field(self.io.get_ref()).finish()
    }
}

/// Implements `AsyncRead` for a type that can lend a `&TcpStream`.
macro_rules! impl_async_read {
    ($($ty:ty),*) => {$(
        impl ::futures_lite::AsyncRead for $ty {
            fn poll_read(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut [u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                ::std::borrow::Borrow::<$crate::TcpStream>::borrow(&*self).poll_read_with(cx, buf)
            }
        }
    )*};
}

/// One `recv(2)`, straight to the kernel through rustix: the C library's `recv` is a
/// thread-cancellation point, which costs two extra calls around every syscall.
fn recv(socket: &std::net::TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    Ok(rustix::net::recv(socket, buf, RecvFlags::empty())?.0)
}

/// One `send(2)` with `MSG_NOSIGNAL` (a closed peer is `EPIPE`, not `SIGPIPE`), through
/// rustix for the same reason as [`recv`].
fn send(socket: &std::net::TcpStream, buf: &[u8]) -> io::Result<usize> {
    Ok(rustix::net::send(socket, buf, SendFlags::NOSIGNAL)?)
}

/// Implements `AsyncWrite` for a type that can lend a `&TcpStream`. `close` sends a FIN.
macro_rules! impl_async_write {
    ($($ty:ty),*) => {$(
        impl ::futures_lite::AsyncWrite for $ty {
            fn poll_write(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                ::std::borrow::Borrow::<$crate::TcpStream>::borrow(&*self).poll_write_with(cx, buf)
            }

            fn poll_flush(self: ::std::pin::Pin<&mut Self>, _: &mut ::std::task::Context<'_>) -> ::std::task::Poll<::std::io::Result<()>> {
                ::std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(self: ::std::pin::Pin<&mut Self>, _: &mut ::std::task::Context<'_>) -> ::std::task::Poll<::std::io::Result<()>> {
                let stream: &$crate::TcpStream = ::std::borrow::Borrow::borrow(&*self);
                ::std::task::Poll::Ready(stream.shutdown(::std::net::Shutdown::Write))
            }
        }
    )*};
}

pub(crate) use {impl_async_read, impl_async_write};

impl_async_read!(TcpStream, &TcpStream);
impl_async_write!(TcpStream, &TcpStream);
